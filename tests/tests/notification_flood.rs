//! A flood of forged notifications (issue #12: 300 of them grew a shop's database from 1.4 MB to
//! 58.8 MB and caused 300 SearchTrade calls) against the flows on each store: memory, SQLite,
//! and PostgreSQL when `GMO_TEST_DATABASE_URL` is set. What it may cost is measured: the inbox's
//! rows, the database's size, and the sandbox's SearchTrade calls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use gmo_core::customer::CustomerId;
use gmo_core::flow::{Confirmation, NotificationAck, PaymentSource, PrepareOrder, ThreeDsReturn};
use gmo_core::order::OrderState;
use gmo_core::store::{MemoryStore, PaymentStore};
use gmo_core::values::Amount;
use gmo_core::values::OrderId;
use gmo_core::{CardToken, Payments};
use gmo_sandbox::{AcsBrowser, Api, CHALLENGE_OTP, Sandbox};
use gmo_scenarios::database::TestSchema;
use gmo_sqlx::{PostgresStore, SqliteStore};
use shop_common::gateway::PaymentGateway;

/// The shop's gateway over a sandbox, the payments handle on `store`, and one authorised order.
async fn shop_with_one_order(store: Arc<dyn PaymentStore>) -> (PaymentGateway, Payments, OrderId) {
    let gateway = PaymentGateway::embedded(Sandbox::builder().spawn().await.expect("sandbox"))
        .expect("the gateway");
    let payments = gateway
        .payments("http://shop.test", store, |b| b)
        .expect("payments");
    let sandbox = gateway.sandbox.as_ref().expect("the embedded sandbox");
    let alice = CustomerId::new("alice").unwrap();
    let order = payments
        .prepare_order(PrepareOrder::new(
            alice.clone(),
            Amount::new(1_200).unwrap(),
        ))
        .await
        .unwrap();
    let token = CardToken::new(
        sandbox
            .issue_token("4111111111111111", "2812", "123")
            .unwrap(),
    );
    let confirmation = payments
        .confirm(&alice, &order.order_id, PaymentSource::NewCard(token))
        .await
        .unwrap();
    if let Confirmation::RedirectTo { url, .. } = confirmation {
        let back = AcsBrowser::new()
            .authenticate(&url, CHALLENGE_OTP)
            .await
            .unwrap();
        payments
            .complete_three_ds(ThreeDsReturn {
                order_id: order.order_id.clone(),
                access_id: back.field("AccessID").unwrap_or_default().to_owned(),
            })
            .await
            .unwrap();
    }
    (gateway, payments, order.order_id)
}

/// GMO's notification form for these fields.
fn body(shop_id: &str, order_id: &str, access_id: &str, tran_id: &str) -> Vec<u8> {
    format!(
        "ShopID={shop_id}&ShopPass=**********&AccessID={access_id}&AccessPass=********&\
         OrderID={order_id}&Status=AUTH&JobCd=AUTH&Amount=1200&Tax=0&Currency=JPN&Forward=2a99662&\
         Method=1&PayTimes=&TranID={tran_id}&Approve=0000001&TranDate=20261127120000&ErrCode=&\
         ErrInfo=&PayType=0"
    )
    .into_bytes()
}

/// What the flood did, as counted by the store and the sandbox.
struct Cost {
    pending_after: usize,
    searches: u64,
    acks: Vec<NotificationAck>,
}

