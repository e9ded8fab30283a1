//! Card attempts are counted by whichever path learns their outcome, once: a card tester who
//! passes the issuer's page and never comes back is counted when reconciliation finalizes the
//! payment, an attempt at the issuer keeps its slot meanwhile, two racing returns count once,
//! and a second post to a failed order is refused without a GMO call or a failure.

mod support;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use gmo_core::PaymentError;
use gmo_core::customer::CustomerId;
use gmo_core::flow::{Confirmation, PaymentSource};
use gmo_core::guard::{CardTestingThrottle, Limit, Scope, ThrottleConfig};
use gmo_core::order::OrderState;
use gmo_core::store::MemoryStore;
use gmo_core::values::OrderId;
use gmo_sandbox::{Api, CHALLENGE_OTP};
use support::{World, customer, sandbox_builder};

/// Declined at SecureTran2, after a frictionless 3-D Secure.
const DECLINED: &str = "4100000000000407";
const GOOD: &str = "4111111111111111";

fn ip() -> IpAddr {
    "198.51.100.7".parse().unwrap()
}

/// A world whose payments settle the attempts of a throttle of `per_customer` failures an hour.
async fn world(per_customer: u32) -> (World, CardTestingThrottle) {
    let mut config = ThrottleConfig::default();
    config.failures_per_customer = Some(Limit::new(per_customer, Duration::from_secs(3600)));
    let throttle = CardTestingThrottle::new(config);
    let world = World::build(sandbox_builder(), Arc::new(MemoryStore::new()), |b| {
        b.card_testing(throttle.clone())
    })
    .await;
    (world, throttle)
}

/// Admits an attempt of `who` and confirms `order_id` with `card` under it; the issuer's URL.
async fn attempt(
    world: &World,
    throttle: &CardTestingThrottle,
    who: &CustomerId,
    order_id: &OrderId,
    card: &str,
) -> Result<Confirmation, PaymentError> {
    let permit = throttle
        .try_begin_attempt(Some(who.as_str()), Some(ip()))
        .await
        .expect("admitted");
    world
        .payments
        .confirm_attempt(
            who,
            order_id,
            PaymentSource::NewCard(world.token(card)),
            permit.into_ticket(),
        )
        .await
}

fn redirect(confirmation: Result<Confirmation, PaymentError>) -> String {
    match confirmation {
        Ok(Confirmation::RedirectTo { url, .. }) => url,
        other => panic!("3-D Secure is asked: {other:?}"),
    }
}

#[tokio::test]
async fn declines_finalized_by_reconciliation_are_counted() {
    let (world, throttle) = world(3).await;
    let tester = customer("tester");
    for _ in 0..3 {
        let order_id = world.prepare(&tester, 500).await;
        let url = redirect(attempt(&world, &throttle, &tester, &order_id, DECLINED).await);
        // Passes the issuer's page, never posts the return.
        world.acs.authenticate(&url, CHALLENGE_OTP).await.unwrap();
    }
    world
        .payments
        .reconcile_older_than(Duration::ZERO)
        .await
        .unwrap();
    let refused = throttle
        .try_begin_attempt(Some(tester.as_str()), Some(ip()))
        .await
        .expect_err("three declines, counted by reconciliation");
    assert_eq!(refused.scope, Scope::Customer);
    assert_eq!(world.sandbox.calls(Api::SecureTran2), 3);
}

#[tokio::test]
async fn an_attempt_at_the_issuer_keeps_its_slot() {
    let (world, throttle) = world(2).await;
    let shopper = customer("shopper");
    for _ in 0..2 {
        let order_id = world.prepare(&shopper, 500).await;
        redirect(attempt(&world, &throttle, &shopper, &order_id, GOOD).await);
    }
    // Two attempts at the issuer fill the slots: a third waits for one of them.
    let refused = throttle
        .try_begin_attempt(Some(shopper.as_str()), Some(ip()))
        .await
        .expect_err("both slots are taken");
    assert!(refused.retry_after <= Duration::from_secs(1), "{refused:?}");
}

#[tokio::test]
async fn two_racing_returns_count_one_failure() {
    let (world, throttle) = world(2).await;
    let shopper = customer("shopper");
    let first = world.prepare(&shopper, 500).await;
    let url = redirect(attempt(&world, &throttle, &shopper, &first, DECLINED).await);
    let ret = world.authenticate(&url, CHALLENGE_OTP).await;
    let (a, b) = tokio::join!(
        world.payments.complete_three_ds(ret.clone()),
        world.payments.complete_three_ds(ret)
    );
    // One return finalizes; the other answers the order as it stands meanwhile.
    let states = [a.unwrap().order.state, b.unwrap().order.state];
    assert!(states.contains(&OrderState::Failed), "{states:?}");
    assert_eq!(world.state(&first).await, OrderState::Failed);
    // One failure of two allowed: one more attempt is admitted, and its failure fills the limit.
    let order_id = world.prepare(&shopper, 500).await;
    let url = redirect(attempt(&world, &throttle, &shopper, &order_id, DECLINED).await);
    let ret = world.authenticate(&url, CHALLENGE_OTP).await;
    world.payments.complete_three_ds(ret).await.unwrap();
    assert!(
        throttle
            .try_begin_attempt(Some(shopper.as_str()), Some(ip()))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn posting_again_to_a_failed_order_is_refused_uncounted() {
    let (world, throttle) = world(2).await;
    let shopper = customer("shopper");
    let order_id = world.prepare(&shopper, 500).await;
    let url = redirect(attempt(&world, &throttle, &shopper, &order_id, DECLINED).await);
    let ret = world.authenticate(&url, CHALLENGE_OTP).await;
    world.payments.complete_three_ds(ret).await.unwrap();
    let exec_trans = world.sandbox.calls(Api::ExecTran);
    for _ in 0..5 {
        let again = attempt(&world, &throttle, &shopper, &order_id, GOOD).await;
        assert!(
            matches!(
                again,
                Err(PaymentError::OrderClosed {
                    state: OrderState::Failed
                })
            ),
            "{again:?}"
        );
    }
    assert_eq!(
        world.sandbox.calls(Api::ExecTran),
        exec_trans,
        "no GMO call"
    );
    // The one real decline counts; the five posts do not: a new order with another card pays.
    let order_id = world.prepare(&shopper, 500).await;
    let url = redirect(attempt(&world, &throttle, &shopper, &order_id, GOOD).await);
    let ret = world.authenticate(&url, CHALLENGE_OTP).await;
    let done = world.payments.complete_three_ds(ret).await.unwrap();
    assert_eq!(done.order.state, OrderState::Authorized);
}
