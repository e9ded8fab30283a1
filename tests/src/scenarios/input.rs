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

/// The ways card numbers used to get past the guard (issue #13) are refused on every route,
/// never logged, and never reach GMO: headers and cookies, tabs and line breaks, the four boxes
/// of a card form, a JSON array, a UTF-16 body. What shops really send passes: a Luhn-valid
/// 16-digit id, JAN codes, phone numbers in boxes, price lists, tracing headers.
pub async fn card_numbers_in_every_shape_are_refused<S: ShopUnderTest>() {
    let logs = crate::logs::capture();
    let shop = RunningShop::start::<S>(ShopOptions::default()).await;
    let alice = shop.shopper("alice").await;
    let order_id = buy(&alice, "matcha").await;
    let checkout = format!("/payments/checkout/{order_id}");
    let json = |value: serde_json::Value| Body::Json(value);
    let form = |pairs: &[(&str, &str)]| {
        Body::Form(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    };
    let utf16 =
        |text: &str| -> Vec<u8> { text.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    // A number no other scenario uses (Luhn-valid, a Visa prefix).
    let number = "4929 3907 1846 5011";
    let groups: Vec<&str> = number.split(' ').collect();
    let tabbed = groups.join("\t");
    let lines = groups.join("\r\n");
    // (what, path, body, headers)
    type Case<'a> = (&'a str, &'a str, Body, Vec<(&'a str, String)>);
    let cases: Vec<Case<'_>> = vec![
        (
            "header",
            "/orders",
            Body::Empty,
            vec![("x-memo", number.to_owned())],
        ),
        (
            "referer",
            "/orders",
            Body::Empty,
            vec![(
                "referer",
                format!("https://shop.example/pay?cc={}", groups.join("%20")),
            )],
        ),
        (
            "cookie",
            "/orders",
            Body::Empty,
            vec![(
                "cookie",
                format!("theme=dark; saved_card={}", groups.concat()),
            )],
        ),
        (
            "cookie boxes",
            "/orders",
            Body::Empty,
            vec![(
                "cookie",
                format!(
                    "c1={}; c2={}; c3={}; c4={}",
                    groups[0], groups[1], groups[2], groups[3]
                ),
            )],
        ),
        (
            "tabs",
            &checkout,
            json(json!({"token": "t", "memo": tabbed})),
            vec![],
        ),
        (
            "line breaks",
            "/orders",
            form(&[("product", "matcha"), ("note", &lines)]),
            vec![],
        ),
        (
            "four boxes",
            "/orders",
            form(&[
                ("product", "matcha"),
                ("no1", groups[0]),
                ("no2", groups[1]),
                ("no3", groups[2]),
                ("no4", groups[3]),
            ]),
            vec![],
        ),
        (
            "card boxes on the checkout",
            &checkout,
            json(
                json!({"token": "t", "card_no_1": groups[0], "card_no_2": groups[1], "card_no_3": groups[2], "card_no_4": groups[3]}),
            ),
            vec![],
        ),
        (
            "JSON array",
            &checkout,
            json(json!({"token": "t", "parts": groups})),
            vec![],
        ),
        (
            "UTF-16",
            "/orders",
            Body::Raw(
                Some("application/json; charset=utf-16".into()),
                utf16(&json!({"product": "matcha", "memo": number}).to_string()),
            ),
            vec![],
        ),
    ];
    for (what, path, body, headers) in cases {
        let mut all: Vec<(&str, &str)> = vec![("accept", "application/json")];
        all.extend(headers.iter().map(|(k, v)| (*k, v.as_str())));
        let method = if matches!(body, Body::Empty) {
            "GET"
        } else {
            "POST"
        };
        let answer = alice.request(method, path, body.clone(), &all).await;
        assert_eq!(
            (answer.status, answer.error_code().as_str()),
            (400, "card_data_refused"),
            "{what}: {method} {path}: {answer}"
        );
        assert!(!answer.text().contains("4929"), "{what}: {answer}");
    }
    assert_eq!(shop.sandbox.calls_for_order(&order_id), 0);
    assert_eq!(order(&alice, &order_id).await["state"], "prepared");

    // What shops really send passes the guard.
    let answer = alice
        .request(
            "POST",
            "/orders",
            json(json!({
                "product": "matcha",
                "quantity": 1,
                "client_order_id": "4929390718465011",
                "jan": "4901234567894",
                "tel": ["090", "1234", "5678"],
                "zip": ["356", "0004"],
                "prices": [4200, 1100, 3300, 5500],
                "delivery": "2026/11/27 10.30",
            })),
            &[
                ("accept", "application/json"),
                ("x-datadog-trace-id", "4929390718465011"),
                ("cookie", "_ga=GA1.2.1234567890.1764201600"),
            ],
        )
        .await;
    assert_eq!(answer.status, 201, "{answer}");

    let text = logs.text();
    assert!(text.contains("card number"), "the refusals were logged");
    for fragment in [
        "49293907",
        "18465011",
        "4929 3907",
        "4929\t3907",
        "3907 1846",
    ] {
        assert!(!text.contains(fragment), "{fragment} is in the logs");
    }
}
