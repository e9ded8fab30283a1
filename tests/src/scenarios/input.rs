//! Input that is not what the shop expects: malformed, oversized and wrong-type bodies get a
//! clear JSON 4xx, never a 500 or a dropped connection; card numbers are refused and never
//! logged.

use serde_json::json;

use crate::driver::{Body, RunningShop, ShopOptions, ShopUnderTest};
use crate::shopping::{buy, order};

/// Malformed, oversized and wrong-type bodies on every route that reads one.
pub async fn malformed_bodies<S: ShopUnderTest>() {
    let shop = RunningShop::start::<S>(ShopOptions::default()).await;
    let alice = shop.shopper("alice").await;
    let order_id = buy(&alice, "matcha").await;
    let json = Some("application/json".to_owned());
    let form = Some("application/x-www-form-urlencoded".to_owned());
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    let bodies: Vec<(Option<String>, Vec<u8>)> = vec![
        (json.clone(), b"".to_vec()),
        (json.clone(), b"{".to_vec()),
        (json.clone(), b"[]".to_vec()),
        (json.clone(), b"null".to_vec()),
        (json.clone(), b"\"token\"".to_vec()),
        (json.clone(), br#"{"token": 12}"#.to_vec()),
        (json.clone(), br#"{"token": ["a"]}"#.to_vec()),
        (json.clone(), br#"{"card_seq": "0"}"#.to_vec()),
        (json.clone(), br#"{"card_seq": -1}"#.to_vec()),
        (json.clone(), br#"{"card_seq": 1e400}"#.to_vec()),
        (json.clone(), br#"{"product": {"id": "matcha"}}"#.to_vec()),
        (json.clone(), deep.clone().into_bytes()),
        (json.clone(), vec![0xff, 0xfe, 0x00, 0x01]),
        (form.clone(), b"token=%ff%fe".to_vec()),
        (form.clone(), b"card_seq=1&card_seq=2".to_vec()),
        (form.clone(), b"=&&=&%".to_vec()),
        (Some("text/xml".into()), b"<token>x</token>".to_vec()),
        (None, b"token=abc".to_vec()),
        (json.clone(), vec![b' '; 1 << 20]),
    ];
    let paths = [
        format!("/payments/checkout/{order_id}"),
        "/payments/cards".to_owned(),
        "/orders".to_owned(),
        format!("/payments/3ds/{order_id}"),
        "/payments/notify".to_owned(),
    ];
    for path in &paths {
        for (content_type, body) in &bodies {
            let answer = alice
                .request(
                    "POST",
                    path,
                    Body::Raw(content_type.clone(), body.clone()),
                    &[("accept", "application/json")],
                )
                .await;
            let what = format!(
                "POST {path} {content_type:?} {:?}",
                String::from_utf8_lossy(&body[..body.len().min(40)])
            );
            assert!((400..500).contains(&answer.status), "{what}: {answer}");
            let value = answer.json();
            assert!(
                value["error"]["code"].is_string() && value["error"]["message"].is_string(),
                "{what}: not a JSON error: {answer}"
            );
            if body.len() > 64 * 1024 {
                assert_eq!(answer.status, 413, "{what}");
            }
        }
    }
    // Wrong-type path parameters.
    for path in [
        "/payments/cards/abc",
        "/payments/cards/99999",
        "/payments/cards/-1",
    ] {
        let answer = alice.request("DELETE", path, Body::Empty, &[]).await;
        assert_eq!(answer.status, 404, "DELETE {path}: {answer}");
    }
    // Nothing reached GMO, and the shop still works.
    assert_eq!(shop.sandbox.calls_for_order(&order_id), 0);
    assert_eq!(order(&alice, &order_id).await["state"], "prepared");
    assert_eq!(shop.client().get("/").await.status, 200);
}

/// A card number posted to the shop (in any field, encoding or part of the request) is refused
/// with `card_data_refused`, and appears in no log line.
pub async fn card_numbers_are_refused_and_never_logged<S: ShopUnderTest>() {
    let logs = crate::logs::capture();
    let shop = RunningShop::start::<S>(ShopOptions::default()).await;
    let alice = shop.shopper("alice").await;
    let order_id = buy(&alice, "matcha").await;
    // A number no other scenario uses, so that the log check is about this one.
    let spellings = [
        "4242424242424242",
        "4242 4242 4242 4242",
        "4242-4242-4242-4242",
        "４２４２４２４２４２４２４２４２",
    ];
    let checkout = format!("/payments/checkout/{order_id}");
    for number in spellings {
        let requests = [
            (
                "POST",
                checkout.clone(),
                Body::Json(json!({ "card_number": number })),
            ),
            (
                "POST",
                checkout.clone(),
                Body::Json(json!({ "token": number })),
            ),
            (
                "POST",
                checkout.clone(),
                Body::Json(json!({ "token": "t", "memo": {"x": [number]} })),
            ),
            (
                "POST",
                "/payments/cards".to_owned(),
                Body::Form(vec![("cardno".into(), number.into())]),
            ),
            (
                "POST",
                "/orders".to_owned(),
                Body::Form(vec![
                    ("product".into(), "matcha".into()),
                    ("note".into(), number.into()),
                ]),
            ),
            (
                "GET",
                format!("/orders?card={}", crate::driver::encode(number)),
                Body::Empty,
            ),
        ];
        for (method, path, body) in requests {
            let answer = alice
                .request(
                    method,
                    &path,
                    body.clone(),
                    &[("accept", "application/json")],
                )
                .await;
            assert_eq!(
                (answer.status, answer.error_code().as_str()),
                (400, "card_data_refused"),
                "{method} {path} {body:?}: {answer}"
            );
            assert!(!answer.text().contains("4242"), "{answer}");
        }
    }
    // A security code has no pattern to recognise: the field itself is refused.
    let answer = alice
        .post_json(
            &checkout,
            json!({"token": shop.token("4111111111111111"), "cvc": "123"}),
        )
        .await;
    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (400, "card_data_refused")
    );
    assert_eq!(shop.sandbox.calls_for_order(&order_id), 0);

    let text = logs.text();
    assert!(
        text.contains("card number"),
        "the refusals were logged (the capture works)"
    );
    for number in spellings {
        assert!(!text.contains(number), "{number} is in the logs");
    }
    for fragment in ["42424242", "4242 4242", "4242-4242", "４２４２４２４２"] {
        assert!(!text.contains(fragment), "{fragment} is in the logs");
    }
}
