//! Result notifications: stored before they are acknowledged, idempotent, order-independent,
//! and trusted only through SearchTrade.

mod support;

use std::sync::Arc;

use gmo_core::PaymentError;
use gmo_core::flow::{Confirmation, NotificationAck, NotificationPolicy, PaymentSource};
use gmo_core::order::OrderState;
use gmo_sandbox::{Api, CHALLENGE_OTP};
use support::{FaultyStore, World, customer, notification_body, sandbox_builder};

#[tokio::test]
async fn duplicates_of_what_the_order_says_cost_nothing() {
    let world = World::new().await;
    let alice = customer("alice");
    let (order_id, _) = world
        .checkout(&alice, 700, "4111111111111111", CHALLENGE_OTP)
        .await;
    let body = notification_body(&world, &order_id);
    let searches = world.sandbox.calls(Api::SearchTrade);
    for _ in 0..10 {
        let ack = world.payments.handle_notification(&body).await.unwrap();
        assert_eq!(ack, NotificationAck::AlreadyKnown);
    }
    assert_eq!(
        world
            .store
            .unprocessed_notifications(100)
            .await
            .unwrap()
            .len(),
        0
    );
    // The order already says what GMO says: neither stored nor looked up.
    assert_eq!(world.sandbox.calls(Api::SearchTrade), searches);
}

#[tokio::test]
async fn news_is_acted_on_at_once_and_more_within_the_cool_down_waits_for_reconciliation() {
    let world = World::new().await;
    let grace = customer("grace");
    let (order_id, _) = world
        .checkout(&grace, 600, "4111111111111111", CHALLENGE_OTP)
        .await;
    let auth = String::from_utf8(notification_body(&world, &order_id)).unwrap();
    let searches = world.sandbox.calls(Api::SearchTrade);
    // Same order, same AccessID, a TranID the order does not have: news, looked up at once.
    let news = |n: u32| auth.replace("TranID=", &format!("TranID=x{n}"));
    assert_eq!(
        world
            .payments
            .handle_notification(news(0).as_bytes())
            .await
            .unwrap(),
        NotificationAck::Processed
    );
    assert_eq!(world.sandbox.calls(Api::SearchTrade), searches + 1);
    // More of it within the cool-down: stored (one entry), not looked up.
    for n in 1..20 {
        assert_eq!(
            world
                .payments
                .handle_notification(news(n).as_bytes())
                .await
                .unwrap(),
            NotificationAck::Deferred
        );
    }
    assert_eq!(world.sandbox.calls(Api::SearchTrade), searches + 1);
    let pending = world.store.unprocessed_notifications(100).await.unwrap();
    assert_eq!(pending.len(), 1);
    // Reconciliation acts on the one stored entry.
    let report = world.payments.reconcile().await.unwrap();
    assert_eq!(report.notifications, 1);
    assert_eq!(world.sandbox.calls(Api::SearchTrade), searches + 2);
    assert!(
        world
            .store
            .unprocessed_notifications(100)
            .await
            .unwrap()
            .is_empty()
    );
    // Without a cool-down, each is acted on at once.
    let eager = NotificationPolicy::default().cool_down(std::time::Duration::ZERO);
    assert_eq!(
        world
            .payments
            .handle_notification_with(news(99).as_bytes(), &eager)
            .await
            .unwrap(),
        NotificationAck::Processed
    );
    assert_eq!(world.sandbox.calls(Api::SearchTrade), searches + 3);
}

#[tokio::test]
async fn out_of_order_notifications_end_in_gmos_state() {
    let world = World::new().await;
    let bob = customer("bob");
    let (order_id, _) = world
        .checkout(&bob, 900, "4111111111111111", CHALLENGE_OTP)
        .await;
    let auth = notification_body(&world, &order_id);
    // Captured at GMO (for example in its management screen) and never told to us directly.
    world.payments.capture(&order_id).await.unwrap();
    let sales = notification_body(&world, &order_id);
    world.payments.handle_notification(&sales).await.unwrap();
    world.payments.handle_notification(&auth).await.unwrap();
    assert_eq!(world.state(&order_id).await, OrderState::Captured);
    world.assert_agrees(&order_id).await;
}

