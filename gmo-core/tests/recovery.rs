//! Crashes between a GMO call and the store write that should follow it: the order is left in its
//! claim state, and reconciliation settles it with SearchTrade. Nothing is charged twice, nothing
//! is lost.

mod support;

use std::sync::Arc;
use std::time::Duration;

use gmo_core::flow::{Confirmation, PaymentSource};
use gmo_core::order::OrderState;
use gmo_sandbox::{Api, CHALLENGE_OTP};
use support::{FaultyStore, World, customer, sandbox_builder};

async fn world_with(store: Arc<FaultyStore>) -> World {
    World::build(sandbox_builder(), store, |b| b).await
}

async fn reconcile(world: &World) {
    world
        .payments
        .reconcile_older_than(Duration::ZERO)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_crash_after_secure_tran2_is_settled_as_authorized() {
    let store = Arc::new(FaultyStore::new());
    let world = world_with(store.clone()).await;
    let alice = customer("alice");
    let order_id = world.prepare(&alice, 1000).await;
    let Confirmation::RedirectTo { url, .. } = world
        .payments
        .confirm(
            &alice,
            &order_id,
            PaymentSource::NewCard(world.token("4111111111111111")),
        )
        .await
        .unwrap()
    else {
        panic!("3-D Secure expected")
    };
    let ret = world.authenticate(&url, CHALLENGE_OTP).await;
    store.fail_update_into(OrderState::Authorized, 1);
    assert!(world.payments.complete_three_ds(ret.clone()).await.is_err());
    assert_eq!(world.state(&order_id).await, OrderState::Finalizing);
    // The browser retries: the claim is held, nothing is sent again.
    world.payments.complete_three_ds(ret).await.unwrap();
    assert_eq!(world.sandbox.calls(Api::SecureTran2), 1);
    reconcile(&world).await;
    assert_eq!(world.state(&order_id).await, OrderState::Authorized);
    assert_eq!(world.sandbox.calls(Api::SecureTran2), 1);
}

#[tokio::test]
async fn a_checkout_writes_entry_tran_s_keys_with_the_claim_of_exec_tran() {
    let store = Arc::new(FaultyStore::new());
    let world = world_with(store.clone()).await;
    let (order_id, state) = world
        .checkout(&customer("alice"), 1000, "4111111111111111", CHALLENGE_OTP)
        .await;
    assert_eq!(state, OrderState::Authorized);
    use OrderState::*;
    // No separate `Entered` write: the claim of ExecTran records EntryTran's answer.
    assert_eq!(
        store.written(),
        [Entering, Executing, AwaitingThreeDs, Finalizing, Authorized]
    );
    world.assert_agrees(&order_id).await;
}

#[tokio::test]
async fn a_crash_between_entry_tran_and_the_claim_of_exec_tran_is_settled_without_exec_tran() {
    let store = Arc::new(FaultyStore::new());
    let world = world_with(store.clone()).await;
    let carol = customer("carol");
    let order_id = world.prepare(&carol, 3000).await;
    store.fail_update_into(OrderState::Executing, 1);
    let token = world.token("4111111111111111");
    assert!(
        world
            .payments
            .confirm(&carol, &order_id, PaymentSource::NewCard(token))
            .await
            .is_err()
    );
    // EntryTran ran, its keys were never written, ExecTran was not sent.
    assert_eq!(world.state(&order_id).await, OrderState::Entering);
    assert_eq!(world.sandbox.calls(Api::EntryTran), 1);
    assert_eq!(world.sandbox.calls(Api::ExecTran), 0);
    reconcile(&world).await;
    // SearchTrade finds the transaction unprocessed: nothing was charged; an order this old is
    // abandoned and expires, without any call that moves money.
    assert_eq!(world.state(&order_id).await, OrderState::Expired);
    assert_eq!(world.sandbox.calls(Api::ExecTran), 0);
    world.assert_agrees(&order_id).await;
}

#[tokio::test]
async fn a_crash_after_exec_tran_is_settled() {
    let store = Arc::new(FaultyStore::new());
    let world = world_with(store.clone()).await;
    let bob = customer("bob");
    // Not enrolled: ExecTran authorises at once, then the write fails.
    let order_id = world.prepare(&bob, 2000).await;
    store.fail_update_into(OrderState::Authorized, 1);
    let token = world.token("4100000000000209");
    assert!(
        world
            .payments
            .confirm(&bob, &order_id, PaymentSource::NewCard(token))
            .await
            .is_err()
    );
    assert_eq!(world.state(&order_id).await, OrderState::Executing);
    reconcile(&world).await;
    assert_eq!(world.state(&order_id).await, OrderState::Authorized);
    assert_eq!(world.sandbox.calls(Api::ExecTran), 1);
    world.assert_agrees(&order_id).await;
}

#[tokio::test]
async fn a_lost_redirect_is_settled_as_failed_and_nothing_is_charged() {
    let store = Arc::new(FaultyStore::new());
    let world = world_with(store.clone()).await;
    let carol = customer("carol");
    let order_id = world.prepare(&carol, 3000).await;
    store.fail_update_into(OrderState::AwaitingThreeDs, 1);
    let token = world.token("4111111111111111");
    assert!(
        world
            .payments
            .confirm(&carol, &order_id, PaymentSource::NewCard(token))
            .await
            .is_err()
    );
    // One reading that GMO never authorised is not enough: GMO may still finish the call.
    reconcile(&world).await;
    let looked = world.store.order(&order_id).await.unwrap().unwrap();
    assert_eq!(looked.state, OrderState::Executing);
    assert!(looked.gmo_unconfirmed_at.is_some());
    reconcile(&world).await;
    assert_eq!(world.state(&order_id).await, OrderState::Failed);
    world.assert_agrees(&order_id).await;
}

#[tokio::test]
async fn an_abandoned_challenge_expires_and_a_finished_one_is_finalized() {
    let world = World::new().await;
    let dave = customer("dave");
    // The customer closes the tab at the challenge page.
    let abandoned = world.prepare(&dave, 400).await;
    world
        .payments
        .confirm(
            &dave,
            &abandoned,
            PaymentSource::NewCard(world.token("4100000000005000")),
        )
        .await
        .unwrap();
    // The customer passes the challenge, but the way back never reaches us.
    let lost = world.prepare(&dave, 500).await;
    let Confirmation::RedirectTo { url, .. } = world
        .payments
        .confirm(
            &dave,
            &lost,
            PaymentSource::NewCard(world.token("4100000000005000")),
        )
        .await
        .unwrap()
    else {
        panic!("3-D Secure expected")
    };
    world.authenticate(&url, CHALLENGE_OTP).await;
    // Never confirmed at all.
    let idle = world.prepare(&dave, 600).await;
    reconcile(&world).await;
    assert_eq!(world.state(&abandoned).await, OrderState::Expired);
    assert_eq!(world.state(&lost).await, OrderState::Authorized);
    assert_eq!(world.state(&idle).await, OrderState::Expired);
    for id in [&abandoned, &lost, &idle] {
        world.assert_agrees(id).await;
    }
    // A second pass changes nothing.
    let report = world
        .payments
        .reconcile_older_than(Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(report.changed, 0);
}

#[tokio::test]
async fn a_crash_after_traded_card_finds_the_card() {
    let store = Arc::new(FaultyStore::new());
    let world = world_with(store.clone()).await;
    let erin = customer("erin");
    let gmo_core::flow::CardRegistration::RedirectTo { order_id, url } = world
        .payments
        .register_card(&erin, world.token("4111111111111111"))
        .await
        .unwrap()
    else {
        panic!("3-D Secure expected")
    };
    let ret = world.authenticate(&url, CHALLENGE_OTP).await;
    store.fail_update_into(OrderState::CardRegistered, 1);
    let _ = world.payments.complete_three_ds(ret).await;
    assert_eq!(world.state(&order_id).await, OrderState::Registering);
    reconcile(&world).await;
    assert_eq!(world.state(&order_id).await, OrderState::CardRegistered);
    assert_eq!(world.sandbox.calls(Api::TradedCard), 1);
    assert_eq!(world.payments.cards(&erin).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_crash_after_capture_is_settled_as_captured() {
    let store = Arc::new(FaultyStore::new());
    let world = world_with(store.clone()).await;
    let frank = customer("frank");
    let (order_id, _) = world
        .checkout(&frank, 1200, "4111111111111111", CHALLENGE_OTP)
        .await;
    store.fail_update_into(OrderState::Captured, 1);
    assert!(world.payments.capture(&order_id).await.is_err());
    assert!(matches!(
        world.payments.capture(&order_id).await,
        Err(gmo_core::PaymentError::InProgress)
    ));
    reconcile(&world).await;
    assert_eq!(world.state(&order_id).await, OrderState::Captured);
    assert_eq!(world.sandbox.calls(Api::AlterTran), 1);
}

/// One pass drains every due order, money first: a shopper who left at the issuer's page is
/// finalized before 450 older orders that never reached GMO, which expire without a GMO call.
#[tokio::test]
async fn a_pass_settles_money_first_and_drains_the_junk() {
    let world = World::new().await;
    let alice = customer("alice");
    let mut junk = Vec::new();
    for _ in 0..450 {
        junk.push(world.prepare(&alice, 500).await);
    }
    let order_id = world.prepare(&alice, 1000).await;
    let Confirmation::RedirectTo { url, .. } = world
        .payments
        .confirm(
            &alice,
            &order_id,
            PaymentSource::NewCard(world.token("4111111111111111")),
        )
        .await
        .unwrap()
    else {
        panic!("3-D Secure is asked")
    };
    world.acs.authenticate(&url, CHALLENGE_OTP).await.unwrap();

    let report = world
        .payments
        .reconcile_older_than(Duration::ZERO)
        .await
        .unwrap();
    assert_eq!((report.examined, report.changed), (451, 451), "{report:?}");
    assert!(!report.more_due);
    let paid = world.store.order(&order_id).await.unwrap().unwrap();
    assert_eq!(paid.state, OrderState::Authorized);
    assert_eq!(
        world.sandbox.calls_of(Api::SecureTran2, order_id.as_str()),
        1
    );
    for id in &junk {
        let order = world.store.order(id).await.unwrap().unwrap();
        assert_eq!(order.state, OrderState::Expired);
        assert!(
            order.updated_at > paid.updated_at,
            "junk settled before money"
        );
        assert_eq!(world.sandbox.calls_for_order(id.as_str()), 0);
    }
}

/// An OrderID GMO already holds for another transaction (another amount) is not adopted: the
/// order fails with a clear error, and nothing is sent for it.
#[tokio::test]
async fn another_transaction_under_the_order_id_is_not_adopted() {
    use gmo_core::PaymentError;
    use gmo_core::api::EntryTran;
    use gmo_core::flow::PrepareOrder;
    use gmo_core::values::Amount;
    use gmo_core::values::OrderId;

    let world = World::new().await;
    let taken = OrderId::new("taken-elsewhere").unwrap();
    world
        .payments
        .client()
        .send(&EntryTran::auth(taken.clone(), Amount::new(500).unwrap()))
        .await
        .unwrap();
    let alice = customer("alice");
    world
        .payments
        .prepare_order(
            PrepareOrder::new(alice.clone(), Amount::new(1000).unwrap()).order_id(taken.clone()),
        )
        .await
        .unwrap();
    let refused = world
        .payments
        .confirm(
            &alice,
            &taken,
            PaymentSource::NewCard(world.token("4111111111111111")),
        )
        .await
        .unwrap_err();
    assert!(matches!(refused, PaymentError::OrderIdTaken), "{refused:?}");
    assert_eq!(support::http_status(&refused), 409);
    assert_eq!(world.state(&taken).await, OrderState::Failed);
    assert_eq!(world.sandbox.calls_of(Api::ExecTran, taken.as_str()), 0);
    assert_eq!(
        world.sandbox.transaction(taken.as_str()).unwrap().amount,
        500
    );
}
