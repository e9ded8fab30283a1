//! Fault injection: each kind as a client sees it, before/after commit proven with SearchTrade,
//! per API and count, probabilities with a seed, latency, and the control endpoints.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{FORM, Gmo, infos};
use gmo_core::wire::{FormEncoder, Response};
use gmo_sandbox::{Api, Fault, FaultKind, Sandbox, Trigger};
use serde_json::{Value, json};

/// What a client got from one call.
#[derive(Debug)]
enum Outcome {
    /// No answer at all: the connection failed before a status line.
    #[allow(dead_code)] // Printed by assertions.
    NoAnswer(reqwest::Error),
    /// A status line; then the body, or the error reading it.
    Answered {
        status: u16,
        content_type: String,
        body: Result<Vec<u8>, reqwest::Error>,
    },
}

impl Outcome {
    fn gmo(self) -> Response {
        match self {
            Outcome::Answered {
                status: 200,
                body: Ok(body),
                ..
            } => Response::parse(&body).unwrap(),
            other => panic!("not a GMO answer: {other:?}"),
        }
    }
}

async fn send(gmo: &Gmo, api: &str, fields: &[(&str, &str)]) -> Outcome {
    let mut form = FormEncoder::new();
    for (k, v) in fields {
        form.push_named(k.to_string(), v).unwrap();
    }
    let sent = gmo
        .http
        .post(gmo.url(&format!("/payment/{api}.idPass")))
        .header("Content-Type", FORM)
        .body(form.finish())
        .send()
        .await;
    match sent {
        Err(error) => Outcome::NoAnswer(error),
        Ok(response) => Outcome::Answered {
            status: response.status().as_u16(),
            content_type: response
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default(),
            body: response.bytes().await.map(|b| b.to_vec()),
        },
    }
}

/// EntryTran for `order`, then ExecTran with a fresh token through [`send`].
async fn exec(gmo: &Gmo, order: &str) -> Outcome {
    let ids = gmo.entry(order, "AUTH", "100").await;
    let token = gmo
        .sandbox
        .issue_token("4111111111111111", "2812", "123")
        .unwrap();
    send(
        gmo,
        "ExecTran",
        &[
            ("AccessID", &ids.0),
            ("AccessPass", &ids.1),
            ("OrderID", order),
            ("Method", "1"),
            ("Token", &token),
        ],
    )
    .await
}

async fn status(gmo: &Gmo, order: &str) -> String {
    gmo.search(order).await.get("Status").unwrap().to_owned()
}

#[tokio::test]
async fn dropped_connections_before_and_after_commit() {
    let gmo = Gmo::start().await;
    gmo.sandbox
        .add_fault(Fault::new(FaultKind::DropBeforeCommit).on(Api::ExecTran));
    let outcome = exec(&gmo, "before").await;
    assert!(
        matches!(outcome, Outcome::NoAnswer(_)),
        "the client must see a connection error: {outcome:?}"
    );
    assert_eq!(status(&gmo, "before").await, "UNPROCESSED");

    gmo.sandbox
        .add_fault(Fault::new(FaultKind::DropAfterCommit).on(Api::ExecTran));
    let outcome = exec(&gmo, "after").await;
    assert!(matches!(outcome, Outcome::NoAnswer(_)), "{outcome:?}");
    assert_eq!(status(&gmo, "after").await, "AUTH");

    // The faults are used up: the next call is normal, on the same client.
    assert!(!exec(&gmo, "normal").await.gmo().is_error());
    let fired = gmo.sandbox.fired_faults();
    assert_eq!(fired.len(), 2);
    assert_eq!(fired[0].kind, FaultKind::DropBeforeCommit);
    assert_eq!(fired[0].api, Api::ExecTran);
    assert_eq!(fired[0].order_id.as_deref(), Some("before"));
    assert_eq!(fired[1].kind, FaultKind::DropAfterCommit);
    assert_eq!(fired[1].order_id.as_deref(), Some("after"));
    // The calls were received all the same.
    assert_eq!(gmo.sandbox.calls(Api::ExecTran), 3);
    assert_eq!(gmo.sandbox.calls_for_order("before"), 2 + 1);
}