/// 300 forged notifications: 100 for orders that do not exist, 100 for the real order with
/// wrong AccessIDs, 100 for the real order with its AccessID and a new TranID each (someone who
/// saw the AccessID, as the shopper's browser does at the 3-D Secure return).
async fn flood(store: Arc<dyn PaymentStore>) -> (Cost, PaymentGateway) {
    let (gateway, payments, order_id) = shop_with_one_order(store.clone()).await;
    let sandbox = gateway.sandbox.as_ref().expect("the embedded sandbox");
    let order = store.order(&order_id).await.unwrap().unwrap();
    assert_eq!(order.state, OrderState::Authorized);
    let access_id = order.access_id.unwrap().as_str().to_owned();
    let shop = sandbox.shop_id().to_owned();
    let pending_before = store.unprocessed_notifications(usize::MAX).await.unwrap();
    assert!(pending_before.is_empty());
    let searches = sandbox.calls(Api::SearchTrade);
    let mut acks = Vec::new();
    for n in 0..100 {
        let forged = [
            body(&shop, &format!("forged{n}"), &access_id, "t1"),
            body(&shop, order_id.as_str(), &format!("{n:032x}"), "t1"),
            body(&shop, order_id.as_str(), &access_id, &format!("forged{n}")),
        ];
        for forged in forged {
            acks.push(payments.handle_notification(&forged).await.unwrap());
        }
    }
    let cost = Cost {
        pending_after: store
            .unprocessed_notifications(usize::MAX)
            .await
            .unwrap()
            .len(),
        searches: sandbox.calls(Api::SearchTrade) - searches,
        acks,
    };
    // The real notification of the order still reads as what it is.
    let real = sandbox.transaction(order_id.as_str()).unwrap();
    let genuine = body(&shop, order_id.as_str(), &access_id, &real.tran_id);
    assert_eq!(
        payments.handle_notification(&genuine).await.unwrap(),
        NotificationAck::AlreadyKnown
    );
    (cost, gateway)
}

/// The flood's bounds, the same on every store.
fn assert_bounded(cost: &Cost) {
    let count = |ack: NotificationAck| cost.acks.iter().filter(|a| **a == ack).count();
    assert_eq!(
        count(NotificationAck::Unmatched),
        200,
        "unknown orders and wrong AccessIDs"
    );
    // The right AccessID: one lookup at once, the rest within the cool-down, stored as one entry.
    assert_eq!(count(NotificationAck::Processed), 1);
    assert_eq!(count(NotificationAck::Deferred), 99);
    assert_eq!(
        cost.searches, 1,
        "SearchTrade calls caused by 300 forged notifications"
    );
    assert_eq!(
        cost.pending_after, 1,
        "inbox entries left by 300 forged notifications"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_forged_notifications_costs_one_entry_and_one_search_in_memory() {
    let (cost, _sandbox) = flood(Arc::new(MemoryStore::new())).await;
    assert_bounded(&cost);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_forged_notifications_leaves_the_sqlite_file_as_it_was() {
    let dir = std::env::temp_dir().join(format!("gmo-flood-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("shop.db");
    let _ = std::fs::remove_file(&path);
    let store = SqliteStore::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let pages = |store: SqliteStore| async move {
        let count: i64 = sqlx::query_scalar("PRAGMA page_count")
            .fetch_one(store.pool())
            .await
            .unwrap();
        let size: i64 = sqlx::query_scalar("PRAGMA page_size")
            .fetch_one(store.pool())
            .await
            .unwrap();
        count * size
    };
    let before = pages(store.clone()).await;
    let (cost, _sandbox) = flood(Arc::new(store.clone())).await;
    assert_bounded(&cost);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM gmo_notifications")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(rows, 1);
    let after = pages(store.clone()).await;
    // One order and one notification row: a few pages at most, not megabytes.
    assert!(
        after - before <= 8 * 4096,
        "the database grew from {before} to {after} bytes"
    );
    store.pool().close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_forged_notifications_adds_one_row_in_postgres() {
    let Some(schema) = TestSchema::create("notification flood").await else {
        return;
    };
    let store = PostgresStore::connect(&schema.url).await.unwrap();
    store.migrate().await.unwrap();
    let (cost, _sandbox) = flood(Arc::new(store.clone())).await;
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM gmo_notifications")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let bytes: i64 = sqlx::query_scalar("SELECT pg_total_relation_size('gmo_notifications')")
        .fetch_one(store.pool())
        .await
        .unwrap();
    store.pool().close().await;
    schema.drop_schema().await;
    assert_bounded(&cost);
    assert_eq!(rows, 1);
    assert!(bytes < 256 * 1024, "the inbox takes {bytes} bytes");
}
