//! Result notifications: fields and order, retries, giving up, the connectivity test, ordering
//! per order, and their control endpoints.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::receiver::{Reaction, Receiver};
use common::{FORM, Gmo};
use gmo_core::notification::ResultNotification;
use gmo_core::values::{JobCd, Status};
use gmo_sandbox::{
    DeliveryAttempt, DeliveryOutcome, NotifyError, ReturnForm, Sandbox, SandboxBuilder, ShopConfig,
};
use serde_json::Value;
use tokio::sync::Notify;

/// GMO's field order of a card notification.
const NOTIFICATION_KEYS: [&str; 19] = [
    "ShopID",
    "ShopPass",
    "AccessID",
    "AccessPass",
    "OrderID",
    "Status",
    "JobCd",
    "Amount",
    "Tax",
    "Currency",
    "Forward",
    "Method",
    "PayTimes",
    "TranID",
    "Approve",
    "TranDate",
    "ErrCode",
    "ErrInfo",
    "PayType",
];
const SHOP_PASS_MASK: &str = "**********";

fn shop() -> ShopConfig {
    ShopConfig::new(gmo_sandbox::DEFAULT_SHOP_ID, gmo_sandbox::DEFAULT_SHOP_PASS)
        .accept_card_numbers(true)
}

async fn start(receiver: &Receiver, builder: SandboxBuilder) -> Gmo {
    Gmo::with(builder.shop(shop()).notify_url(&receiver.url)).await
}

fn fast_retries(builder: SandboxBuilder, retries: u32) -> SandboxBuilder {
    builder
        .notification_retries(retries, Duration::from_millis(20))
        .notification_timeout(Duration::from_millis(300))
}

#[tokio::test]
async fn each_state_change_is_notified_in_order_with_gmos_fields() {
    let mut receiver = Receiver::start().await;
    let gmo = start(&receiver, Sandbox::builder()).await;
    let ids = gmo.entry("n-1", "AUTH", "1200").await;
    // EntryTran changes no state: nothing is sent.
    assert!(receiver.quiet_for(Duration::from_millis(100)).await);
    let token = gmo
        .sandbox
        .issue_token("4111111111111111", "2812", "123")
        .unwrap();
    let exec = gmo
        .call(
            "ExecTran",
            &[
                ("AccessID", &ids.0),
                ("AccessPass", &ids.1),
                ("OrderID", "n-1"),
                ("Method", "2"),
                ("PayTimes", "3"),
                ("Token", &token),
            ],
        )
        .await;
    assert!(!exec.is_error());
    let sales = gmo.alter(&ids, "SALES", Some("1200")).await;
    assert!(!sales.is_error());
    let void = gmo.alter(&ids, "VOID", None).await;
    assert!(!void.is_error());

    let auth = receiver.next().await;
    assert_eq!(auth.content_type, FORM);
    let fields = auth.fields();
    let keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, NOTIFICATION_KEYS);
    assert_eq!(auth.field("ShopID"), gmo.sandbox.shop_id());
    assert_eq!(auth.field("ShopPass"), SHOP_PASS_MASK);
    assert_eq!(auth.field("AccessID"), ids.0);
    assert_eq!(auth.field("AccessPass"), "*".repeat(32));
    assert_eq!(auth.field("OrderID"), "n-1");
    assert_eq!(auth.field("Status"), "AUTH");
    assert_eq!(auth.field("JobCd"), "AUTH");
    assert_eq!(auth.field("Amount"), "1200");
    assert_eq!(auth.field("Tax"), "0");
    assert_eq!(auth.field("Currency"), "JPN");
    assert_eq!(auth.field("Forward"), exec.get("Forward").unwrap());
    assert_eq!(auth.field("Method"), "2");
    assert_eq!(auth.field("PayTimes"), "3");
    assert_eq!(auth.field("TranID"), exec.get("TranID").unwrap());
    assert_eq!(auth.field("Approve"), exec.get("Approve").unwrap());
    assert_eq!(auth.field("TranDate"), exec.get("TranDate").unwrap());
    assert_eq!(auth.field("ErrCode"), "");
    assert_eq!(auth.field("ErrInfo"), "");
    assert_eq!(auth.field("PayType"), "0");
    let parsed = ResultNotification::parse(&auth.body).unwrap();
    assert_eq!(parsed.order_id.as_ref().unwrap().as_str(), "n-1");
    assert_eq!(parsed.status, Some(Status::Auth));
    assert_eq!(parsed.amount, Some(1200));
    assert!(!parsed.is_connectivity_test());

    let sales_n = ResultNotification::parse(&receiver.next().await.body).unwrap();
    assert_eq!(sales_n.status, Some(Status::Sales));
    assert_eq!(sales_n.job_cd, Some(JobCd::Sales));
    assert_eq!(sales_n.tran_id, sales.get("TranID").unwrap());
    assert_eq!(sales_n.tran_date, sales.get("TranDate").unwrap());
    let void_n = ResultNotification::parse(&receiver.next().await.body).unwrap();
    assert_eq!(void_n.status, Some(Status::Void));
    assert_eq!(void_n.tran_id, void.get("TranID").unwrap());

    assert!(
        gmo.sandbox
            .notifications_settled(Duration::from_secs(5))
            .await
    );
    let deliveries = gmo.sandbox.notifications();
    assert_eq!(deliveries.len(), 3);
    let apis: Vec<&str> = deliveries.iter().map(|d| d.api.as_str()).collect();
    assert_eq!(apis, ["ExecTran", "AlterTran", "AlterTran"]);
    for d in &deliveries {
        assert_eq!(d.outcome, DeliveryOutcome::Delivered);
        assert_eq!(d.attempts, [DeliveryAttempt::Acknowledged]);
        assert_eq!(d.url, receiver.url);
    }
    assert_eq!(deliveries[0].body.as_bytes(), auth.body);
}

