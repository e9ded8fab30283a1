//! The card-data guard's API: what it reports, where, and that no input makes it panic.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use gmo_core::guard::{CardDataFound, CardDataGuard, GuardConfig, Location};
use proptest::prelude::*;
use proptest::test_runner::RngAlgorithm;

const PAN: &str = "4111111111111111";

fn guard() -> CardDataGuard {
    CardDataGuard::new(GuardConfig::default())
}

fn body(content_type: &str, body: &str) -> Result<(), CardDataFound> {
    guard().check_body(Some(content_type), body.as_bytes())
}

fn refused_at(result: Result<(), CardDataFound>) -> (Location, Option<String>) {
    let found = result.expect_err("a card number should be refused");
    (found.location(), found.field().map(str::to_owned))
}

#[test]
fn reports_location_and_field() {
    let at = |l: Location, f: Option<&str>| (l, f.map(str::to_owned));
    assert_eq!(
        refused_at(guard().check_query(&format!("?a=1&card%5Bnumber%5D={PAN}"))),
        at(Location::Query, Some("card[number]"))
    );
    assert_eq!(
        refused_at(guard().check_path(&format!("/cards/{PAN}/edit"))),
        at(Location::Path, None)
    );
    assert_eq!(
        refused_at(body(
            "application/x-www-form-urlencoded",
            &format!("memo={PAN}")
        )),
        at(Location::Form, Some("memo"))
    );
    assert_eq!(
        refused_at(body(
            "application/vnd.api+json",
            &format!(r#"{{"data":{{"attributes":{{"pan":"{PAN}"}}}}}}"#)
        )),
        at(Location::Json, Some("data.attributes.pan"))
    );
    assert_eq!(
        refused_at(body(
            "multipart/form-data; boundary=\"b 1\"",
            &format!("--b 1\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\n{PAN}\r\n--b 1--")
        )),
        at(Location::Multipart, Some("n"))
    );
    assert_eq!(
        refused_at(body("text/plain", &format!("my card is {PAN}"))),
        at(Location::Body, None)
    );
    // A card number used as a key is reported without a field name.
    assert_eq!(
        refused_at(guard().check_query(&format!("{PAN}=1"))),
        at(Location::Query, None)
    );
}

#[test]
fn the_report_carries_no_digit_of_the_value() {
    for result in [
        guard().check_query(&format!("card_no={PAN}")),
        body(
            "application/json",
            &format!(r#"{{"card":{{"number":{PAN}}}}}"#),
        ),
        body("text/plain", PAN),
        guard().check_query(&format!("x12345678={PAN}")),
    ] {
        let found = result.unwrap_err();
        let shown = format!("{found} {found:?}");
        assert!(
            !shown.chars().any(|c| c.is_ascii_digit()),
            "digits in the report: {shown}"
        );
        assert!(shown.contains("card number"));
        assert_eq!(found.code(), "card_data_refused");
    }
    let masked = guard()
        .check_query(&format!("x12345678={PAN}"))
        .unwrap_err();
    assert_eq!(masked.field(), Some("x########"));
    assert_eq!(
        masked.to_string(),
        "the request carries what looks like a card number in field `x########` of the query \
         string; card numbers must never be sent to this server (use the card token)"
    );
}

#[test]
fn windows_31j_forms_with_and_without_charset() {
    // "４１１１ １１１１ …" (full-width digits, ideographic spaces) in Windows-31J.
    let mut value = Vec::new();
    for (i, d) in PAN.bytes().enumerate() {
        if i > 0 && i % 4 == 0 {
            value.extend_from_slice(&[0x81, 0x40]);
        }
        value.extend_from_slice(&[0x82, 0x4f + (d - b'0')]);
    }
    let encoded: String = value.iter().map(|b| format!("%{b:02X}")).collect();
    // The key is "備考" in Windows-31J.
    let form = format!("%94%F5%8D%6C={encoded}");
    for content_type in [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=Shift_JIS",
        "application/x-www-form-urlencoded; charset=windows-31j",
    ] {
        let found = body(content_type, &form).unwrap_err();
        assert_eq!(found.field(), Some("備考"), "{content_type}");
    }
}

#[test]
fn configured_fields() {
    let mut config = GuardConfig::default();
    config.card_like_fields.push("kaiin_bango".to_owned());
    config.exempt_fields.push("gift_code".to_owned());
    let guard = CardDataGuard::new(config);
    // Luhn-valid, no known issuer prefix: a card number only in a card-like field.
    assert!(guard.check_query("other=1000000000000008").is_ok());
    assert!(guard.check_query("KAIIN_BANGO=1000000000000008").is_err());
    assert!(guard.check_query(&format!("gift_code={PAN}")).is_ok());
    assert!(
        guard
            .check_body(
                Some("application/json"),
                format!(r#"{{"gift_code":{{"a":"{PAN}"}},"b":1}}"#).as_bytes()
            )
            .is_ok()
    );
    assert!(
        guard
            .check_body(
                Some("application/json"),
                format!(r#"{{"gift_code":1,"b":"{PAN}"}}"#).as_bytes()
            )
            .is_err()
    );
}

#[test]
fn bodies_of_other_types_are_read_leniently() {
    // A card number in the middle of binary data.
    let mut png = vec![0x89, b'P', b'N', b'G', 0, 0xff, 0xfe];
    png.extend_from_slice(PAN.as_bytes());
    png.extend_from_slice(&[0, 0x80, 0x81]);
    assert!(guard().check_body(Some("image/png"), &png).is_err());
    assert!(guard().check_body(None, &png).is_err());
    // A JSON document sent as text/plain (fetch's default), with escapes.
    let json = r#"{"n":"\uff14\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11"}"#;
    assert_eq!(
        refused_at(body("text/plain;charset=UTF-8", json)),
        (Location::Body, Some("n".to_owned()))
    );
    // A form without a content type, percent-encoded full-width digits.
    let full_width: String = PAN
        .bytes()
        .map(|d| format!("%EF%BC%{:X}", 0x90 + d - b'0'))
        .collect();
    assert_eq!(
        refused_at(guard().check_body(None, format!("a=1&memo={full_width}").as_bytes())),
        (Location::Body, Some("memo".to_owned()))
    );
    // Text with spaces is not mistaken for a form.
    assert!(
        guard()
            .check_body(None, "CardSeq: 1\njan: 4974959915523 + x=1".as_bytes())
            .is_ok()
    );
}

#[test]
fn clean_requests_pass() {
    assert!(guard().check_query("").is_ok());
    assert!(guard().check_body(None, b"").is_ok());
    assert!(guard().check_path("/orders/order-20261127-0001").is_ok());
    assert!(
        body(
            "application/x-www-form-urlencoded",
            "ShopID=tshop00000001&OrderID=order-20261127-0001&Amount=1200&Tax=120&\
             TranID=2026112712345678901234567890&TranDate=20261127123456&Approve=1234567&\
             AccessID=a1b2c3d4e5f60718293a4b5c6d7e8f90&Token=9cAWlFdYmSlNWN46L5WEPEBuS87endP09Ve%2Bg7e"
        )
        .is_ok()
    );
    // Large inputs: one long digit run, and a long chain of short groups.
    let long_run = "1".repeat(1 << 20);
    assert!(body("text/plain", &long_run).is_ok());
    let chain = "12 ".repeat(1 << 18);
    assert!(body("text/plain", &chain).is_ok());
}

fn content_types() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("application/json".to_owned())),
        Just(Some("application/x-www-form-urlencoded".to_owned())),
        Just(Some(
            "application/x-www-form-urlencoded; charset=Shift_JIS".to_owned()
        )),
        Just(Some("multipart/form-data; boundary=ab".to_owned())),
        Just(Some("multipart/form-data".to_owned())),
        Just(Some("text/plain".to_owned())),
        ".*".prop_map(Some),
    ]
}

/// Bytes that often look like the formats read: structural characters, digits, escapes.
fn tricky_bytes() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop_oneof![
        any::<u8>().prop_map(|b| vec![b]),
        prop::sample::select(vec![
            "{",
            "}",
            "[",
            "]",
            "\"",
            "\\",
            "\\u",
            "\\uD800",
            "\\uFF14",
            ":",
            ",",
            "=",
            "&",
            "%",
            "%E",
            "%EF%BC%94",
            "+",
            "-",
            "_",
            " ",
            "\r\n",
            "--ab",
            "--ab--",
            "\r\n\r\n",
            "Content-Disposition: form-data; name=\"",
            "filename=",
            "4111",
            "1111",
            "４",
            "ー",
            "a",
            "\u{3000}",
            "\u{ff0d}",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
    ];
    prop::collection::vec(pieces, 0..200).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2_000,
        rng_algorithm: RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    })]

    #[test]
    fn never_panics_on_arbitrary_bytes(
        content_type in content_types(),
        raw in prop::collection::vec(any::<u8>(), 0..512),
        tricky in tricky_bytes(),
    ) {
        let guard = guard();
        for bytes in [&raw, &tricky] {
            let _ = guard.check_body(content_type.as_deref(), bytes);
            let text = String::from_utf8_lossy(bytes);
            let _ = guard.check_query(&text);
            let _ = guard.check_path(&text);
        }
    }

    #[test]
    fn a_card_number_anywhere_in_tricky_text_is_found(
        before in tricky_bytes(),
        after in tricky_bytes(),
        content_type in content_types(),
    ) {
        // Wrapped in line breaks and quotes so that it stands apart from what surrounds it, and
        // sent as a form value, a JSON string and plain text.
        let guard = guard();
        let mut text = before.clone();
        text.extend_from_slice(b"\n\"");
        text.extend_from_slice(PAN.as_bytes());
        text.extend_from_slice(b"\"\n");
        text.extend_from_slice(&after);
        let _ = guard.check_body(content_type.as_deref(), &text);
        prop_assert!(guard.check_body(Some("text/plain"), &text).is_err());
    }
}

/// A UTF-16 byte-order mark before an ASCII body does not hide its card number: the body is read
/// as the mark says and as its bytes are (a form parser that ignores the mark reads the number).
#[test]
fn a_byte_order_mark_does_not_hide_a_card_number() {
    let guard = guard();
    for bom in [&b"\xFF\xFE"[..], b"\xFE\xFF"] {
        for (content_type, body) in [
            (None, format!("note={PAN}")),
            (
                Some("application/x-www-form-urlencoded"),
                format!("note={PAN}"),
            ),
            (Some("application/json"), format!(r#"{{"note":"{PAN}"}}"#)),
            (Some("text/plain"), format!("\n{PAN}\n")),
        ] {
            let mut bytes = bom.to_vec();
            bytes.extend_from_slice(body.as_bytes());
            assert!(
                guard.check_body(content_type, &bytes).is_err(),
                "{bom:?} {content_type:?}"
            );
        }
    }
}
