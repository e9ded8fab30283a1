//! The Windows-31J wire codec: CP932's special characters, GMO's answer shapes, and properties
//! that must hold for any input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use gmo_core::wire::{
    DecodeError, FormEncoder, Response, ResponseWriter, decode_windows_31j, encode_windows_31j,
    parse_form,
};
use proptest::prelude::*;

/// Characters where Windows-31J differs from strict Shift_JIS, or that clients often break.
const SPECIALS: &[(&str, &str)] = &[
    ("①", "%87%40"),
    ("～", "%81%60"),
    ("－", "%81%7C"),
    ("∥", "%81a"),
    ("㈱", "%87%8A"),
    ("髙", "%FB%FC"),
    ("ｼﾞｴﾑｵ", "%BC%DE%B4%D1%B5"),
];

#[test]
fn special_characters_encode_to_their_cp932_bytes() {
    for (text, expected) in SPECIALS {
        let mut form = FormEncoder::new();
        form.push("ClientField1", text).unwrap();
        assert_eq!(form.finish(), format!("ClientField1={expected}"), "{text}");
    }
}

#[test]
fn special_characters_survive_a_form_round_trip() {
    let all: String = SPECIALS.iter().map(|(t, _)| *t).collect();
    let mut form = FormEncoder::new();
    form.push("MemberName", &all)
        .unwrap()
        .push("X", "a b+c&d=e%")
        .unwrap();
    let body = form.finish();
    let parsed = parse_form(body.as_bytes()).unwrap();
    assert_eq!(parsed.get("MemberName"), Some(all.as_str()));
    assert_eq!(parsed.get("X"), Some("a b+c&d=e%"));
}

#[test]
fn special_characters_come_back_raw_in_answers() {
    let all: String = SPECIALS.iter().map(|(t, _)| *t).collect();
    let mut answer = ResponseWriter::new();
    answer.field("MemberID", "m1").field("MemberName", &all);
    let bytes = answer.finish().unwrap();
    assert!(bytes.contains(&0x87), "① is 0x87 0x40 in CP932");
    let parsed = Response::parse(&bytes).unwrap();
    assert_eq!(parsed.get("MemberName"), Some(all.as_str()));
}

#[test]
fn the_three_d_secure_answer_keeps_its_url_whole() {
    let body = b"ACS=2&RedirectUrl=https://manage.tds2gw.gmopg.jp/api/v2/brw/callback?transId=6e48e31f-2940-48e1-a702-ebba2f3373ee&t=dccc8a7ed85372c9accff576bff59b3a";
    let parsed = Response::parse(body).unwrap();
    assert_eq!(
        parsed.get("RedirectUrl"),
        Some(
            "https://manage.tds2gw.gmopg.jp/api/v2/brw/callback?transId=6e48e31f-2940-48e1-a702-ebba2f3373ee&t=dccc8a7ed85372c9accff576bff59b3a"
        )
    );
    assert_eq!(parsed.get("t"), None);
    assert_eq!(parsed.iter().count(), 2);
}

#[test]
fn list_answers_split_into_rows() {
    let body = b"CardSeq=0|1|2&DefaultFlag=0|0|1&CardName=||&CardNo=*************111|************0004|*************005&Expire=2812|2901|3001&HolderName=||&DeleteFlag=0|0|0";
    let parsed = Response::parse(body).unwrap();
    let rows = parsed.rows(["CardSeq", "CardNo", "HolderName"]).unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1], [Some("1"), Some("************0004"), Some("")]);
}

#[test]
fn error_lists_pair_by_position() {
    let body = b"ErrCode=E01|E01|E01|E01|E01|E01&ErrInfo=E01090008|E01100008|E01110002|E01170011|E01170006|E01180006";
    let errors = Response::parse(body).unwrap().errors().unwrap().unwrap();
    assert_eq!(errors.len(), 6);
    assert_eq!(errors[3].info, "E01170011");
    assert!(errors.iter().all(|e| e.code == "E01"));
    let mixed = Response::parse(b"ErrCode=E01|M01&ErrInfo=E01050004|M01004014").unwrap();
    let errors = mixed.errors().unwrap().unwrap();
    assert_eq!(
        (errors[1].code.as_str(), errors[1].info.as_str()),
        ("M01", "M01004014")
    );
}

