//! The `/sandbox/*` control and inspection endpoints over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::Gmo;
use gmo_sandbox::{Api, Clock, Fault, FaultKind, ManualClock, Sandbox, ShopConfig};
use serde_json::{Value, json};

async fn get(gmo: &Gmo, path: &str) -> (u16, Value) {
    let r = gmo.http.get(gmo.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn post(gmo: &Gmo, path: &str, body: &str) -> (u16, Value) {
    let r = gmo
        .http
        .post(gmo.url(path))
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn calls_transactions_and_state_changes() {
    let gmo = Gmo::start().await;
    let ids = gmo.pay("o-1", "AUTH", "1200", "4111111111111111").await;
    gmo.alter(&ids, "SALES", Some("1200")).await;
    gmo.search("o-1").await;
    gmo.search("o-2").await;

    let (code, calls) = get(&gmo, "/sandbox/calls").await;
    assert_eq!(code, 200);
    assert_eq!(
        calls,
        json!({
            "by_api": {"EntryTran": 1, "ExecTran": 1, "AlterTran": 1, "SearchTrade": 2},
            "by_order": {"o-1": 4, "o-2": 1},
        })
    );

    let r = gmo
        .http
        .get(gmo.url("/sandbox/transactions/o-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(!text.contains("4111111111111111"), "no card number: {text}");
    let tx: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(tx["order_id"], "o-1");
    assert_eq!(tx["shop_id"], gmo.sandbox.shop_id());
    assert_eq!(tx["status"], "SALES");
    assert_eq!(tx["job_cd"], "SALES");
    assert_eq!(tx["entry_job_cd"], "AUTH");
    assert_eq!(tx["amount"], 1200);
    assert_eq!(tx["access_id"], ids.0.as_str());
    assert_eq!(tx["access_pass"], ids.1.as_str());
    assert_eq!(tx["card_no_masked"], "************1111");
    assert_eq!(tx["three_ds"], Value::Null);

    let (code, missing) = get(&gmo, "/sandbox/transactions/o-2").await;
    assert_eq!(code, 404);
    assert!(missing["error"].as_str().unwrap().contains("o-2"));
    let (code, _) = get(&gmo, "/sandbox/transactions/o-1?shop_id=tshop00000099").await;
    assert_eq!(code, 404);

    let (code, changes) = get(&gmo, "/sandbox/state-changes").await;
    assert_eq!(code, 200);
    let changes: Vec<(&str, &str, &str)> = changes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["api"].as_str().unwrap(),
                c["from"].as_str().unwrap(),
                c["to"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("ExecTran", "UNPROCESSED", "AUTH"),
            ("AlterTran", "AUTH", "SALES")
        ]
    );
}

#[tokio::test]
async fn members_with_masked_cards() {
    let gmo = Gmo::start().await;
    gmo.site_call("SaveMember", &[("MemberID", "m-1"), ("MemberName", "山田")])
        .await;
    let token = gmo
        .sandbox
        .issue_token("5555555555554444", "2812", "123")
        .unwrap();
    let r = gmo
        .site_call("SaveCard", &[("MemberID", "m-1"), ("Token", &token)])
        .await;
    assert!(!r.is_error());
    let r = gmo
        .http
        .get(gmo.url("/sandbox/members/m-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(!text.contains("5555555555554444"), "{text}");
    let member: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(member["member_id"], "m-1");
    assert_eq!(member["name"], "山田");
    assert_eq!(member["site_id"], gmo.sandbox.site_id());
    assert_eq!(member["cards"][0]["card_no_masked"], "*************444");
    assert_eq!(member["cards"][0]["expire"], "2812");
    assert_eq!(member["cards"][0]["deleted"], false);
    let (code, _) = get(&gmo, "/sandbox/members/nobody").await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn the_clock_moves_only_when_manual() {
    let gmo = Gmo::start().await;
    let (code, answer) = post(&gmo, "/sandbox/clock/advance", r#"{"seconds": 60}"#).await;
    assert_eq!(code, 409);
    assert!(answer["error"].is_string());

    let clock = ManualClock::starting_at(time::macros::datetime!(2026-04-01 09:00 +9));
    let gmo = Gmo::with(Sandbox::builder().clock(clock.clone())).await;
    let token = gmo
        .sandbox
        .issue_token("4111111111111111", "2812", "123")
        .unwrap();
    let (code, _) = post(&gmo, "/sandbox/clock/advance", r#"{"seconds": 1860}"#).await;
    assert_eq!(code, 200);
    assert_eq!(clock.now(), time::macros::datetime!(2026-04-01 09:31 +9));
    // The token's 30 minutes are over.
    let ids = gmo.entry("late", "AUTH", "100").await;
    let r = gmo.exec_token("late", &ids, &token, &[]).await;
    assert_eq!(common::infos(&r), ["EX1000303"]);
    let (code, _) = post(&gmo, "/sandbox/clock/advance", r#"{"seconds": "x"}"#).await;
    assert_eq!(code, 400);
    assert!(gmo.sandbox.advance_clock(Duration::from_secs(60)));
}

#[tokio::test]
async fn reset_goes_back_to_the_configured_start() {
    let gmo = Gmo::with(
        Sandbox::builder()
            .shop(ShopConfig::new(
                gmo_sandbox::DEFAULT_SHOP_ID,
                gmo_sandbox::DEFAULT_SHOP_PASS,
            ))
            .latency(Duration::from_millis(1))
            .fault(Fault::new(FaultKind::Throttled).on(Api::SaveMember)),
    )
    .await;
    gmo.pay("o", "AUTH", "100", "4111111111111111").await;
    gmo.site_call("SaveMember", &[("MemberID", "m")]).await;
    gmo.sandbox.set_latency(Duration::from_millis(5));
    gmo.sandbox
        .add_fault(Fault::new(FaultKind::Throttled).on(Api::SearchTrade));
    assert_eq!(gmo.sandbox.fired_faults().len(), 1);

    let (code, _) = post(&gmo, "/sandbox/reset", "").await;
    assert_eq!(code, 200);
    assert!(gmo.sandbox.transaction("o").is_none());
    assert!(gmo.sandbox.call_counts().is_empty());
    assert!(gmo.sandbox.state_changes().is_empty());
    assert!(gmo.sandbox.fired_faults().is_empty());
    assert_eq!(gmo.sandbox.latency(), Duration::from_millis(1));
    let faults = gmo.sandbox.faults();
    assert_eq!(faults.len(), 1);
    assert_eq!(faults[0].fault.api(), Some(Api::SaveMember));
    assert_eq!(faults[0].remaining, Some(1));
    // The order id is free again.
    gmo.pay("o", "AUTH", "100", "4111111111111111").await;
}

#[tokio::test]
async fn bad_control_requests() {
    let gmo = Gmo::start().await;
    let r = gmo
        .http
        .put(gmo.url("/sandbox/latency"))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(body["error"].is_string());
    let r = gmo
        .http
        .get(gmo.url("/sandbox/nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // The token endpoint still lives under /sandbox/.
    let r = gmo
        .http
        .post(gmo.url("/sandbox/tokens"))
        .body("cardno=4111111111111111&expire=2812&shopid=tshop00000001")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
