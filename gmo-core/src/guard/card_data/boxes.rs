//! Card numbers split across adjacent fields: the "four boxes" of Japanese card forms
//! (`card1=4111&card2=1111&…`), a JSON array of groups (`["4111","1111",…]`), the members of one
//! JSON object, the parts of one multipart form.
//!
//! A *box* is a value that is nothing but one group of 1–6 digits (ASCII or full-width), spaces
//! around it aside. Consecutive boxes of one container are read as one number when every box but
//! the last holds 4–6 digits and the last 2–6: the layouts card forms use (4-4-4-4, 4-6-5,
//! 4-4-4-3, 4-6-4, 4-4-4-4-3). That keeps split postal codes (3-4) and phone numbers (3-4-4)
//! out. Unless one of the boxes has a card-like name, they must also share one name but for
//! digits (`no1`…`no4`, `n[0]`…`n[3]`, the items of one array), that name must not be one of
//! quantities (`price`, `amount`, `qty`, `total`, …), and they must be strings, not JSON numbers
//! (card boxes keep their leading zeros): so the end of a phone number followed by a date
//! (`tel2`, `tel3`, `year`, `month`) or a list of prices (`[4200, 1100, 3300, 5500]`) is never
//! read as one number. The number
//! is judged by the rules of a named field: a card number with a known issuer prefix anywhere,
//! any Luhn-valid number when one of the boxes has a card-like name.

use super::number::{MAX_DIGITS, MIN_DIGITS, verdict};

/// Fewest digits in a box that is not the last.
const MIN_BOX: usize = 4;
/// Most digits in a box.
const MAX_BOX: usize = 6;
/// Fewest digits in the last box.
const MIN_LAST_BOX: usize = 2;
/// Boxes kept before the newest: a 19-digit number needs at most 4 of them (4-4-4-4-3).
const KEPT: usize = 4;
/// A value longer than this (in bytes) is not a box, whatever it holds.
pub(super) const MAX_BOX_BYTES: usize = 48;

#[derive(Debug)]
struct Piece {
    digits: Vec<u8>,
    card_like: bool,
    /// A JSON number, or a name that says quantity: a box only beside a card-like name.
    weak: bool,
    /// The name without its digits, in lower case.
    stem: String,
    name: Option<String>,
}

/// Names of quantities, whose values come in lists of 4-digit numbers.
const QUANTITY_WORDS: &[&str] = &[
    "price", "amount", "amt", "qty", "quantity", "total", "tax", "count", "point", "stock",
    "weight", "size", "year", "zip", "postal", "tel", "phone", "fax", "kingaku", "kakaku", "金額",
    "価格", "数量", "個数",
];

fn says_quantity(stem: &str) -> bool {
    QUANTITY_WORDS.iter().any(|w| stem.contains(w))
}