#[tokio::test]
async fn garbage_and_truncated_answers_come_after_commit() {
    let gmo = Gmo::start().await;
    gmo.sandbox
        .add_fault(Fault::new(FaultKind::GarbageAfterCommit).on(Api::ExecTran));
    match exec(&gmo, "garbage").await {
        Outcome::Answered {
            status: 200,
            content_type,
            body: Ok(body),
        } => {
            assert!(content_type.starts_with("text/html"), "{content_type}");
            let text = String::from_utf8(body).unwrap();
            assert!(text.starts_with("<!DOCTYPE html>"), "{text}");
            assert!(!text.contains("ErrCode") && !text.contains("OrderID="));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(status(&gmo, "garbage").await, "AUTH");

    gmo.sandbox
        .add_fault(Fault::new(FaultKind::TruncatedAfterCommit).on(Api::ExecTran));
    match exec(&gmo, "cut").await {
        Outcome::Answered {
            status: 200,
            body: Err(_),
            ..
        } => {}
        other => panic!("the body must fail to arrive: {other:?}"),
    }
    assert_eq!(status(&gmo, "cut").await, "AUTH");
}

#[tokio::test]
async fn maintenance_throttling_and_unknown_outcomes() {
    let gmo = Gmo::start().await;
    gmo.sandbox
        .add_fault(Fault::new(FaultKind::ServiceUnavailable).on(Api::ExecTran));
    match exec(&gmo, "m").await {
        Outcome::Answered {
            status: 503,
            content_type,
            body: Ok(body),
        } => {
            assert!(content_type.starts_with("text/html"));
            assert!(
                String::from_utf8(body)
                    .unwrap()
                    .contains("Service Temporarily Unavailable")
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(status(&gmo, "m").await, "UNPROCESSED");

    gmo.sandbox
        .add_fault(Fault::new(FaultKind::Throttled).on(Api::ExecTran));
    let r = exec(&gmo, "t").await.gmo();
    assert_eq!(r.get("ErrCode"), Some("E92"));
    assert_eq!(infos(&r), ["E92000001"]);
    assert_eq!(status(&gmo, "t").await, "UNPROCESSED");

    gmo.sandbox
        .add_fault(Fault::new(FaultKind::UnknownOutcome).on(Api::ExecTran));
    let r = exec(&gmo, "u").await.gmo();
    assert_eq!(r.get("ErrCode"), Some("E91"));
    assert_eq!(infos(&r), ["E91099999"]);
    assert_eq!(status(&gmo, "u").await, "UNPROCESSED");

    gmo.sandbox
        .add_fault(Fault::new(FaultKind::UnknownOutcomeAfterCommit).on(Api::ExecTran));
    let r = exec(&gmo, "ua").await.gmo();
    assert_eq!(infos(&r), ["E91099999"]);
    assert_eq!(status(&gmo, "ua").await, "AUTH");

    // EntryTran before commit: no transaction.
    gmo.sandbox
        .add_fault(Fault::new(FaultKind::UnknownOutcome).on(Api::EntryTran));
    let r = gmo
        .shop_call(
            "EntryTran",
            &[("OrderID", "e"), ("JobCd", "AUTH"), ("Amount", "1")],
        )
        .await;
    assert_eq!(infos(&r), ["E91099999"]);
    assert_eq!(infos(&gmo.search("e").await), ["E01110002"]);
}

#[tokio::test]
async fn faults_per_api_for_a_count_in_order() {
    let gmo = Gmo::start().await;
    let a = gmo.sandbox.add_fault(
        Fault::new(FaultKind::Throttled)
            .on(Api::SearchTrade)
            .times(2),
    );
    let b = gmo
        .sandbox
        .add_fault(Fault::new(FaultKind::UnknownOutcome).times(1));
    let entry = [("OrderID", "o"), ("JobCd", "AUTH"), ("Amount", "100")];
    // EntryTran: `a` does not match it, `b` (every API) does.
    assert_eq!(
        infos(&gmo.shop_call("EntryTran", &entry).await),
        ["E91099999"]
    );
    assert!(!gmo.shop_call("EntryTran", &entry).await.is_error());
    // SearchTrade: `a` twice, then nothing.
    assert_eq!(infos(&gmo.search("o").await), ["E92000001"]);
    assert_eq!(infos(&gmo.search("o").await), ["E92000001"]);
    assert_eq!(gmo.search("o").await.get("Status"), Some("UNPROCESSED"));

    let faults = gmo.sandbox.faults();
    assert_eq!(faults.len(), 2);
    assert_eq!(
        (faults[0].id, faults[0].remaining, faults[0].fired),
        (a, Some(0), 2)
    );
    assert_eq!(faults[0].fault.trigger(), Trigger::Next(2));
    assert_eq!(faults[0].fault.api(), Some(Api::SearchTrade));
    assert_eq!(
        (faults[1].id, faults[1].remaining, faults[1].fired),
        (b, Some(0), 1)
    );
    let fired: Vec<(u64, Api)> = gmo
        .sandbox
        .fired_faults()
        .iter()
        .map(|f| (f.fault_id, f.api))
        .collect();
    assert_eq!(
        fired,
        [
            (b, Api::EntryTran),
            (a, Api::SearchTrade),
            (a, Api::SearchTrade)
        ]
    );
    gmo.sandbox.clear_faults();
    assert!(gmo.sandbox.faults().is_empty());
    assert_eq!(gmo.sandbox.fired_faults().len(), 3);
}

/// Which of 40 SearchTrade calls a 50 % throttling fault with `seed` hits.
async fn throttled_calls(seed: u64) -> Vec<bool> {
    let gmo = Gmo::with(
        Sandbox::builder().fault(
            Fault::new(FaultKind::Throttled)
                .on(Api::SearchTrade)
                .with_probability(0.5, seed),
        ),
    )
    .await;
    let mut hits = Vec::new();
    for _ in 0..40 {
        let r = gmo.search("none").await;
        hits.push(infos(&r) == ["E92000001"]);
    }
    hits
}

#[tokio::test]
async fn probabilities_repeat_with_their_seed() {
    let first = throttled_calls(42).await;
    assert_eq!(first, throttled_calls(42).await);
    assert_ne!(first, throttled_calls(7).await);
    let hits = first.iter().filter(|h| **h).count();
    assert!((5..=35).contains(&hits), "{hits} of 40");
}

#[tokio::test]
async fn latency_delays_calls_and_a_client_timeout_does_not_cancel_them() {
    let gmo = Gmo::with(Sandbox::builder().latency(Duration::from_millis(150)).shop(
        gmo_sandbox::ShopConfig::new(gmo_sandbox::DEFAULT_SHOP_ID, gmo_sandbox::DEFAULT_SHOP_PASS),
    ))
    .await;
    assert_eq!(gmo.sandbox.latency(), Duration::from_millis(150));
    let started = Instant::now();
    gmo.search("none").await;
    assert!(started.elapsed() >= Duration::from_millis(150));

    // Latency over HTTP.
    let r = gmo
        .http
        .put(gmo.url("/sandbox/latency"))
        .body(r#"{"ms": 0}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(gmo.sandbox.latency(), Duration::ZERO);
    let latency: Value = gmo
        .http
        .get(gmo.url("/sandbox/latency"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(latency, json!({ "ms": 0 }));

    // A latency fault; the client gives up first, the call still happens.
    gmo.sandbox
        .add_fault(Fault::new(FaultKind::Latency(Duration::from_millis(400))).on(Api::ExecTran));
    let ids = gmo.entry("slow", "AUTH", "100").await;
    let token = gmo
        .sandbox
        .issue_token("4111111111111111", "2812", "123")
        .unwrap();
    let mut form = FormEncoder::new();
    for (k, v) in [
        ("AccessID", ids.0.as_str()),
        ("AccessPass", &ids.1),
        ("OrderID", "slow"),
        ("Method", "1"),
        ("Token", &token),
    ] {
        form.push_named(k.to_owned(), v).unwrap();
    }
    let started = Instant::now();
    let sent = gmo
        .http
        .post(gmo.url("/payment/ExecTran.idPass"))
        .header("Content-Type", FORM)
        .timeout(Duration::from_millis(100))
        .body(form.finish())
        .send()
        .await;
    assert!(sent.unwrap_err().is_timeout());
    assert_eq!(status(&gmo, "slow").await, "UNPROCESSED");
    tokio::time::sleep(Duration::from_millis(400).saturating_sub(started.elapsed())).await;
    // Poll rather than guess how long the commit takes after the delay.
    let mut seen = String::new();
    for _ in 0..50 {
        seen = status(&gmo, "slow").await;
        if seen == "AUTH" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen, "AUTH");
    assert_eq!(gmo.sandbox.fired_faults()[0].kind.name(), "latency");
}

#[tokio::test]
async fn faults_over_http() {
    let gmo = Gmo::start().await;
    let url = gmo.url("/sandbox/faults");
    let post = |body: Value| {
        let http = gmo.http.clone();
        let url = url.clone();
        async move {
            let r = http.post(url).body(body.to_string()).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (code, added) = post(json!({"kind": "drop_after_commit", "api": "ExecTran"})).await;
    assert_eq!(code, 200);
    assert_eq!(added["id"], 1);
    let (code, _) = post(json!({
        "kind": "latency", "latency_ms": 5, "probability": 0.25, "seed": 9
    }))
    .await;
    assert_eq!(code, 200);
    for kind in FaultKind::NAMES {
        let (code, answer) = post(json!({"kind": kind, "latency_ms": 1, "count": 0})).await;
        assert_eq!(code, 200, "{kind}: {answer}");
    }
    for bad in [
        json!({"kind": "meteor"}),
        json!({"kind": "throttled", "api": "Nope"}),
        json!({"kind": "latency"}),
        json!({"kind": "throttled", "count": 1, "probability": 0.5}),
        json!({"kind": "throttled", "probability": 2.0}),
        json!({"kind": "throttled", "colour": "red"}),
    ] {
        let (code, answer) = post(bad.clone()).await;
        assert_eq!(code, 400, "{bad}");
        assert!(answer["error"].is_string());
    }
    let listed: Value = gmo
        .http
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed["faults"].as_array().unwrap().len(),
        2 + FaultKind::NAMES.len()
    );
    assert_eq!(
        listed["faults"][0],
        json!({"id": 1, "kind": "drop_after_commit", "api": "ExecTran", "count": 1,
               "remaining": 1, "fired": 0})
    );
    assert_eq!(
        listed["faults"][1],
        json!({"id": 2, "kind": "latency", "api": null, "latency_ms": 5,
               "probability": 0.25, "seed": 9, "remaining": null, "fired": 0})
    );

    // The first fault fires: the ExecTran commits and the connection drops.
    assert!(matches!(exec(&gmo, "h").await, Outcome::NoAnswer(_)));
    assert_eq!(status(&gmo, "h").await, "AUTH");
    let listed: Value = gmo
        .http
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["faults"][0]["remaining"], 0);
    assert_eq!(listed["faults"][0]["fired"], 1);
    let fired: Vec<&Value> = listed["fired"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "drop_after_commit")
        .collect();
    assert_eq!(
        fired,
        [&json!({"fault_id": 1, "kind": "drop_after_commit", "api": "ExecTran", "order_id": "h"})]
    );

    let r = gmo.http.delete(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(gmo.sandbox.faults().is_empty());
}
