//! A tolerant JSON scanner: decodes strings (with `\uXXXX` escapes) and reads numbers, tracking
//! the key path of each value. It never fails: malformed JSON is read as far as it goes, and what
//! lies outside strings is scanned as plain text.

use std::str::Chars;

use super::Policy;
use super::boxes::{Boxes, MAX_BOX_BYTES};
use super::number::Verdict;
use super::runs::RunScanner;

/// Deepest nesting whose keys are tracked; deeper values are still scanned, under the key path
/// reached at this depth.
const MAX_TRACKED_DEPTH: usize = 64;
/// Longest key kept for naming a field, in bytes (more may be kept: one plain run at most).
const MAX_KEY_BYTES: usize = 512;

#[derive(Debug)]
struct Frame {
    is_object: bool,
    /// The key of the value being read, in an object.
    key: Option<String>,
    /// In an object, the next string is a key.
    expecting_key: bool,
}

/// The field a card number was found in: its key path (`card.number`), or `None` when the card
/// number sat in a key or outside any key.
pub(super) type Hit = Option<String>;

/// Scans a JSON text. `base` names the whole document (a multipart part's name), if any.
pub(super) fn scan_json(
    text: &str,
    base: Option<&str>,
    policy: &Policy<'_>,
    scanner: &mut RunScanner,
) -> Result<(), Hit> {
    let mut json = JsonScan {
        stack: Vec::new(),
        untracked_depth: 0,
        base,
        policy,
        boxes: Boxes::default(),
    };
    json.run(text, scanner)
}

struct JsonScan<'p, 'c> {
    stack: Vec<Frame>,
    /// Containers opened beyond `MAX_TRACKED_DEPTH`.
    untracked_depth: usize,
    base: Option<&'p str>,
    policy: &'p Policy<'c>,
    /// The scalar values of the innermost container, for numbers split across them.
    boxes: Boxes,
}

impl JsonScan<'_, '_> {
    fn run(&mut self, text: &str, scanner: &mut RunScanner) -> Result<(), Hit> {
        let bytes = text.as_bytes();
        let mut at = 0;
        // Text outside strings (numbers, literals, garbage) is scanned between structural
        // characters, under the key path in force. Structural characters are ASCII, so every
        // position found is a character boundary.
        scanner.reset();
        loop {
            let next = bytes[at..]
                .iter()
                .position(|b| matches!(b, b'"' | b'{' | b'[' | b'}' | b']' | b',' | b':'))
                .map(|offset| at + offset);
            let segment = &text[at..next.unwrap_or(bytes.len())];
            scanner.push_str(segment);
            let outside = scanner.finish();
            self.judge(outside, segment)?;
            if !segment.trim().is_empty() {
                self.next_value(segment, true)?;
            }
            let Some(structural) = next else {
                return Ok(());
            };
            at = structural + 1;
            match bytes[structural] {
                b'"' => at = self.string(text, at, scanner)?,
                b'{' => self.open(true),
                b'[' => self.open(false),
                b'}' | b']' => self.close(),
                b',' => {
                    if let Some(top) = self.stack.last_mut().filter(|f| f.is_object) {
                        top.expecting_key = true;
                        top.key = None;
                    }
                }
                _ => {}
            }
            scanner.reset();
        }
    }

    /// A scalar value of the current container (a number, a string's text, a literal): one
    /// more box, or the end of a run of them.
    fn next_value(&mut self, value: &str, number: bool) -> Result<(), Hit> {
        if value.len() > MAX_BOX_BYTES || self.is_exempt() {
            self.boxes.reset();
            return Ok(());
        }
        let mut boxes = std::mem::take(&mut self.boxes);
        let hit = boxes.push(
            value,
            number,
            || {
                let path: Vec<&str> = self.path().collect();
                (!path.is_empty()).then(|| path.join("."))
            },
            |_| self.path().any(|k| self.policy.is_card_like(k)),
        );
        self.boxes = boxes;
        match hit {
            Some(first) => Err(first),
            None => Ok(()),
        }
    }

    fn open(&mut self, is_object: bool) {
        self.boxes.reset();
        if self.stack.len() < MAX_TRACKED_DEPTH {
            self.stack.push(Frame {
                is_object,
                key: None,
                expecting_key: is_object,
            });
        } else {
            self.untracked_depth += 1;
        }
    }

    fn close(&mut self) {
        self.boxes.reset();
        if self.untracked_depth > 0 {
            self.untracked_depth -= 1;
        } else {
            self.stack.pop();
        }
    }

