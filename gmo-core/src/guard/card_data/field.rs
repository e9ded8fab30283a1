//! Field names: which look like card fields, and how a name is shown in a report.

/// Whole words (after splitting on punctuation and camelCase) that name a card field.
const CARD_WORDS: &[&str] = &[
    "cc", "pan", "ccnum", "ccno", "ccnumber", "cardno", "cardnum", "cnum",
];

/// Pieces that make a field card-like wherever they appear in its name (case-insensitive).
const CARD_PIECES: &[&str] = &["card", "カード", "クレジット"];

/// Whether `name` looks like a field meant for a card number: it contains `card` (any case),
/// `カード` or `クレジット`, or one of the words `cc`, `pan`, `ccnum`, `ccno`, `ccnumber`, `cardno`,
/// `cardnum`, `cnum`, or equals one of `extra` (case-insensitive).
pub(super) fn is_card_like(name: &str, extra: &[String]) -> bool {
    CARD_PIECES
        .iter()
        .any(|piece| contains_ignore_ascii_case(name, piece))
        || words(name).any(|word| CARD_WORDS.iter().any(|w| w.eq_ignore_ascii_case(word)))
        || extra.iter().any(|e| e.eq_ignore_ascii_case(name))
}

/// Whether `name` names an identifier: its last word is `id` or `ids` (`order_id`, `orderId`,
/// `OrderID`, `ids[]`).
pub(super) fn is_id_like(name: &str) -> bool {
    words(name)
        .last()
        .is_some_and(|w| w.eq_ignore_ascii_case("id") || w.eq_ignore_ascii_case("ids"))
}

/// Whether any of `names` equals `name`, ignoring ASCII case.
pub(super) fn is_listed(name: &str, names: &[String]) -> bool {
    names.iter().any(|n| n.eq_ignore_ascii_case(name))
}

fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// Splits `ccNumber`, `card_no`, `payment[cc]` into words.
fn words(name: &str) -> impl Iterator<Item = &str> {
    let mut rest = name;
    std::iter::from_fn(move || {
        rest = rest.trim_start_matches(|c: char| !c.is_alphanumeric());
        if rest.is_empty() {
            return None;
        }
        let mut end = rest.len();
        let mut prev_lower = false;
        for (i, c) in rest.char_indices() {
            if !c.is_alphanumeric() || (prev_lower && c.is_uppercase()) {
                end = i;
                break;
            }
            prev_lower = c.is_lowercase() || c.is_numeric();
        }
        let (word, tail) = rest.split_at(end);
        rest = tail;
        Some(word)
    })
}

/// Longest field name shown in a report, in characters.
const MAX_SHOWN_CHARS: usize = 64;
/// A run of this many digits or more in a field name is masked in reports.
const MASK_DIGIT_RUN: usize = 5;

/// The field name as shown in a report: control characters dropped, runs of 5 or more digits
/// masked with `#` (a name must never smuggle digits of a card number into logs), at most 64
/// characters.
pub(super) fn shown_name(name: &str) -> String {
    let mut masked = String::with_capacity(name.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.chars().count() >= MASK_DIGIT_RUN {
            out.extend(digits.chars().map(|_| '#'));
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in name.chars().filter(|c| !c.is_control()) {
        if c.is_ascii_digit() || ('\u{ff10}'..='\u{ff19}').contains(&c) {
            digits.push(c);
        } else {
            flush(&mut digits, &mut masked);
            masked.push(c);
        }
    }
    flush(&mut digits, &mut masked);
    // Masking first, truncation second: a run cut by the truncation stays masked.
    if let Some((cut, _)) = masked.char_indices().nth(MAX_SHOWN_CHARS) {
        masked.truncate(cut);
        masked.push('…');
    }
    masked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_card_fields() {
        for name in [
            "card",
            "CardNo",
            "card_number",
            "card[number]",
            "creditCard",
            "ccNumber",
            "cc-num",
            "PAN",
            "payment[cc]",
            "カード番号",
            "クレジット",
        ] {
            assert!(is_card_like(name, &[]), "{name}");
        }
        for name in [
            "company", "panel", "accept", "number", "jan", "order_id", "tel",
        ] {
            assert!(!is_card_like(name, &[]), "{name}");
        }
        assert!(is_card_like("kaiin_no", &["Kaiin_No".to_owned()]));
    }

    #[test]
    fn recognises_identifier_fields() {
        for name in [
            "id", "order_id", "orderId", "OrderID", "ids[]", "item[id]", "user-ids",
        ] {
            assert!(is_id_like(name), "{name}");
        }
        for name in [
            "idempotency_key",
            "identity",
            "paid",
            "void",
            "order",
            "pid_x",
        ] {
            assert!(!is_id_like(name), "{name}");
        }
    }

    #[test]
    fn masks_digits_and_truncates() {
        assert_eq!(shown_name("items[0][code]"), "items[0][code]");
        assert_eq!(shown_name("x4111111111111111"), "x################");
        assert_eq!(shown_name("a\r\nb"), "ab");
        let long = "f".repeat(100);
        assert_eq!(shown_name(&long).chars().count(), MAX_SHOWN_CHARS + 1);
        // Digits cut by the truncation are still masked.
        let name = format!("{}123456789", "f".repeat(60));
        assert_eq!(shown_name(&name), format!("{}####…", "f".repeat(60)));
    }
}
