//! Codec speed: reading a SearchTrade answer into its typed answer, and writing a full ExecTran
//! request, each beside a bare baseline doing the same byte work without types.
//!
//! Target: under 2 µs each, and within 1.5× of the baseline.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use encoding_rs::SHIFT_JIS;
use gmo_core::api::{CardSource, ExecTran, SearchTrade, Tds2Field, ThreeDSecureExec};
use gmo_core::client::Operation;
use gmo_core::values::{AccessId, CallbackType, Method, OrderId};
use gmo_core::values::{ClientField, RetUrl};
use gmo_core::wire::{FormEncoder, Response};
use gmo_core::{AccessPass, CardToken};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_encode};

const SEARCH_TRADE: &str = "OrderID=order-2026-0001&Status=CAPTURE&ProcessDate=20260101120000&JobCd=CAPTURE&AccessID=3618be802c7ac572414274731e50cb6c&AccessPass=4099664bd4b110800e09805539d1d7b5&ItemCode=0000990&Amount=12800&Tax=1280&SiteID=&MemberID=&CardNo=************1111&Expire=3012&Method=1&PayTimes=&Forward=2a99662&TranID=2601011200111111111111000001&Approve=0000001&ClientField1=ご注文番号 2026-0001&ClientField2=ｼﾞｴﾑｵ ①&ClientField3=";

/// The ExecTran fields as (name, value), for the baseline.
fn exec_fields() -> Vec<(&'static str, String)> {
    vec![
        ("AccessID", "3618be802c7ac572414274731e50cb6c".into()),
        ("AccessPass", "4099664bd4b110800e09805539d1d7b5".into()),
        ("OrderID", "order-2026-0001".into()),
        ("Method", "1".into()),
        (
            "Token",
            "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2".into(),
        ),
        ("ClientField1", "ご注文番号 2026-0001".into()),
        ("ClientField2", "ｼﾞｴﾑｵ ①～－".into()),
        ("ClientField3", "customer-42".into()),
        ("ClientFieldFlag", "1".into()),
        (
            "RetUrl",
            "https://shop.example/payments/3ds/order-2026-0001".into(),
        ),
        ("CallbackType", "1".into()),
        ("Tds2ChAccDate", "20240131".into()),
        ("Tds2AddrMatch", "Y".into()),
        ("Tds2BillAddrCity", "渋谷区".into()),
        ("Tds2BillAddrCountry", "392".into()),
        ("Tds2BillAddrLine1", "道玄坂1-2-3".into()),
        ("Tds2BillAddrPostCode", "1500043".into()),
        ("Tds2Email", "taro@example.jp".into()),
    ]
}

fn exec_request() -> ExecTran {
    let fields = exec_fields();
    let value = |name: &str| fields.iter().find(|(k, _)| *k == name).unwrap().1.clone();
    let mut exec = ExecTran::new(
        AccessId::new(value("AccessID")).unwrap(),
        AccessPass::new(value("AccessPass")),
        OrderId::new(value("OrderID")).unwrap(),
        CardSource::Token(CardToken::new(value("Token"))),
    );
    exec.method = Some(Method::Lump);
    exec.client_fields.field1 = Some(ClientField::new(value("ClientField1")).unwrap());
    exec.client_fields.field2 = Some(ClientField::new(value("ClientField2")).unwrap());
    exec.client_fields.field3 = Some(ClientField::new(value("ClientField3")).unwrap());
    exec.client_fields.echo = true;
    let mut tds = ThreeDSecureExec::new(RetUrl::new(value("RetUrl")).unwrap());
    tds.callback_type = Some(CallbackType::Post);
    for (field, name) in [
        (Tds2Field::ChAccDate, "Tds2ChAccDate"),
        (Tds2Field::AddrMatch, "Tds2AddrMatch"),
        (Tds2Field::BillAddrCity, "Tds2BillAddrCity"),
        (Tds2Field::BillAddrCountry, "Tds2BillAddrCountry"),
        (Tds2Field::BillAddrLine1, "Tds2BillAddrLine1"),
        (Tds2Field::BillAddrPostCode, "Tds2BillAddrPostCode"),
        (Tds2Field::Email, "Tds2Email"),
    ] {
        tds.data.set(field, value(name)).unwrap();
    }
    exec.three_d_secure = Some(tds);
    exec
}

/// HTML-form percent-encoding: what is left as is by both encoders.
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'*')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_');

fn baseline_decode(bytes: &[u8]) -> Vec<(String, String)> {
    let (text, _, _) = SHIFT_JIS.decode(bytes);
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

fn baseline_encode(fields: &[(&'static str, String)]) -> String {
    let mut body = String::with_capacity(512);
    for (name, value) in fields {
        if !body.is_empty() {
            body.push('&');
        }
        body.push_str(name);
        body.push('=');
        let (bytes, _, _) = SHIFT_JIS.encode(value);
        for piece in percent_encode(&bytes, FORM) {
            // HTML forms write a space as `+`.
            body.push_str(if piece == "%20" { "+" } else { piece });
        }
    }
    body
}

fn codec(c: &mut Criterion) {
    let answer = gmo_core::wire::encode_windows_31j("body", SEARCH_TRADE)
        .unwrap()
        .into_owned();
    let search = SearchTrade::new(OrderId::new("order-2026-0001").unwrap());
    // Same work, checked once: both read every field.
    assert_eq!(
        baseline_decode(&answer).len(),
        Response::parse(&answer).unwrap().iter().count()
    );
    let mut decode = c.benchmark_group("decode SearchTrade");
    decode.bench_function("typed (Response::parse + SearchTrade::decode)", |b| {
        b.iter(|| {
            let response = Response::parse(black_box(&answer)).unwrap();
            black_box(search.decode(&response).unwrap())
        })
    });
    decode.bench_function("baseline (decode + split into owned pairs)", |b| {
        b.iter(|| black_box(baseline_decode(black_box(&answer))))
    });
    decode.finish();

    let exec = exec_request();
    let fields = exec_fields();
    let mut form = FormEncoder::new();
    exec.encode(&mut form).unwrap();
    let typed_body = form.finish();
    // Same work, checked once: both write exactly the same body.
    assert_eq!(typed_body, baseline_encode(&fields));
    let mut encode = c.benchmark_group("encode ExecTran");
    encode.bench_function("typed (ExecTran::encode)", |b| {
        b.iter(|| {
            let mut form = FormEncoder::with_capacity(512);
            black_box(&exec).encode(&mut form).unwrap();
            black_box(form.finish())
        })
    });
    encode.bench_function("baseline (encode + percent-encode)", |b| {
        b.iter(|| black_box(baseline_encode(black_box(&fields))))
    });
    encode.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
