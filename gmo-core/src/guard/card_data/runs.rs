//! Finds card-number-shaped runs of digits in a stream of characters, in one pass and constant
//! memory.
//!
//! Vocabulary: a *group* is a maximal run of digits (ASCII or full-width) with nothing between
//! them; a *chain* is a sequence of groups joined by short gaps of separator characters (space,
//! hyphen and their full-width and Japanese look-alikes). A *candidate* is any run of consecutive
//! groups of one chain holding 13–19 digits in total, where a group of more than 6 digits
//! combines with no other. A group is never split: `4111…` inside a 28-digit TranID is no
//! candidate. A group glued to a Latin letter, directly or through one `-` or `_` (`ord4111…`,
//! `x-4111…`, `…1111abc`), belongs to an identifier and breaks the chain.

use super::number::{MAX_DIGITS, Verdict, verdict};

/// At most this many separator characters between two groups of one chain (`" - "`).
const MAX_GAP: u8 = 3;
/// Longest group that combines with others into a candidate.
const MAX_COMBINED_GROUP: u8 = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Digit(u8),
    Letter,
    /// Joins digit groups. `connector`: also joins a letter to digits in identifiers (`-`).
    /// `weak`: a dot or slash, which joins only groups of 4 digits or more (so that dates,
    /// versions, addresses and decimals never chain into a candidate).
    Separator {
        connector: bool,
        weak: bool,
    },
    /// Zero-width and carriage-return characters: skipped as if absent (`4111\u{200b}1111` is
    /// one group, `\r\n` one separator).
    Invisible,
    /// Breaks chains. `connector`: joins a letter to digits in identifiers (`_`).
    Other {
        connector: bool,
    },
}

impl Class {
    fn is_connector(self) -> bool {
        matches!(
            self,
            Self::Separator {
                connector: true,
                ..
            } | Self::Other { connector: true }
        )
    }
}

const fn separator(weak: bool) -> Class {
    Class::Separator {
        connector: false,
        weak,
    }
}

fn classify(c: char) -> Class {
    match c {
        '0'..='9' => Class::Digit(digit_value(c, '0')),
        'A'..='Z' | 'a'..='z' | '\u{ff21}'..='\u{ff3a}' | '\u{ff41}'..='\u{ff5a}' => Class::Letter,
        '-' => Class::Separator {
            connector: true,
            weak: false,
        },
        '_' => Class::Other { connector: true },
        // Space, tab, line breaks and the other Unicode spaces, no-break space, ideographic
        // space, full-width hyphen-minus, the dashes U+2010–U+2015, minus sign, and the katakana
        // prolonged sound marks (ー, ｰ) that Japanese input methods produce for a hyphen.
        ' '
        | '\t'
        | '\n'
        | '\u{b}'
        | '\u{c}'
        | '\u{85}'
        | '\u{a0}'
        | '\u{1680}'
        | '\u{2000}'..='\u{200a}'
        | '\u{2028}'
        | '\u{2029}'
        | '\u{202f}'
        | '\u{205f}'
        | '\u{3000}'
        | '\u{ff0d}'
        | '\u{2010}'..='\u{2015}'
        | '\u{2212}'
        | '\u{30fc}'
        | '\u{ff70}' => separator(false),
        // Dots and slashes, ASCII, full-width and the katakana middle dot.
        '.' | '/' | '\u{ff0e}' | '\u{ff0f}' | '\u{30fb}' | '\u{ff65}' => separator(true),
        '\r' | '\u{ad}' | '\u{180e}' | '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' => {
            Class::Invisible
        }
        '\u{ff10}'..='\u{ff19}' => Class::Digit(digit_value(c, '\u{ff10}')),
        _ => Class::Other { connector: false },
    }
}

fn digit_value(c: char, zero: char) -> u8 {
    // Callers pass a character at most 9 above `zero`.
    u8::try_from(u32::from(c) - u32::from(zero)).unwrap_or(0)
}

/// The streaming detector. Feed characters with [`RunScanner::push`], then call
/// [`RunScanner::finish`]; [`RunScanner::reset`] starts a new, unrelated value.
#[derive(Debug, Clone)]
pub(super) struct RunScanner {
    verdict: Verdict,
    // The group being read (its first 19 digits; `group_len` counts them all).
    group: [u8; MAX_DIGITS],
    group_len: usize,
    group_tainted: bool,
    in_group: bool,
    // The group ended on a connector: whether it is glued to a letter is known one character later.
    awaiting_end: bool,
    // The chain's latest groups, at most 19 digits in all once a group has been evaluated.
    chain: [u8; 2 * MAX_DIGITS],
    chain_len: usize,
    chain_groups: [u8; 2 * MAX_DIGITS],
    chain_group_count: usize,
    // The last group was accepted and may be continued after a gap of separators.
    chain_open: bool,
    gap: u8,
    // The gap holds a weak separator (dot, slash).
    gap_weak: bool,
    // The group being read continues the chain across a weak separator.
    joined_weak: bool,
    prev: Class,
    prev2: Class,
}