fn stem(name: Option<&str>) -> String {
    name.unwrap_or_default()
        .chars()
        .filter(|c| !c.is_ascii_digit() && !('\u{ff10}'..='\u{ff19}').contains(c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The boxes seen so far in one container, oldest first.
#[derive(Debug, Default)]
pub(super) struct Boxes {
    pieces: Vec<Piece>,
}

/// The digits of a box, or `None` when `value` is not one.
pub(super) fn box_digits(value: &str) -> Option<Vec<u8>> {
    if value.len() > MAX_BOX_BYTES {
        return None;
    }
    let trimmed = value.trim_matches(|c: char| c.is_whitespace());
    let mut digits = Vec::with_capacity(MAX_BOX);
    for c in trimmed.chars() {
        let d = match c {
            '0'..='9' => u32::from(c) - u32::from('0'),
            '\u{ff10}'..='\u{ff19}' => u32::from(c) - 0xff10,
            _ => return None,
        };
        if digits.len() == MAX_BOX {
            return None;
        }
        digits.push(u8::try_from(d).ok()?);
    }
    (!digits.is_empty()).then_some(digits)
}

impl Boxes {
    /// A value that is not a box (or a container boundary): the run of boxes ends.
    pub(super) fn reset(&mut self) {
        self.pieces.clear();
    }

    /// The next value of the container, named `name` (`card_like` tells whether that name looks
    /// like a card field). Answers `Some(first)` when this box completes a card number whose
    /// first box was named `first`.
    /// `number`: the value is a JSON number.
    pub(super) fn push(
        &mut self,
        value: &str,
        number: bool,
        name: impl FnOnce() -> Option<String>,
        card_like: impl FnOnce(Option<&str>) -> bool,
    ) -> Option<Option<String>> {
        let Some(digits) = box_digits(value) else {
            self.reset();
            return None;
        };
        if digits.len() < MIN_LAST_BOX && self.pieces.is_empty() {
            return None;
        }
        let name = name();
        let stem = stem(name.as_deref());
        let piece = Piece {
            card_like: card_like(name.as_deref()),
            weak: number || says_quantity(&stem),
            stem,
            digits,
            name,
        };
        let hit = self.judge(&piece);
        if hit.is_some() {
            return hit;
        }
        if piece.digits.len() >= MIN_BOX {
            if self.pieces.len() == KEPT {
                self.pieces.remove(0);
            }
            self.pieces.push(piece);
        } else {
            self.reset();
        }
        None
    }

    /// Every run of kept boxes followed by `last` that forms a card number.
    fn judge(&self, last: &Piece) -> Option<Option<String>> {
        if last.digits.len() < MIN_LAST_BOX {
            return None;
        }
        let mut number = Vec::with_capacity(MAX_DIGITS);
        for start in (0..self.pieces.len()).rev() {
            let run = &self.pieces[start..];
            let len: usize = run.iter().map(|p| p.digits.len()).sum::<usize>() + last.digits.len();
            if len > MAX_DIGITS {
                break;
            }
            if len < MIN_DIGITS {
                continue;
            }
            number.clear();
            for piece in run {
                number.extend_from_slice(&piece.digits);
            }
            number.extend_from_slice(&last.digits);
            let card_like = last.card_like || run.iter().any(|p| p.card_like);
            if !card_like && (last.weak || run.iter().any(|p| p.weak || p.stem != last.stem)) {
                continue;
            }
            if verdict(&number).in_named_field(|| card_like) {
                return Some(run.first().and_then(|p| p.name.clone()));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(values: &[&str], card_like: bool) -> Option<Option<String>> {
        let mut boxes = Boxes::default();
        for (i, value) in values.iter().enumerate() {
            let hit = boxes.push(value, false, || Some(format!("f{}", i + 1)), |_| card_like);
            if hit.is_some() {
                return hit;
            }
        }
        None
    }

    #[test]
    fn card_forms_in_boxes_are_found() {
        let found = Some(Some("f1".to_owned()));
        assert_eq!(run(&["4111", "1111", "1111", "1111"], false), found);
        assert_eq!(run(&[" 4111 ", "１１１１", "1111", "1111"], false), found);
        assert_eq!(run(&["3782", "822463", "10005"], false), found);
        assert_eq!(run(&["3782", "8224", "6310", "005"], false), found);
        // After unrelated values.
        assert_eq!(
            run(&["order-1", "4111", "1111", "1111", "1111"], false),
            Some(Some("f2".to_owned()))
        );
        // Luhn-valid without a known prefix: only in card-like fields.
        assert_eq!(run(&["1000", "0000", "0000", "0008"], false), None);
        assert_eq!(run(&["1000", "0000", "0000", "0008"], true), found);
    }

    #[test]
    fn split_postal_codes_phones_and_dates_are_not_boxes() {
        // 〒356-0004 then 090-1234-5678: 18 digits starting with a JCB prefix, but 3-digit boxes.
        assert_eq!(run(&["356", "0004", "090", "1234", "5678"], false), None);
        assert_eq!(run(&["2026", "11", "27", "4111", "1111"], false), None);
        assert_eq!(run(&["4111", "x", "1111", "1111", "1111"], false), None);
        assert_eq!(run(&["4111", "1111", "1111", "11111111"], false), None);
    }

    #[test]
    fn boxes_must_share_a_name_unless_one_is_card_like() {
        let mut boxes = Boxes::default();
        let mut push = |value: &str, name: &str| {
            boxes.push(
                value,
                false,
                || Some(name.to_owned()),
                |n| n.is_some_and(|n| n.starts_with("card")),
            )
        };
        // tel2, tel3, then a year and a month: 14 digits with a Diners prefix, never a number.
        assert_eq!(push("3612", "tel2"), None);
        assert_eq!(push("5678", "tel3"), None);
        assert_eq!(push("2026", "year"), None);
        assert_eq!(push("11", "month"), None);
        assert_eq!(push("4111", "a"), None);
        assert_eq!(push("1111", "b"), None);
        assert_eq!(push("1111", "card_c"), None);
        assert_eq!(push("1111", "d"), Some(Some("a".to_owned())));
        boxes.reset();
        for price in ["4200", "1100", "3300", "5500"] {
            assert_eq!(
                boxes.push(price, false, || Some("price[]".into()), |_| false),
                None
            );
        }
        for price in ["4111", "1111", "1111", "1111"] {
            assert_eq!(
                boxes.push(price, true, || Some("n".into()), |_| false),
                None
            );
        }
    }
}
