//! Tokens: `POST /sandbox/tokens` and the rules GMO applies when they are used.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Gmo, infos};
use gmo_sandbox::{ManualClock, Sandbox, ShopConfig, TokenRequest, TokenStyle};
use serde_json::Value;

async fn token_call(gmo: &Gmo, fields: &[(&str, &str)]) -> Value {
    let mut form = gmo_core::wire::FormEncoder::new();
    for (k, v) in fields {
        form.push_named(k.to_string(), v).unwrap();
    }
    let r = gmo
        .http
        .post(gmo.url("/sandbox/tokens"))
        .header("Content-Type", common::FORM)
        .body(form.finish())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // token.js runs on the merchant's page: any origin may read the answer.
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
}

#[tokio::test]
async fn the_endpoint_answers_like_token_js() {
    let gmo = Gmo::start().await;
    let shop = gmo.sandbox.shop_id().to_owned();
    let v = token_call(
        &gmo,
        &[
            ("cardno", "4111111111111111"),
            ("expire", "202812"),
            ("securitycode", "123"),
            ("holdername", "TARO YAMADA"),
            ("shopid", &shop),
        ],
    )
    .await;
    assert_eq!(v["resultCode"], "000");
    let token = v["tokenObject"]["token"].as_str().unwrap();
    assert_eq!(token.len(), 64);
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    assert_eq!(v["tokenObject"]["maskedCardNo"], "411111******1111");
    assert_eq!(v["tokenObject"]["isSecurityCodeSet"], true);
    let expiry = v["tokenObject"]["toBeExpiredAt"].as_str().unwrap();
    assert_eq!(expiry.len(), 19);
    assert_eq!(expiry.matches('-').count(), 5);
    // tokennumber=1: a string; ≥ 2: an array of distinct tokens.
    let v = token_call(
        &gmo,
        &[
            ("cardno", "4111111111111111"),
            ("expire", "2812"),
            ("tokennumber", "1"),
            ("shopid", &shop),
        ],
    )
    .await;
    assert!(v["tokenObject"]["token"].is_string());
    assert_eq!(v["tokenObject"]["isSecurityCodeSet"], false);
    let v = token_call(
        &gmo,
        &[
            ("cardno", "4111111111111111"),
            ("expire", "2812"),
            ("tokennumber", "3"),
            ("shopid", &shop),
        ],
    )
    .await;
    let tokens = v["tokenObject"]["token"].as_array().unwrap();
    assert_eq!(tokens.len(), 3);
    assert_ne!(tokens[0], tokens[1]);
    // Both tokens of a pair work: one for ExecTran, one for SaveCard.
    let ids = gmo.entry("o", "AUTH", "100").await;
    assert!(
        !gmo.exec_token("o", &ids, tokens[0].as_str().unwrap(), &[])
            .await
            .is_error()
    );
    gmo.site_call("SaveMember", &[("MemberID", "m")]).await;
    let r = gmo
        .site_call(
            "SaveCard",
            &[("MemberID", "m"), ("Token", tokens[1].as_str().unwrap())],
        )
        .await;
    assert!(!r.is_error());
}

#[tokio::test]
async fn bad_inputs_get_token_js_result_codes() {
    let gmo = Gmo::start().await;
    let shop = gmo.sandbox.shop_id().to_owned();
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("expire", "2812")], "100"),
        (
            &[("cardno", "4111 1111 1111 1111"), ("expire", "2812")],
            "101",
        ),
        (&[("cardno", "411111111"), ("expire", "2812")], "102"),
        (&[("cardno", "4111111111111112"), ("expire", "2812")], "102"),
        (&[("cardno", "4111111111111111")], "110"),
        (
            &[("cardno", "4111111111111111"), ("expire", "28/12")],
            "111",
        ),
        (
            &[("cardno", "4111111111111111"), ("expire", "28123")],
            "112",
        ),
        (&[("cardno", "4111111111111111"), ("expire", "2813")], "113"),
        (
            &[
                ("cardno", "4111111111111111"),
                ("expire", "2812"),
                ("securitycode", "12a"),
            ],
            "121",
        ),
        (
            &[
                ("cardno", "4111111111111111"),
                ("expire", "2812"),
                ("securitycode", "12"),
            ],
            "122",
        ),
        (
            &[
                ("cardno", "4111111111111111"),
                ("expire", "2812"),
                ("holdername", "TARO<"),
            ],
            "131",
        ),
        (
            &[
                ("cardno", "4111111111111111"),
                ("expire", "2812"),
                ("tokennumber", "x"),
            ],
            "141",
        ),
        (
            &[
                ("cardno", "4111111111111111"),
                ("expire", "2812"),
                ("tokennumber", "0"),
            ],
            "142",
        ),
    ];
    for (fields, code) in cases {
        let mut all = fields.to_vec();
        all.push(("shopid", &shop));
        let v = token_call(&gmo, &all).await;
        assert_eq!(v["resultCode"], *code, "{fields:?}");
        assert!(v.get("tokenObject").is_none());
    }
    let card = [("cardno", "4111111111111111"), ("expire", "2812")];
    assert_eq!(token_call(&gmo, &card).await["resultCode"], "160");
    let long = [card[0], card[1], ("shopid", "tshop000000001")];
    assert_eq!(token_call(&gmo, &long).await["resultCode"], "161");
    let bad = [card[0], card[1], ("shopid", "tshop_1")];
    assert_eq!(token_call(&gmo, &bad).await["resultCode"], "162");
    let unknown = [card[0], card[1], ("shopid", "tshop99999999")];
    assert_eq!(token_call(&gmo, &unknown).await["resultCode"], "180");
    let name = "A".repeat(51);
    let long_name = [
        card[0],
        card[1],
        ("holdername", name.as_str()),
        ("shopid", &shop),
    ];
    assert_eq!(token_call(&gmo, &long_name).await["resultCode"], "132");
}

