//! Off-session charges of a saved card: no 3-D Secure, once per idempotency key across
//! repeats and concurrent calls, refused with a typed error where the shop requires 3-D Secure.

mod support;

use std::sync::Arc;

use gmo_core::PaymentError;
use gmo_core::customer::CustomerId;
use gmo_core::flow::{CardRegistration, ChargedCard, SavedCardCharge};
use gmo_core::order::OrderState;
use gmo_core::store::MemoryStore;
use gmo_core::values::OrderId;
use gmo_core::values::{Amount, CardSeq};
use gmo_sandbox::{Api, DEFAULT_SHOP_ID, DEFAULT_SHOP_PASS, ShopConfig};
use support::{World, customer, sandbox_builder};

/// A world in direct registration mode where `who` has saved `card`; the card's number.
async fn with_saved_card(world: &World, who: &CustomerId, card: &str) -> CardSeq {
    match world
        .payments
        .register_card(who, world.token(card))
        .await
        .unwrap()
    {
        CardRegistration::Registered { card } => CardSeq::new(card.card_seq).unwrap(),
        other => panic!("saved at once: {other:?}"),
    }
}

fn charge(who: &CustomerId, seq: CardSeq, yen: u32, key: &str) -> SavedCardCharge {
    SavedCardCharge::new(
        who.clone(),
        seq,
        Amount::new(yen).unwrap(),
        OrderId::new(key).unwrap(),
    )
}