    /// Reads the string starting at `at` (after its opening quote); returns where it ended.
    fn string(
        &mut self,
        text: &str,
        mut at: usize,
        scanner: &mut RunScanner,
    ) -> Result<usize, Hit> {
        let is_key = self
            .stack
            .last()
            .is_some_and(|f| f.is_object && f.expecting_key)
            && self.untracked_depth == 0;
        let skip = !is_key && self.is_exempt();
        let mut key = String::new();
        // A value's text, while it may still be a box.
        let mut small = String::new();
        scanner.reset();
        let bytes = text.as_bytes();
        loop {
            // Plain runs go to the scanner whole; escapes one by one.
            let stop = bytes[at..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\')
                .map_or(bytes.len(), |offset| at + offset);
            let plain = &text[at..stop];
            if !skip {
                if is_key && key.len() < MAX_KEY_BYTES {
                    key.push_str(plain);
                }
                if !is_key && small.len() <= MAX_BOX_BYTES {
                    small.push_str(plain);
                }
                scanner.push_str(plain);
            }
            if stop == bytes.len() {
                at = stop;
                break;
            }
            if bytes[stop] == b'"' {
                at = stop + 1;
                break;
            }
            let mut chars = text[stop + 1..].chars();
            let escaped = escape(&mut chars);
            at = bytes.len() - chars.as_str().len();
            let Some(c) = escaped else {
                break;
            };
            if !skip {
                if is_key && key.len() < MAX_KEY_BYTES {
                    key.push(c);
                }
                if !is_key && small.len() <= MAX_BOX_BYTES {
                    small.push(c);
                }
                scanner.push(c);
            }
        }
        let verdict = scanner.finish();
        if is_key {
            if verdict.in_unnamed_place() {
                return Err(None);
            }
            if let Some(top) = self.stack.last_mut() {
                top.key = Some(key);
                top.expecting_key = false;
            }
        } else if skip {
            self.boxes.reset();
        } else {
            self.judge(verdict, &small)?;
            self.next_value(&small, false)?;
        }
        Ok(at)
    }

    /// Keys on the path to the current value, outermost first.
    fn path(&self) -> impl Iterator<Item = &str> {
        self.base
            .into_iter()
            .chain(self.stack.iter().filter_map(|f| f.key.as_deref()))
    }

    fn is_exempt(&self) -> bool {
        !self.policy.exempt_fields.is_empty() && self.path().any(|k| self.policy.is_exempt(k))
    }

    /// `value`: the value's text (at most its first `MAX_BOX_BYTES` bytes).
    fn judge(&self, verdict: Verdict, value: &str) -> Result<(), Hit> {
        let card = match self.path().last() {
            None => verdict.in_unnamed_place(),
            Some(_) if self.path().any(|k| self.policy.is_card_like(k)) => {
                verdict.in_named_field(|| true)
            }
            Some(key) => self
                .policy
                .card_in_field(verdict, key, || std::borrow::Cow::Borrowed(value)),
        };
        if !card || self.is_exempt() {
            return Ok(());
        }
        let path: Vec<&str> = self.path().collect();
        Err((!path.is_empty()).then(|| path.join(".")))
    }
}

/// The character an escape stands for, read after its backslash; `None` at the end of the text.
fn escape(chars: &mut Chars<'_>) -> Option<char> {
    Some(match chars.next()? {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        'b' => '\u{8}',
        'f' => '\u{c}',
        'u' => unicode_escape(chars),
        other => other, // `\"`, `\\`, `\/`, and tolerated unknown escapes.
    })
}

/// Reads `XXXX` after `\u`, and a low surrogate escape after a high one.
fn unicode_escape(chars: &mut Chars<'_>) -> char {
    let Some(first) = hex4(chars) else {
        return char::REPLACEMENT_CHARACTER;
    };
    if (0xd800..0xdc00).contains(&first) {
        let mut ahead = chars.clone();
        if ahead.next() == Some('\\')
            && ahead.next() == Some('u')
            && let Some(second) = hex4(&mut ahead).filter(|s| (0xdc00..0xe000).contains(s))
        {
            *chars = ahead;
            let code = 0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00);
            return char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
        }
    }
    char::from_u32(first).unwrap_or(char::REPLACEMENT_CHARACTER)
}

