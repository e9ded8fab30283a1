//! Closing a customer's payment account: GMO's member (with its cards) is deleted and the
//! mapping forgotten, once, also after a crash between the two; refused while a GMO call of one
//! of the customer's orders may be in flight.

mod support;

use gmo_core::PaymentError;
use gmo_core::api::DeleteMember;
use gmo_core::flow::CardRegistration;
use gmo_core::order::OrderState;
use gmo_core::store::conformance::next;
use support::{World, customer};

/// Registers a card for `name` (direct mode); answers the customer's GMO member id.
async fn with_card(world: &World, name: &str) -> gmo_core::values::MemberId {
    let who = customer(name);
    let registered = world
        .payments
        .register_card(&who, world.token("4111111111111111"))
        .await
        .unwrap();
    assert!(matches!(registered, CardRegistration::Registered { .. }));
    world.store.member(&who).await.unwrap().unwrap().member_id
}

#[tokio::test]
async fn closing_deletes_the_member_and_forgets_it() {
    let world = World::direct().await;
    let member_id = with_card(&world, "alice").await;
    let alice = customer("alice");
    world.payments.close_account(&alice).await.unwrap();
    assert_eq!(world.store.member(&alice).await.unwrap(), None);
    assert!(world.sandbox.member(member_id.as_str()).is_none());
    assert!(world.payments.cards(&alice).await.unwrap().is_empty());
    // Again: nothing left to do.
    world.payments.close_account(&alice).await.unwrap();
}

#[tokio::test]
async fn closing_after_a_crash_between_gmo_and_the_store_finishes() {
    let world = World::direct().await;
    let member_id = with_card(&world, "bob").await;
    // GMO deleted the member; the process died before the store forgot it.
    world
        .payments
        .client()
        .send(&DeleteMember::new(member_id))
        .await
        .unwrap();
    let bob = customer("bob");
    world.payments.close_account(&bob).await.unwrap();
    assert_eq!(world.store.member(&bob).await.unwrap(), None);
}

#[tokio::test]
async fn closing_waits_for_calls_in_flight() {
    let world = World::direct().await;
    with_card(&world, "carol").await;
    let carol = customer("carol");
    let order_id = world.prepare(&carol, 800).await;
    let order = world.store.order(&order_id).await.unwrap().unwrap();
    let executing = next(&order, OrderState::Executing);
    world
        .store
        .update_order(&executing, order.version, &[])
        .await
        .unwrap();
    let refused = world.payments.close_account(&carol).await.unwrap_err();
    assert!(matches!(refused, PaymentError::InProgress), "{refused:?}");
    assert!(world.store.member(&carol).await.unwrap().is_some());
}