#[tokio::test]
async fn a_key_charges_once_however_often_it_is_sent() {
    let world = World::direct().await;
    let alice = customer("alice");
    let seq = with_saved_card(&world, &alice, "4111111111111111").await;
    let first = world
        .payments
        .charge_saved_card(charge(&alice, seq, 980, "sub-alice-2026-12"))
        .await
        .unwrap();
    assert_eq!(first.state, OrderState::Authorized);
    assert_eq!(first.card_seq, Some(seq));
    let again = world
        .payments
        .charge_saved_card(charge(&alice, seq, 980, "sub-alice-2026-12"))
        .await
        .unwrap();
    assert_eq!(again.order_id, first.order_id);
    assert_eq!(again.state, OrderState::Authorized);
    let id = "sub-alice-2026-12";
    assert_eq!(world.sandbox.calls_of(Api::EntryTran, id), 1);
    assert_eq!(world.sandbox.calls_of(Api::ExecTran, id), 1);
    // No 3-D Secure: nobody is there to pass it.
    assert_eq!(world.sandbox.calls_of(Api::SecureTran2, id), 0);
    world.assert_agrees(&first.order_id).await;

    let other = world
        .payments
        .charge_saved_card(charge(&alice, seq, 1980, "sub-alice-2026-12"))
        .await
        .unwrap_err();
    assert!(
        matches!(other, PaymentError::IdempotencyKeyReused),
        "{other:?}"
    );
    assert_eq!(world.sandbox.calls_of(Api::ExecTran, id), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_charges_under_one_key_make_one_exec_tran() {
    let world = World::direct().await;
    let bob = customer("bob");
    let seq = with_saved_card(&world, &bob, "5555555555554444").await;
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let payments = world.payments.clone();
            let charge = charge(&bob, seq, 500, "usage-bob-1");
            tokio::spawn(async move { payments.charge_saved_card(charge).await })
        })
        .collect();
    let mut paid = 0;
    for call in calls {
        match call.await.unwrap() {
            Ok(order) => {
                assert_eq!(order.state, OrderState::Authorized);
                paid += 1;
            }
            Err(PaymentError::InProgress) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert!(paid >= 1);
    assert_eq!(world.sandbox.calls_of(Api::ExecTran, "usage-bob-1"), 1);
}

#[tokio::test]
async fn declines_and_unknown_cards_are_typed() {
    let world = World::direct().await;
    let carol = customer("carol");
    let seq = with_saved_card(&world, &carol, "4100000000000407").await;
    let declined = world
        .payments
        .charge_saved_card(charge(&carol, seq, 700, "carol-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(declined, PaymentError::Declined { .. }),
        "{declined:?}"
    );
    // The key's charge ended: repeating it sends nothing.
    let again = world
        .payments
        .charge_saved_card(charge(&carol, seq, 700, "carol-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(again, PaymentError::OrderClosed { .. }),
        "{again:?}"
    );
    assert_eq!(world.sandbox.calls_of(Api::ExecTran, "carol-1"), 1);
    let stranger = world
        .payments
        .charge_saved_card(charge(&customer("nobody"), seq, 700, "nobody-1"))
        .await
        .unwrap_err();
    assert!(matches!(stranger, PaymentError::NotFound), "{stranger:?}");
}

#[tokio::test]
async fn a_shop_that_requires_three_d_secure_refuses_off_session_charges() {
    let sandbox = sandbox_builder()
        .shop(ShopConfig::new(DEFAULT_SHOP_ID, DEFAULT_SHOP_PASS).requires_three_d_secure(true));
    let world = World::build(sandbox, Arc::new(MemoryStore::new()), |b| {
        b.card_registration(gmo_core::flow::CardRegistrationMode::Direct)
    })
    .await;
    let dave = customer("dave");
    let seq = with_saved_card(&world, &dave, "4111111111111111").await;
    let refused = world
        .payments
        .charge_saved_card(charge(&dave, seq, 1200, "dave-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, PaymentError::ThreeDSecureRequired),
        "{refused:?}"
    );
    assert_eq!(support::http_status(&refused), 409);
    assert_eq!(world.sandbox.calls_of(Api::ExecTran, "dave-1"), 0);
    assert_eq!(
        world.state(&OrderId::new("dave-1").unwrap()).await,
        OrderState::Failed
    );
}

#[tokio::test]
async fn the_default_card_is_chosen_once_per_key() {
    let world = World::direct().await;
    let erin = customer("erin");
    let key = |k: &str| OrderId::new(k).unwrap();
    let default_charge = |yen: u32, k: &str| {
        SavedCardCharge::new(
            erin.clone(),
            ChargedCard::Default,
            Amount::new(yen).unwrap(),
            key(k),
        )
    };
    let first = with_saved_card(&world, &erin, "4111111111111111").await;
    // Saved, but none chosen as the default: nothing is sent.
    let none = world
        .payments
        .charge_saved_card(default_charge(300, "erin-0"))
        .await
        .unwrap_err();
    assert!(matches!(none, PaymentError::NoDefaultCard), "{none:?}");
    assert_eq!(support::http_status(&none), 409);
    assert_eq!(world.sandbox.calls_of(Api::EntryTran, "erin-0"), 0);

    let second = with_saved_card(&world, &erin, "5555555555554444").await;
    world
        .payments
        .set_default_card(&erin, second)
        .await
        .unwrap();
    let paid = world
        .payments
        .charge_saved_card(default_charge(300, "erin-1"))
        .await
        .unwrap();
    assert_eq!(paid.card_seq, Some(second));
    assert_eq!(paid.state, OrderState::Authorized);

    // The customer chooses another default; the key's repeat still names the first charge.
    world.payments.set_default_card(&erin, first).await.unwrap();
    let again = world
        .payments
        .charge_saved_card(default_charge(300, "erin-1"))
        .await
        .unwrap();
    assert_eq!(again.card_seq, Some(second));
    assert_eq!(world.sandbox.calls_of(Api::ExecTran, "erin-1"), 1);
    // The same key for another amount is another charge.
    let reused = world
        .payments
        .charge_saved_card(default_charge(400, "erin-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(reused, PaymentError::IdempotencyKeyReused),
        "{reused:?}"
    );
    // A new key takes the new default.
    let next = world
        .payments
        .charge_saved_card(default_charge(300, "erin-2"))
        .await
        .unwrap();
    assert_eq!(next.card_seq, Some(first));
    world.assert_agrees(&next.order_id).await;
}