fn hex4(chars: &mut Chars<'_>) -> Option<u32> {
    let mut ahead = chars.clone();
    let mut value = 0;
    for _ in 0..4 {
        value = value * 16 + ahead.next()?.to_digit(16)?;
    }
    *chars = ahead;
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> Result<(), Hit> {
        scan_json(text, None, &Policy::default(), &mut RunScanner::default())
    }

    #[test]
    fn finds_card_numbers_in_strings_numbers_and_escapes() {
        let hit = |path: &str| Err(Some(path.to_owned()));
        assert_eq!(scan(r#"{"a":1,"pan":"4111111111111111"}"#), hit("pan"));
        assert_eq!(scan(r#"{"p":{"n":4111111111111111}}"#), hit("p.n"));
        assert_eq!(scan(r#"{"list":[1,"x",4111111111111111]}"#), hit("list"));
        assert_eq!(
            scan(
                r#"{"note":"\uff14\uFF11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11"}"#
            ),
            hit("note")
        );
        assert_eq!(
            scan(r#"{"n":"\u0034\u0031\u0031\u0031 1111 1111 1111"}"#),
            hit("n")
        );
        assert_eq!(scan(r#"["4111-1111-1111-1111"]"#), Err(None));
        assert_eq!(scan(r#"{"4111111111111111":true}"#), Err(None));
        // Malformed JSON is still read.
        assert_eq!(scan(r#"{"a": 4111 1111 1111 1111"#), hit("a"));
        assert_eq!(scan(r#"{"a":"4111111111111111"#), hit("a"));
    }

    #[test]
    fn finds_card_numbers_split_across_values() {
        let hit = |path: &str| Err(Some(path.to_owned()));
        assert_eq!(
            scan(r#"{"card":["4111","1111","1111","1111"]}"#),
            hit("card")
        );
        assert_eq!(scan(r#"{"cc":[4111, 1111, 1111, 1111]}"#), hit("cc"));
        // Numbers are boxes only under a card-like key: lists of prices are not card numbers.
        assert_eq!(scan(r#"{"n":[4111, 1111, 1111, 1111]}"#), Ok(()));
        assert_eq!(scan(r#"["4111","1111","1111","1111"]"#), Err(None));
        assert_eq!(
            scan(r#"{"p":{"no1":"4111","no2":"1111","no3":"1111","no4":"1111"}}"#),
            hit("p.no1")
        );
        assert_eq!(
            scan(r#"{"p":{"no1":"\u0034111","no2":"1111","no3":"1111","no4":"1111"}}"#),
            hit("p.no1")
        );
        // Nested containers and other values break the run.
        assert_eq!(scan(r#"[["4111","1111"],["1111","1111"]]"#), Ok(()));
        assert_eq!(scan(r#"["4111","1111",true,"1111","1111"]"#), Ok(()));
        assert_eq!(
            scan(r#"{"zip":["356","0004"],"tel":["090","3612","5678"],"d":[2026,11,27]}"#),
            Ok(())
        );
    }

    #[test]
    fn bare_numbers_under_identifier_keys_are_identifiers() {
        assert_eq!(
            scan(r#"{"order_id":"4111111111111111","ids":[5555555555554444]}"#),
            Ok(())
        );
        assert_eq!(
            scan(r#"{"order_id":"4111 1111 1111 1111"}"#),
            Err(Some("order_id".to_owned()))
        );
        assert_eq!(
            scan(r#"{"card":{"id":"4111111111111111"}}"#),
            Err(Some("card.id".to_owned()))
        );
    }

    #[test]
    fn keys_decide_the_thirteen_digit_rule() {
        // A JAN code that passes Luhn: a card number only under a card-like key.
        assert_eq!(scan(r#"{"jan":"4901234567894"}"#), Ok(()));
        assert_eq!(
            scan(r#"{"card":{"no":"4901234567894"}}"#),
            Err(Some("card.no".to_owned()))
        );
        assert_eq!(scan(r#"{"card":{},"jan":"4901234567894"}"#), Ok(()));
    }

    #[test]
    fn leaves_gmo_values_alone() {
        assert_eq!(
            scan(
                r#"{"OrderID":"order-20261127-0001","TranID":"2026112712345678901234567890","AccessID":"a1b2c3d4e5f60718293a4b5c6d7e8f90","Amount":1200,"TranDate":"20261127123456"}"#
            ),
            Ok(())
        );
    }

    #[test]
    fn survives_deep_nesting_and_odd_escapes() {
        let deep = format!("{}\"4111111111111111\"{}", "[".repeat(500), "]".repeat(500));
        assert_eq!(scan(&deep), Err(None));
        for odd in [
            r#""\ud800""#,
            r#""\udc00\u""#,
            r#""\"#,
            r#"{"a\"#,
            "\"\\uD83D\\uDE00\"",
        ] {
            assert_eq!(scan(odd), Ok(()), "{odd}");
        }
    }
}