#[test]
fn base64_values_keep_their_plus_and_equals() {
    let parsed = Response::parse(b"Token=MUPNG5Kkc3cF3W2yFjT6DXACIf+qn1h7/ab==&Next=1").unwrap();
    assert_eq!(
        parsed.get("Token"),
        Some("MUPNG5Kkc3cF3W2yFjT6DXACIf+qn1h7/ab==")
    );
}

/// Characters Windows-31J can hold: ASCII, half-width katakana, and a sample of JIS X 0208 and
/// NEC/IBM extensions.
fn cp932_char() -> impl Strategy<Value = char> {
    prop_oneof![
        (0x20u32..0x7f).prop_map(|c| char::from_u32(c).unwrap()),
        (0xff61u32..=0xff9f).prop_map(|c| char::from_u32(c).unwrap()),
        (0x3041u32..=0x3093).prop_map(|c| char::from_u32(c).unwrap()),
        (0x30a1u32..=0x30f6).prop_map(|c| char::from_u32(c).unwrap()),
        prop::sample::select(vec![
            '①', '～', '－', '∥', '㈱', '髙', '￠', '￡', '￢', '漢', '字', '鷗', '﨑', '\u{2460}'
        ]),
    ]
    .prop_filter("representable", |c| {
        let mut buf = [0u8; 4];
        encode_windows_31j("p", c.encode_utf8(&mut buf)).is_ok()
    })
}

fn cp932_string() -> impl Strategy<Value = String> {
    prop::collection::vec(cp932_char(), 0..40).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #[test]
    fn form_bodies_round_trip(values in prop::collection::vec(cp932_string(), 1..6)) {
        let names = ["A", "B", "C", "D", "E", "F"];
        let mut form = FormEncoder::new();
        for (name, value) in names.iter().zip(&values) {
            form.push(name, value).unwrap();
        }
        let body = form.finish();
        prop_assert!(body.is_ascii());
        let parsed = parse_form(body.as_bytes()).unwrap();
        for (name, value) in names.iter().zip(&values) {
            prop_assert_eq!(parsed.get(name), Some(value.as_str()));
        }
    }

    #[test]
    fn answers_round_trip(values in prop::collection::vec(
        cp932_string().prop_filter("no separators", |s| !s.contains(['&', '\r', '\n'])),
        1..6,
    )) {
        let names = ["OrderID", "Status", "ClientField1", "ClientField2", "ClientField3", "X"];
        let mut writer = ResponseWriter::new();
        for (name, value) in names.iter().zip(&values) {
            writer.field(name, value);
        }
        let bytes = writer.finish().unwrap();
        let parsed = Response::parse(&bytes).unwrap();
        for (name, value) in names.iter().zip(&values) {
            prop_assert_eq!(parsed.get(name), Some(value.as_str()));
        }
    }

    #[test]
    fn any_string_encodes_or_names_its_field(value in any::<String>()) {
        let mut form = FormEncoder::new();
        match form.push("ClientField2", &value) {
            Ok(_) => {
                let body = form.finish();
                let parsed = parse_form(body.as_bytes()).unwrap();
                prop_assert_eq!(parsed.get("ClientField2"), Some(value.as_str()));
            }
            Err(e) => {
                prop_assert_eq!(e.field.as_ref(), "ClientField2");
                prop_assert!(value.contains(e.character));
            }
        }
    }

    #[test]
    fn parsing_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(r) = Response::parse(&bytes) {
            // Every field is reachable, and error lists either pair up or say why not.
            for (k, _) in r.iter() {
                prop_assert!(r.get(k).is_some());
            }
            if let Some(Err(e)) = r.errors() {
                let is_mismatch = matches!(e, DecodeError::ErrorListMismatch { .. });
                prop_assert!(is_mismatch);
            }
        }
        let _ = parse_form(&bytes);
        let _ = decode_windows_31j(&bytes);
    }
}