#[tokio::test]
async fn change_tran_secure_tran2_and_the_c01_card_are_notified() {
    let mut receiver = Receiver::start().await;
    let gmo = start(&receiver, Sandbox::builder()).await;

    // ChangeTran.
    let ids = gmo.pay("c-1", "AUTH", "100", "4111111111111111").await;
    assert_eq!(receiver.next().await.field("Amount"), "100");
    let r = gmo
        .shop_call(
            "ChangeTran",
            &[
                ("AccessID", &ids.0),
                ("AccessPass", &ids.1),
                ("JobCd", "CAPTURE"),
                ("Amount", "150"),
                ("Tax", "15"),
            ],
        )
        .await;
    assert!(!r.is_error());
    let change = receiver.next().await;
    assert_eq!(change.field("Status"), "CAPTURE");
    assert_eq!(change.field("Amount"), "150");
    assert_eq!(change.field("Tax"), "15");
    assert_eq!(change.field("TranID"), r.get("TranID").unwrap());

    // 3-D Secure: the authentication itself sends nothing, SecureTran2 does.
    let ids = gmo
        .entry_with(
            "s-1",
            &[("JobCd", "AUTH"), ("Amount", "300"), ("TdFlag", "2")],
        )
        .await;
    let token = gmo
        .sandbox
        .issue_token("4111111111111111", "2812", "123")
        .unwrap();
    let exec = gmo
        .exec_token(
            "s-1",
            &ids,
            &token,
            &[("RetUrl", "https://shop.example/ret")],
        )
        .await;
    assert_eq!(exec.get("ACS"), Some("2"));
    let (_, page) = gmo.get(exec.get("RedirectUrl").unwrap()).await;
    assert!(ReturnForm::parse(&page).is_some());
    assert_eq!(
        gmo.sandbox.transaction("s-1").unwrap().status,
        Status::Authenticated
    );
    assert!(receiver.quiet_for(Duration::from_millis(150)).await);
    assert!(!gmo.secure_tran2(&ids).await.is_error());
    let secure = receiver.next().await;
    assert_eq!(secure.field("OrderID"), "s-1");
    assert_eq!(secure.field("Status"), "AUTH");

    // C01: the caller hears an error, the transaction moved on, the notification says so.
    let ids = gmo.entry("e-1", "CAPTURE", "500").await;
    let r = gmo.exec_card("e-1", &ids, "4100000000000704").await;
    assert_eq!(common::infos(&r), ["42C010000"]);
    let c01 = receiver.next().await;
    assert_eq!(c01.field("OrderID"), "e-1");
    assert_eq!(c01.field("Status"), "CAPTURE");
    assert_eq!(c01.field("ErrCode"), "");
    assert_eq!(c01.field("ErrInfo"), "");
    assert!(!c01.field("TranID").is_empty());
    assert_eq!(gmo.search("e-1").await.get("Status"), Some("CAPTURE"));

    // A decline changes nothing and sends nothing.
    let ids = gmo.entry("d-1", "AUTH", "500").await;
    assert!(
        gmo.exec_card("d-1", &ids, "4100000000000407")
            .await
            .is_error()
    );
    assert!(receiver.quiet_for(Duration::from_millis(150)).await);
}

