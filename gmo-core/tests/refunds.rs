//! Refund codes follow the month of the sale, as GMO dates it, not of the order's creation:
//! RETURN within the sale's month (Japan time), RETURNX after; an authorisation is returned
//! in any month. The sandbox's clock stands in for the day of each sale.

mod support;

use std::sync::Arc;
use std::time::Duration;

use gmo_core::order::OrderState;
use gmo_core::store::MemoryStore;
use gmo_core::values::{OrderId, Status};
use gmo_sandbox::{CHALLENGE_OTP, ManualClock};
use support::{World, customer, sandbox_builder};
use time::OffsetDateTime;

/// A world whose sandbox tells time by `clock`.
async fn world(clock: &ManualClock) -> World {
    World::build(
        sandbox_builder().clock(clock.clone()),
        Arc::new(MemoryStore::new()),
        |b| b,
    )
    .await
}

/// An order paid (and, with `capture`, captured) while the sandbox's clock says `at`.
async fn sold_at(world: &World, clock: &ManualClock, at: OffsetDateTime, capture: bool) -> OrderId {
    clock.set(at);
    let (order_id, state) = world
        .checkout(&customer("alice"), 1500, "4111111111111111", CHALLENGE_OTP)
        .await;
    assert_eq!(state, OrderState::Authorized);
    if capture {
        world.payments.capture(&order_id).await.unwrap();
    }
    clock.set(OffsetDateTime::now_utc());
    order_id
}

#[tokio::test]
async fn a_sale_of_an_earlier_month_is_returned_with_returnx() {
    let clock = ManualClock::starting_now();
    let world = world(&clock).await;
    let weeks_ago = OffsetDateTime::now_utc() - Duration::from_secs(40 * 24 * 3600);
    let old_sale = sold_at(&world, &clock, weeks_ago, true).await;
    let refunded = world.payments.refund(&old_sale).await.unwrap();
    assert_eq!(refunded.state, OrderState::Refunded);
    assert_eq!(world.gmo_status(&old_sale), Some(Status::ReturnX));

    // An authorisation of an earlier month is returned, not RETURNX (which GMO refuses).
    let old_auth = sold_at(&world, &clock, weeks_ago, false).await;
    world.payments.refund(&old_auth).await.unwrap();
    assert_eq!(world.gmo_status(&old_auth), Some(Status::Return));
}

#[tokio::test]
async fn a_sale_of_this_month_is_returned_whatever_the_order_s_age() {
    let clock = ManualClock::starting_now();
    let world = world(&clock).await;
    let order_id = sold_at(&world, &clock, OffsetDateTime::now_utc(), true).await;
    // The order was prepared weeks before it was sold.
    let mut order = world.store.order(&order_id).await.unwrap().unwrap();
    let stored = order.clone();
    order.created_at -= Duration::from_secs(40 * 24 * 3600);
    order.version += 1;
    world
        .store
        .update_order(&order, stored.version, &[])
        .await
        .unwrap();
    world.payments.refund(&order_id).await.unwrap();
    assert_eq!(world.gmo_status(&order_id), Some(Status::Return));
}

#[tokio::test]
async fn a_part_is_refunded_once_and_never_off_a_changed_amount() {
    use gmo_core::PaymentError;
    use gmo_core::values::Amount;
    use gmo_sandbox::Api;

    let clock = ManualClock::starting_now();
    let world = world(&clock).await;
    let sale = sold_at(&world, &clock, OffsetDateTime::now_utc(), true).await;
    let yen = |n: u32| Amount::new(n).unwrap();
    let changes = || world.sandbox.calls_of(Api::ChangeTran, sale.as_str());

    let refunded = world
        .payments
        .refund_part(&sale, yen(300), yen(1500))
        .await
        .unwrap();
    assert_eq!(
        (refunded.amount.yen(), refunded.state),
        (1200, OrderState::Captured)
    );
    assert_eq!(
        world.sandbox.transaction(sale.as_str()).map(|t| t.amount),
        Some(1200)
    );
    assert_eq!(world.gmo_status(&sale), Some(Status::Capture));
    assert_eq!(changes(), 1);

    // The operator's form submitted twice: refunded once.
    let again = world
        .payments
        .refund_part(&sale, yen(300), yen(1500))
        .await
        .unwrap();
    assert_eq!(again.amount.yen(), 1200);
    assert_eq!(changes(), 1);
    // Another part off the amount seen before the first: refused, nothing sent.
    let stale = world
        .payments
        .refund_part(&sale, yen(100), yen(1500))
        .await
        .unwrap_err();
    assert!(
        matches!(stale, PaymentError::AmountChanged { amount: 1200 }),
        "{stale:?}"
    );
    assert_eq!(
        (support::http_status(&stale), stale.reason()),
        (409, "amount_changed")
    );
    // The whole is a refund, not a part.
    let whole = world
        .payments
        .refund_part(&sale, yen(1200), yen(1200))
        .await
        .unwrap_err();
    assert!(matches!(whole, PaymentError::InvalidInput(_)), "{whole:?}");
    // Asking for the amount the order has sends nothing.
    world
        .payments
        .change_amount(&sale, yen(1200))
        .await
        .unwrap();
    assert_eq!(changes(), 1);
    world.assert_agrees(&sale).await;

    let rest = world.payments.refund(&sale).await.unwrap();
    assert_eq!(rest.state, OrderState::Refunded);
}