#[tokio::test]
async fn a_token_is_used_once_even_by_a_failed_call() {
    let gmo = Gmo::start().await;
    let token = gmo
        .sandbox
        .issue_token("4100000000000407", "2812", "123")
        .unwrap();
    let ids = gmo.entry("o", "AUTH", "100").await;
    let r = gmo.exec_token("o", &ids, &token, &[]).await;
    assert_eq!(infos(&r), ["42G020000"]);
    let r = gmo.exec_token("o", &ids, &token, &[]).await;
    assert_eq!(infos(&r), ["EX1000302"]);
    // A validation error spends the token too.
    let token = gmo
        .sandbox
        .issue_token("4111111111111111", "2812", "123")
        .unwrap();
    let r = gmo
        .exec_token("o", &ids, &token, &[("ClientFieldFlag", "9")])
        .await;
    assert_eq!(infos(&r), ["E01400007"]);
    let r = gmo.exec_token("o", &ids, &token, &[]).await;
    assert_eq!(infos(&r), ["EX1000302"]);
    // And so does an ExecTran on an order already paid.
    let token = gmo
        .sandbox
        .issue_token("4111111111111111", "2812", "123")
        .unwrap();
    assert!(
        !gmo.exec_card("o", &ids, "4111111111111111")
            .await
            .is_error()
    );
    let r = gmo.exec_token("o", &ids, &token, &[]).await;
    assert_eq!(infos(&r), ["E01050004", "M01004014"]);
    let ids = gmo.entry("o2", "AUTH", "100").await;
    assert_eq!(
        infos(&gmo.exec_token("o2", &ids, &token, &[]).await),
        ["EX1000302"]
    );
}

#[tokio::test]
async fn tokens_expire_after_thirty_minutes() {
    let clock = ManualClock::starting_now();
    let gmo = Gmo::with(Sandbox::builder().clock(clock.clone())).await;
    let early = gmo
        .sandbox
        .issue_token("4111111111111111", "2812", "123")
        .unwrap();
    let late = gmo
        .sandbox
        .issue_token("4111111111111111", "2812", "123")
        .unwrap();
    clock.advance(Duration::from_secs(29 * 60 + 59));
    let ids = gmo.entry("o", "AUTH", "100").await;
    assert!(!gmo.exec_token("o", &ids, &early, &[]).await.is_error());
    clock.advance(Duration::from_secs(1));
    let ids = gmo.entry("o2", "AUTH", "100").await;
    assert_eq!(
        infos(&gmo.exec_token("o2", &ids, &late, &[]).await),
        ["EX1000303"]
    );
    // TranDate follows the clock too.
    let tx = gmo.sandbox.transaction("o").unwrap();
    let jst = clock.now_jst_for_test();
    assert_eq!(&tx.tran_date[..8], jst.as_str());
}

/// The JST date of a clock as `yyyyMMdd`.
trait JstDate {
    fn now_jst_for_test(&self) -> String;
}

impl JstDate for ManualClock {
    fn now_jst_for_test(&self) -> String {
        use gmo_sandbox::Clock;
        let jst = self.now().to_offset(time::macros::offset!(+9));
        format!(
            "{:04}{:02}{:02}",
            jst.year(),
            u8::from(jst.month()),
            jst.day()
        )
    }
}

#[tokio::test]
async fn tokens_are_bound_to_their_shop() {
    let gmo = Gmo::with(
        Sandbox::builder()
            .shop(ShopConfig::new("tshopA", "passA"))
            .shop(ShopConfig::new("tshopB", "passB")),
    )
    .await;
    let issued = gmo
        .sandbox
        .issue_tokens(TokenRequest::card("4111111111111111", "2812").shopid("tshopB"))
        .unwrap();
    let token = &issued.tokens[0];
    let ids = gmo.entry("o", "AUTH", "100").await; // shop A, the first one
    assert_eq!(
        infos(&gmo.exec_token("o", &ids, token, &[]).await),
        ["EX1000304"]
    );
}

#[tokio::test]
async fn base64_like_tokens_survive_the_wire() {
    let gmo = Gmo::with(Sandbox::builder().token_style(TokenStyle::Base64Like)).await;
    let token = gmo
        .sandbox
        .issue_token("4111111111111111", "2812", "123")
        .unwrap();
    assert!(token.contains('+') && token.contains('/') && token.ends_with('='));
    let ids = gmo.entry("o", "AUTH", "100").await;
    let r = gmo.exec_token("o", &ids, &token, &[]).await;
    assert!(!r.is_error(), "{:?}", r.errors());
}