impl Default for RunScanner {
    fn default() -> Self {
        Self {
            verdict: Verdict::Clean,
            group: [0; MAX_DIGITS],
            group_len: 0,
            group_tainted: false,
            in_group: false,
            awaiting_end: false,
            chain: [0; 2 * MAX_DIGITS],
            chain_len: 0,
            chain_groups: [0; 2 * MAX_DIGITS],
            chain_group_count: 0,
            chain_open: false,
            gap: 0,
            gap_weak: false,
            joined_weak: false,
            prev: Class::Other { connector: false },
            prev2: Class::Other { connector: false },
        }
    }
}

impl RunScanner {
    /// Forgets everything: the next character starts a new value.
    pub(super) fn reset(&mut self) {
        self.verdict = Verdict::Clean;
        self.in_group = false;
        self.awaiting_end = false;
        self.group_len = 0;
        self.clear_chain();
        self.prev = Class::Other { connector: false };
        self.prev2 = Class::Other { connector: false };
    }

    /// Whether a card number was already found, whatever the field (the caller may stop).
    pub(super) fn found_card(&self) -> bool {
        self.verdict == Verdict::Card
    }

    /// What was found so far (a chain still open may add to it).
    pub(super) fn verdict(&self) -> Verdict {
        self.verdict
    }

    /// Feeds every character of `text`; stops early once a card number is found.
    pub(super) fn push_str(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            if self.is_idle() {
                // Between candidates only the two characters before a digit matter: skip to the
                // next byte that may start one (an ASCII digit, or 0xEF, the lead byte of U+FF10–
                // U+FF19), then look back.
                let skipped = bytes[at..]
                    .iter()
                    .position(|&b| b.is_ascii_digit() || b == 0xef)
                    .map_or(bytes.len(), |offset| at + offset);
                if skipped > at {
                    // Every character of `text` before `skipped` belongs to the stream (fed or
                    // skipped); with only one, the one before it is the old `prev`.
                    let mut before = text[..skipped]
                        .chars()
                        .rev()
                        .map(classify)
                        .filter(|c| *c != Class::Invisible);
                    if let Some(last) = before.next() {
                        self.prev2 = before.next().unwrap_or(self.prev);
                        self.prev = last;
                    }
                    at = skipped;
                    if at >= bytes.len() {
                        return;
                    }
                }
            }
            let Some(c) = text[at..].chars().next() else {
                return;
            };
            self.push(c);
            at += c.len_utf8();
            if self.in_group && c.is_ascii_digit() {
                // The rest of a run of ASCII digits, without the general state machine.
                let run = bytes[at..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                for &b in &bytes[at..at + run] {
                    self.extend_group(b - b'0');
                }
                if run > 0 {
                    self.prev2 = Class::Digit(0);
                    self.prev = Class::Digit(0);
                }
                at += run;
            }
            if self.found_card() {
                return;
            }
        }
    }

    /// Nothing is pending: no group, no chain that may continue.
    fn is_idle(&self) -> bool {
        !self.in_group && !self.awaiting_end && !self.chain_open
    }

    /// Feeds one character.
    pub(super) fn push(&mut self, c: char) {
        let class = classify(c);
        if class == Class::Invisible {
            return;
        }
        if self.awaiting_end {
            self.awaiting_end = false;
            self.end_group(class == Class::Letter);
            // The connector itself (`prev`) was the first character after the group.
            self.gap = 0;
            self.gap_char(self.prev);
        }
        match class {
            Class::Digit(d) => {
                if !self.in_group {
                    self.begin_group();
                }
                self.extend_group(d);
            }
            _ if self.in_group => {
                self.in_group = false;
                if class.is_connector() {
                    self.awaiting_end = true;
                } else {
                    self.end_group(class == Class::Letter);
                    self.gap = 0;
                    self.gap_char(class);
                }
            }
            _ => self.gap_char(class),
        }
        self.prev2 = self.prev;
        self.prev = class;
    }

    /// Ends the value; returns what was found in it.
    pub(super) fn finish(&mut self) -> Verdict {
        if self.awaiting_end || self.in_group {
            self.awaiting_end = false;
            self.in_group = false;
            self.end_group(false);
        }
        self.chain_open = false;
        self.verdict
    }