#[tokio::test]
async fn a_notification_moves_an_order_only_as_far_as_search_trade_confirms() {
    let world = World::new().await;
    let carol = customer("carol");
    let order_id = world.prepare(&carol, 1500).await;
    let Confirmation::RedirectTo { url, .. } = world
        .payments
        .confirm(
            &carol,
            &order_id,
            PaymentSource::NewCard(world.token("4111111111111111")),
        )
        .await
        .unwrap()
    else {
        panic!("3-D Secure expected")
    };
    // A forged "AUTH" notification while the customer is still at the ACS changes nothing.
    let mut forged = String::from_utf8(notification_body(&world, &order_id)).unwrap();
    forged = forged.replace("Status=UNPROCESSED", "Status=AUTH");
    world
        .payments
        .handle_notification(forged.as_bytes())
        .await
        .unwrap();
    assert_eq!(world.state(&order_id).await, OrderState::AwaitingThreeDs);
    // The real return still finalizes once.
    let ret = world.authenticate(&url, CHALLENGE_OTP).await;
    world.payments.complete_three_ds(ret).await.unwrap();
    assert_eq!(world.state(&order_id).await, OrderState::Authorized);
    assert_eq!(world.sandbox.calls(Api::SecureTran2), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn returns_racing_notifications_finalize_once() {
    let world = Arc::new(World::new().await);
    let dave = customer("dave");
    for round in 0..8 {
        let order_id = world.prepare(&dave, 100 + round).await;
        let Confirmation::RedirectTo { url, .. } = world
            .payments
            .confirm(
                &dave,
                &order_id,
                PaymentSource::NewCard(world.token("4100000000005000")),
            )
            .await
            .unwrap()
        else {
            panic!("3-D Secure expected")
        };
        let ret = world.authenticate(&url, CHALLENGE_OTP).await;
        let body = notification_body(&world, &order_id);
        let barrier = Arc::new(tokio::sync::Barrier::new(16));
        let mut tasks = Vec::new();
        for i in 0..16 {
            let (world, barrier, ret, body) =
                (world.clone(), barrier.clone(), ret.clone(), body.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                if i % 2 == 0 {
                    world.payments.complete_three_ds(ret).await.map(|_| ())
                } else {
                    world.payments.handle_notification(&body).await.map(|_| ())
                }
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(world.state(&order_id).await, OrderState::Authorized);
        world.assert_agrees(&order_id).await;
    }
    assert_eq!(world.sandbox.calls(Api::SecureTran2), 8);
}

#[tokio::test]
async fn refused_notifications_are_not_acknowledged() {
    let world = World::new().await;
    let garbage = world
        .payments
        .handle_notification(b"\x82")
        .await
        .unwrap_err();
    assert!(matches!(garbage, PaymentError::BadNotification(_)));
    assert_eq!(support::http_status(&garbage), 400);
    let foreign = world
        .payments
        .handle_notification(b"ShopID=tshop99999999&OrderID=x1&Status=AUTH")
        .await
        .unwrap_err();
    assert!(matches!(foreign, PaymentError::ForeignShop));
    let test = format!(
        "ShopID={}&ErrCode=E00&ErrInfo=E00000000",
        world.sandbox.shop_id()
    );
    let ack = world
        .payments
        .handle_notification(test.as_bytes())
        .await
        .unwrap();
    assert_eq!(ack, NotificationAck::ConnectivityTest);
    assert!(
        world
            .store
            .unprocessed_notifications(10)
            .await
            .unwrap()
            .is_empty()
    );
    // A notification about an order we do not know is acknowledged, and neither stored nor
    // looked up.
    let unknown = format!(
        "ShopID={}&OrderID=nobody-knows&Status=AUTH&JobCd=AUTH",
        world.sandbox.shop_id()
    );
    assert_eq!(
        world
            .payments
            .handle_notification(unknown.as_bytes())
            .await
            .unwrap(),
        NotificationAck::Unmatched
    );
    assert!(
        world
            .store
            .unprocessed_notifications(10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(world.sandbox.calls(Api::SearchTrade), 0);
}

#[tokio::test]
async fn a_store_failure_refuses_the_acknowledgement_and_the_resend_works() {
    let store = Arc::new(FaultyStore::new());
    let world = World::build(sandbox_builder(), store.clone(), |b| b).await;
    let erin = customer("erin");
    let (order_id, _) = world
        .checkout(&erin, 800, "4111111111111111", CHALLENGE_OTP)
        .await;
    // News (a TranID the order does not have), so that it is stored.
    let body = String::from_utf8(notification_body(&world, &order_id))
        .unwrap()
        .replace("TranID=", "TranID=x")
        .into_bytes();
    store.fail_notification_inserts(2);
    for _ in 0..2 {
        let err = world.payments.handle_notification(&body).await.unwrap_err();
        assert_eq!(support::http_status(&err), 500);
    }
    assert_eq!(
        world.payments.handle_notification(&body).await.unwrap(),
        NotificationAck::Processed
    );
}