#[tokio::test]
async fn refused_deliveries_are_retried_until_acknowledged() {
    let mut receiver = Receiver::start().await;
    receiver.script([
        Reaction::Body("1"),
        Reaction::Status(500),
        Reaction::Hang(Duration::from_millis(1_000)),
        Reaction::Body("OK"),
        Reaction::Ack,
    ]);
    let gmo = start(&receiver, fast_retries(Sandbox::builder(), 5)).await;
    gmo.pay("r-1", "AUTH", "100", "4111111111111111").await;
    let first = receiver.next().await.body;
    for _ in 0..4 {
        assert_eq!(
            receiver.next().await.body,
            first,
            "a retry is the same body"
        );
    }
    assert!(
        gmo.sandbox
            .notifications_settled(Duration::from_secs(5))
            .await
    );
    let delivery = &gmo.sandbox.notifications()[0];
    assert_eq!(delivery.outcome, DeliveryOutcome::Delivered);
    assert_eq!(delivery.attempts.len(), 5);
    assert!(matches!(
        &delivery.attempts[0],
        DeliveryAttempt::Refused { http_status: 200, body } if body == "1"
    ));
    assert!(matches!(
        &delivery.attempts[1],
        DeliveryAttempt::Refused {
            http_status: 500,
            ..
        }
    ));
    assert_eq!(delivery.attempts[2], DeliveryAttempt::TimedOut);
    assert!(matches!(
        &delivery.attempts[3],
        DeliveryAttempt::Refused { http_status: 200, body } if body == "OK"
    ));
    assert_eq!(delivery.attempts[4], DeliveryAttempt::Acknowledged);
}

#[tokio::test]
async fn deliveries_are_given_up_after_the_retries_and_keep_their_order() {
    let mut receiver = Receiver::start().await;
    // The first notification is refused on all of its 3 attempts, the second is accepted.
    receiver.script([
        Reaction::Body("1"),
        Reaction::Body("1"),
        Reaction::Body("1"),
    ]);
    let gmo = start(&receiver, fast_retries(Sandbox::builder(), 2)).await;
    let ids = gmo.pay("g-1", "AUTH", "100", "4111111111111111").await;
    gmo.alter(&ids, "SALES", Some("100")).await;
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(receiver.next().await.field("Status"));
    }
    // The SALES notification waits until the AUTH one is given up.
    assert_eq!(seen, ["AUTH", "AUTH", "AUTH", "SALES"]);
    assert!(
        gmo.sandbox
            .notifications_settled(Duration::from_secs(5))
            .await
    );
    let deliveries = gmo.sandbox.notifications();
    assert_eq!(deliveries[0].outcome, DeliveryOutcome::GaveUp);
    assert_eq!(deliveries[0].attempts.len(), 3);
    assert_eq!(deliveries[1].outcome, DeliveryOutcome::Delivered);

    // A receiver that is not there at all.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", closed.local_addr().unwrap());
    drop(closed);
    let gmo = Gmo::with(fast_retries(Sandbox::builder(), 1).shop(shop().notify_url(url))).await;
    gmo.pay("g-2", "AUTH", "100", "4111111111111111").await;
    assert!(
        gmo.sandbox
            .notifications_settled(Duration::from_secs(5))
            .await
    );
    let delivery = &gmo.sandbox.notifications()[0];
    assert_eq!(delivery.outcome, DeliveryOutcome::GaveUp);
    assert_eq!(delivery.attempts.len(), 2);
    assert!(matches!(
        delivery.attempts[0],
        DeliveryAttempt::ConnectionFailed { .. }
    ));
}

#[tokio::test]
async fn deliveries_run_in_the_background_one_queue_per_order() {
    let mut receiver = Receiver::start().await;
    let release = Arc::new(Notify::new());
    receiver.for_order("slow", Reaction::Wait(release.clone()));
    let gmo = start(
        &receiver,
        Sandbox::builder().notification_timeout(Duration::from_secs(30)),
    )
    .await;
    // The API answers while its notification is still waiting for the receiver.
    let ids = gmo.pay("slow", "AUTH", "100", "4111111111111111").await;
    assert_eq!(receiver.next().await.field("OrderID"), "slow");
    assert_eq!(
        gmo.sandbox.notifications()[0].outcome,
        DeliveryOutcome::Pending
    );
    // Another order is not held up; the same order is.
    gmo.pay("fast", "AUTH", "100", "4111111111111111").await;
    assert!(!gmo.alter(&ids, "SALES", Some("100")).await.is_error());
    assert_eq!(receiver.next().await.field("OrderID"), "fast");
    assert!(receiver.quiet_for(Duration::from_millis(200)).await);
    release.notify_one();
    let next = receiver.next().await;
    assert_eq!(next.field("OrderID"), "slow");
    assert_eq!(next.field("Status"), "SALES");
    release.notify_one();
    assert!(
        gmo.sandbox
            .notifications_settled(Duration::from_secs(5))
            .await
    );
    assert!(
        gmo.sandbox
            .notifications()
            .iter()
            .all(|d| d.outcome == DeliveryOutcome::Delivered)
    );
}