    fn extend_group(&mut self, digit: u8) {
        if let Some(slot) = self.group.get_mut(self.group_len) {
            *slot = digit;
        }
        self.group_len = self.group_len.saturating_add(1);
    }

    fn begin_group(&mut self) {
        self.in_group = true;
        self.group_len = 0;
        self.group_tainted =
            self.prev == Class::Letter || (self.prev.is_connector() && self.prev2 == Class::Letter);
        if self.chain_open && (1..=MAX_GAP).contains(&self.gap) {
            self.joined_weak = self.gap_weak;
        } else {
            self.clear_chain();
        }
    }

    /// A non-digit after the last group (or after the gap that follows it).
    fn gap_char(&mut self, class: Class) {
        if !self.chain_open {
            return;
        }
        if let Class::Separator { weak, .. } = class {
            self.gap_weak |= weak;
            self.gap = self.gap.saturating_add(1);
            if self.gap > MAX_GAP {
                self.chain_open = false;
            }
        } else {
            self.chain_open = false;
        }
    }

    fn clear_chain(&mut self) {
        self.chain_len = 0;
        self.chain_group_count = 0;
        self.chain_open = false;
        self.gap = 0;
        self.gap_weak = false;
        self.joined_weak = false;
    }

    fn end_group(&mut self, glued_to_letter: bool) {
        let len = self.group_len;
        if self.group_tainted || glued_to_letter || len > MAX_DIGITS {
            // Part of an identifier, or longer than any card number: a barrier.
            self.clear_chain();
            return;
        }
        // Across a dot or slash, a group of 4 digits or more chains only with one of 3 or more
        // (`4111.1111.…`, `….1111.123`), never `2026/11/27`, `192.168.0.1` or `4200.50`.
        let last = self
            .chain_group_count
            .checked_sub(1)
            .and_then(|i| self.chain_groups.get(i))
            .copied()
            .unwrap_or(0);
        if self.joined_weak && (len < 3 || last < 4) {
            self.clear_chain();
        }
        self.joined_weak = false;
        self.gap_weak = false;
        // Room is guaranteed: between groups the chain holds at most 19 digits, a group at most 19.
        let (Some(dst), Some(src), Some(count)) = (
            self.chain.get_mut(self.chain_len..self.chain_len + len),
            self.group.get(..len),
            self.chain_groups.get_mut(self.chain_group_count),
        ) else {
            self.clear_chain();
            return;
        };
        dst.copy_from_slice(src);
        *count = u8::try_from(len).unwrap_or(u8::MAX);
        self.chain_len += len;
        self.chain_group_count += 1;
        self.evaluate_spans();
        self.trim_chain();
        self.chain_open = true;
    }

    /// Every run of groups ending with the newest one that holds 13–19 digits. Card numbers are
    /// printed in groups of 4 to 6 digits (4-4-4-4, 4-6-5, 4-6-4): a group of more than 6 digits
    /// stands alone, which keeps UUIDs (8-4-4-4-12) and the like out.
    fn evaluate_spans(&mut self) {
        let mut span = 0;
        let mut longest = 0;
        for (count, &group) in self.chain_groups[..self.chain_group_count]
            .iter()
            .rev()
            .enumerate()
        {
            span += usize::from(group);
            longest = longest.max(group);
            if span > MAX_DIGITS || (count > 0 && longest > MAX_COMBINED_GROUP) {
                break;
            }
            let digits = &self.chain[self.chain_len - span..self.chain_len];
            self.verdict = self.verdict.max(verdict(digits));
            if self.verdict == Verdict::Card {
                return;
            }
        }
    }

    /// Drops the oldest groups until at most 19 digits remain.
    fn trim_chain(&mut self) {
        let mut drop_digits = 0;
        let mut drop_groups = 0;
        while self.chain_len - drop_digits > MAX_DIGITS && drop_groups < self.chain_group_count {
            drop_digits += usize::from(self.chain_groups[drop_groups]);
            drop_groups += 1;
        }
        if drop_groups > 0 {
            self.chain.copy_within(drop_digits..self.chain_len, 0);
            self.chain_groups
                .copy_within(drop_groups..self.chain_group_count, 0);
            self.chain_len -= drop_digits;
            self.chain_group_count -= drop_groups;
        }
    }
}

