//! `key=value&…` text: query strings and `application/x-www-form-urlencoded` bodies, and
//! `name=value; …` cookies.

use super::Policy;
use super::boxes::{Boxes, MAX_BOX_BYTES};
use super::runs::RunScanner;
use super::text::{Charset, decode_text, scan_bytes};
use crate::wire::percent::{Plus, percent_decode};

/// The field a card number was found in; `None` when it sat in a key.
pub(super) type Hit = Option<String>;

/// Scans every key and value of a urlencoded text.
pub(super) fn scan_urlencoded(
    input: &[u8],
    charset: Charset,
    policy: &Policy<'_>,
    scanner: &mut RunScanner,
) -> Result<(), Hit> {
    scan_pairs(input, b'&', charset, policy, scanner)
}

/// Scans `key=value` pairs separated by `separator` (`&`; `;` for cookies), each percent-decoded;
/// adjacent values that are groups of digits are also read together (see `boxes`).
pub(super) fn scan_pairs(
    input: &[u8],
    separator: u8,
    charset: Charset,
    policy: &Policy<'_>,
    scanner: &mut RunScanner,
) -> Result<(), Hit> {
    let mut key_buf = Vec::new();
    let mut value_buf = Vec::new();
    let mut boxes = Boxes::default();
    for piece in input.split(|&b| b == separator) {
        let piece = piece.trim_ascii();
        if piece.is_empty() {
            continue;
        }
        let (raw_key, raw_value) = match piece.iter().position(|&b| b == b'=') {
            Some(at) => (&piece[..at], &piece[at + 1..]),
            None => (piece, &b""[..]),
        };
        let key = percent_decode(raw_key, Plus::IsSpace, &mut key_buf);
        if scan_bytes(scanner, key, charset).in_unnamed_place() {
            return Err(None);
        }
        if raw_value.is_empty() {
            boxes.reset();
            continue;
        }
        let value = percent_decode(raw_value, Plus::IsSpace, &mut value_buf);
        let name = decode_text(key, charset);
        if policy.is_exempt(&name) {
            boxes.reset();
            continue;
        }
        let verdict = scan_bytes(scanner, value, charset);
        if policy.card_in_field(verdict, &name, || decode_text(value, charset)) {
            return Err(Some(name.into_owned()));
        }
        if value.len() > MAX_BOX_BYTES {
            boxes.reset();
        } else if let Some(first) = boxes.push(
            &decode_text(value, charset),
            false,
            || Some(name.clone().into_owned()),
            |_| policy.is_card_like(&name),
        ) {
            return Err(first);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> Result<(), Hit> {
        scan_urlencoded(
            text.as_bytes(),
            Charset::Utf8First,
            &Policy::default(),
            &mut RunScanner::default(),
        )
    }

    #[test]
    fn finds_card_numbers_in_every_encoding() {
        let hit = |f: &str| Err(Some(f.to_owned()));
        assert_eq!(scan("a=1&card=4111111111111111"), hit("card"));
        assert_eq!(scan("x=4111+1111+1111+1111"), hit("x"));
        assert_eq!(scan("x=4111%201111%201111%201111"), hit("x"));
        assert_eq!(scan("x=4111-1111-1111-1111"), hit("x"));
        // "４１１１" in UTF-8, percent-encoded.
        let full_width: String = "4111111111111111"
            .bytes()
            .map(|d| format!("%EF%BC%{:X}", 0x90 + d - b'0'))
            .collect();
        assert_eq!(scan(&format!("memo={full_width}")), hit("memo"));
        assert_eq!(scan("4111111111111111"), Err(None));
        assert_eq!(scan("note%5B0%5D=4111111111111111"), hit("note[0]"));
        assert_eq!(scan("x=4111%091111%091111%091111"), hit("x"));
        assert_eq!(scan("x=4111%0D%0A1111%0D%0A1111%0D%0A1111"), hit("x"));
    }

    #[test]
    fn finds_card_numbers_split_across_boxes() {
        let hit = |f: &str| Err(Some(f.to_owned()));
        assert_eq!(
            scan("order=o-1&no1=4111&no2=1111&no3=1111&no4=1111&csrf=x"),
            hit("no1")
        );
        assert_eq!(scan("c[]=3782&c[]=822463&c[]=10005"), hit("c[]"));
        // Postal code and phone number in boxes, a date in boxes: not card numbers.
        assert_eq!(
            scan("zip1=356&zip2=0004&tel1=090&tel2=1234&tel3=5678&y=2026&m=11&d=27"),
            Ok(())
        );
        // An exempt field breaks the run.
        let config = ["no2".to_owned()];
        let policy = Policy {
            exempt_fields: &config,
            ..Policy::default()
        };
        assert_eq!(
            scan_urlencoded(
                b"no1=4111&no2=1111&no3=1111&no4=1111",
                Charset::Utf8First,
                &policy,
                &mut RunScanner::default(),
            ),
            Ok(())
        );
    }

    #[test]
    fn the_thirteen_digit_rule_follows_the_key() {
        assert_eq!(scan("jan=4901234567894"), Ok(()));
        assert_eq!(
            scan("card_no=4901234567894"),
            Err(Some("card_no".to_owned()))
        );
        // A legacy 13-digit Visa number: in a card field, or as a key, not in other fields.
        assert_eq!(scan("corporate_no=4222222222222"), Ok(()));
        assert_eq!(scan("cc=4222222222222"), Err(Some("cc".to_owned())));
        assert_eq!(scan("4222222222222"), Err(None));
    }

    #[test]
    fn bare_numbers_in_identifier_fields_are_identifiers() {
        assert_eq!(
            scan("order_id=4111111111111111&userId=5555555555554444"),
            Ok(())
        );
        assert_eq!(
            scan("order_id=4111+1111+1111+1111"),
            Err(Some("order_id".to_owned()))
        );
        assert_eq!(
            scan("card_id=4111111111111111"),
            Err(Some("card_id".to_owned()))
        );
        assert_eq!(scan("memo=4111111111111111"), Err(Some("memo".to_owned())));
    }

    #[test]
    fn leaves_ordinary_forms_alone() {
        assert_eq!(
            scan(
                "OrderID=order-20261127-0001&Amount=1200&tel=090-1234-5678&zip=150-0002&TranDate=20261127123456"
            ),
            Ok(())
        );
    }
}