#[tokio::test]
async fn the_connectivity_test_by_library_and_http() {
    let mut receiver = Receiver::start().await;
    let gmo = start(&receiver, Sandbox::builder()).await;
    let id = gmo.sandbox.send_connectivity_test().unwrap();
    let test = receiver.next().await;
    let fields = test.fields();
    let keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, NOTIFICATION_KEYS);
    for (key, value) in &fields {
        match key.as_str() {
            "ShopID" => assert_eq!(value, gmo.sandbox.shop_id()),
            "ShopPass" => assert_eq!(value, SHOP_PASS_MASK),
            "ErrCode" => assert_eq!(value, "E00"),
            "ErrInfo" => assert_eq!(value, "E00000000"),
            _ => assert_eq!(value, "", "{key} should be empty"),
        }
    }
    let parsed = ResultNotification::parse(&test.body).unwrap();
    assert!(parsed.is_connectivity_test());
    assert_eq!(parsed.order_id, None);

    let r = gmo
        .http
        .post(gmo.url("/sandbox/notifications/test"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["id"], id + 1);
    assert!(
        ResultNotification::parse(&receiver.next().await.body)
            .unwrap()
            .is_connectivity_test()
    );
    assert!(
        gmo.sandbox
            .notifications_settled(Duration::from_secs(5))
            .await
    );

    // The deliveries as JSON.
    let list: Value = gmo
        .http
        .get(gmo.url("/sandbox/notifications"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[0]["connectivity_test"], true);
    assert_eq!(list[0]["outcome"], "delivered");
    assert_eq!(list[0]["attempts"][0]["result"], "acknowledged");

    // Unknown shops and shops without a URL.
    let r = gmo
        .http
        .post(gmo.url("/sandbox/notifications/test"))
        .body(r#"{"shop_id": "nope"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let quiet = Gmo::start().await;
    assert_eq!(
        quiet.sandbox.send_connectivity_test(),
        Err(NotifyError::NoUrl(quiet.sandbox.shop_id().to_owned()))
    );
    let r = quiet
        .http
        .post(quiet.url("/sandbox/notifications/test"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn urls_per_shop_globally_and_at_run_time() {
    let mut global = Receiver::start().await;
    let mut own = Receiver::start().await;
    let gmo = Gmo::with(
        Sandbox::builder()
            .shop(shop())
            .shop(ShopConfig::new("tshop00000002", "shoppass02").notify_url(&own.url)),
    )
    .await;
    // No URL yet: nothing is sent.
    gmo.pay("u-1", "AUTH", "100", "4111111111111111").await;
    assert!(gmo.sandbox.notifications().is_empty());
    // Set the global URL over HTTP.
    let r = gmo
        .http
        .put(gmo.url("/sandbox/notifications/url"))
        .body(format!(r#"{{"url": "{}"}}"#, global.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    gmo.pay("u-2", "AUTH", "100", "4111111111111111").await;
    assert_eq!(global.next().await.field("OrderID"), "u-2");
    // The second shop has its own URL.
    let r = gmo
        .call(
            "EntryTran",
            &[
                ("ShopID", "tshop00000002"),
                ("ShopPass", "shoppass02"),
                ("OrderID", "u-3"),
                ("JobCd", "AUTH"),
                ("Amount", "100"),
            ],
        )
        .await;
    let ids = (
        r.get("AccessID").unwrap().to_owned(),
        r.get("AccessPass").unwrap().to_owned(),
    );
    let token = gmo
        .sandbox
        .issue_tokens(
            gmo_sandbox::TokenRequest::card("4111111111111111", "2812").shopid("tshop00000002"),
        )
        .unwrap()
        .tokens
        .remove(0);
    assert!(!gmo.exec_token("u-3", &ids, &token, &[]).await.is_error());
    let n = own.next().await;
    assert_eq!(n.field("ShopID"), "tshop00000002");
    assert_eq!(n.field("OrderID"), "u-3");
    assert!(global.quiet_for(Duration::from_millis(150)).await);
    // And off again.
    gmo.sandbox.set_notify_url(None);
    gmo.pay("u-4", "AUTH", "100", "4111111111111111").await;
    assert!(global.quiet_for(Duration::from_millis(150)).await);
}