/// Scans one whole value.
pub(super) fn scan_str(scanner: &mut RunScanner, text: &str) -> Verdict {
    scanner.reset();
    scanner.push_str(text);
    scanner.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> Verdict {
        scan_str(&mut RunScanner::default(), text)
    }

    #[test]
    fn finds_card_numbers_in_every_layout() {
        for text in [
            "4111111111111111",
            "4111 1111 1111 1111",
            "4111-1111-1111-1111",
            "4111 - 1111 - 1111 - 1111",
            "４１１１１１１１１１１１１１１１",
            "４１１１　１１１１　１１１１　１１１１",
            "４１１１－１１１１－１１１１－１１１１",
            "４１１１ー１１１１ー１１１１ー１１１１",
            "3782 822463 10005",
            "カード番号4111111111111111です",
            "card: 4111111111111111, exp 12/28",
            "4111 1111 1111 1111 1228", // followed by the expiry: a run of groups
            "tel 03 1234 5678 4111 1111 1111 1111",
            "-4111111111111111",
            "No.4111111111111111",
            "4111111111111111-",
            "4111\t1111\t1111\t1111",
            "4111\n1111\n1111\n1111",
            "4111\r\n1111\r\n1111\r\n1111",
            "4111\u{200b}1111\u{200b}1111\u{200b}1111",
            "4111\u{2009}1111\u{2009}1111\u{2009}1111",
            "4111.1111.1111.1111",
            "4111/1111/1111/1111",
            "４１１１・１１１１・１１１１・１１１１",
            "3782.822463.10005",
            "3530.1113.3330.0000.008",
        ] {
            assert_eq!(scan(text), Verdict::Card, "{text:?}");
        }
    }

    #[test]
    fn leaves_identifiers_and_long_runs_alone() {
        for text in [
            "",
            "order-20261127-0001",
            "ord4111111111111111",
            "ord-4111111111111111",
            "ord_4111111111111111",
            "4111111111111111abc",
            "4111111111111111_x",
            "4111111111111111-x",
            "2026112712345678901234567890", // 28-digit TranID
            "41111111111111111111111111111111",
            "a4111111111111111111b",
            "03-1234-5678",
            "+81-90-1234-5678",
            "4111    1111 1111 1111", // gap too wide
            "4111,1111,1111,1111",
            "2026/11/27 4111",
            "192.168.100.200 4111.11",
            "4200.50 1234.56 7890.12 3456.78",
            "4111.11.1111.1111.1111",
            "26802004-2924-4923-8090-b70f9d729fa3", // a UUID whose first 16 digits pass
            "41111111 11111111",
        ] {
            assert_eq!(scan(text), Verdict::Clean, "{text}");
        }
    }

    proptest::proptest! {
        /// The fast paths of `push_str` (skipping idle text, swallowing digit runs) agree with
        /// feeding one character at a time, however the text is cut into pieces.
        #[test]
        fn push_str_agrees_with_push(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "4111111111111111", "4111", "1111", "378282246310005", "4", "1", "5", " ",
                    "-", "_", "　", "－", "ー", "a", "Z", "Ａ", "あ", "\"", ".", "４１１１",
                    "１１１１", "\u{ff08}", "x-", "-x",
                ]),
                0..24,
            ),
            cuts in proptest::collection::vec(0usize..200, 0..4),
        ) {
            let text: String = pieces.concat();
            let chars: Vec<char> = text.chars().collect();
            let mut one_by_one = RunScanner::default();
            for &c in &chars {
                one_by_one.push(c);
            }
            let expected = one_by_one.finish();

            let mut pieces = RunScanner::default();
            let mut bounds: Vec<usize> = cuts
                .iter()
                .map(|&cut| text.char_indices().nth(cut).map_or(text.len(), |(i, _)| i))
                .collect();
            bounds.push(0);
            bounds.push(text.len());
            bounds.sort_unstable();
            for pair in bounds.windows(2) {
                pieces.push_str(&text[pair[0]..pair[1]]);
            }
            let got = pieces.finish();
            // `push_str` stops at the first card number; one by one may go on, and find the same.
            proptest::prop_assert_eq!(got, expected, "{:?}", text);
        }
    }

    #[test]
    fn the_scanner_is_reusable() {
        let mut scanner = RunScanner::default();
        assert_eq!(scan_str(&mut scanner, "4111 1111 1111"), Verdict::Clean);
        // A fresh value does not continue the previous one.
        assert_eq!(scan_str(&mut scanner, " 1111"), Verdict::Clean);
        assert_eq!(scan_str(&mut scanner, "4111 1111 1111 1111"), Verdict::Card);
        assert_eq!(scan_str(&mut scanner, "x"), Verdict::Clean);
    }
}
