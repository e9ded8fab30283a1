//! Randomized fault schedules with fixed seeds: for each schedule, a checkout (and sometimes a
//! capture) runs while the sandbox injects one fault into a GMO call (a dropped connection before
//! or after the change is committed, a 5xx, a garbage or truncated answer, throttling, an unknown
//! outcome, a timeout) and/or the store fails one write. Then reconciliation runs. Whatever
//! happened: no order is charged twice, none is lost, none is left in a claim state, and every
//! order's state agrees with the sandbox. Set `GMO_FAULT_SCHEDULES` to run more than 1,000.

mod support;

use std::sync::Arc;
use std::time::Duration;

use gmo_core::flow::{CardRegistration, Confirmation, PaymentSource};
use gmo_core::order::OrderState;
use gmo_core::values::Amount;
use gmo_core::values::Status;
use gmo_sandbox::{Api, Fault, FaultKind};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use support::{FaultyStore, World, customer, sandbox_builder};

const CARDS: [&str; 6] = [
    "4111111111111111",
    "4100000000005000",
    "4100000000000209",
    "4100000000000407",
    "4100000000000704",
    "4100000000000308",
];

/// The GMO calls a schedule makes, where its fault goes.
fn apis(register: bool, admin: u32) -> Vec<Api> {
    let mut apis = vec![
        Api::EntryTran,
        Api::ExecTran,
        Api::SecureTran2,
        Api::SearchTrade,
    ];
    if register {
        apis.extend([Api::SaveMember, Api::TradedCard, Api::SearchCard]);
    } else {
        apis.push(match admin {
            4 => Api::ChangeTran,
            _ => Api::AlterTran,
        });
    }
    apis
}

const STORE_FAULTS: [OrderState; 11] = [
    OrderState::Registering,
    OrderState::CardRegistered,
    OrderState::Voided,
    OrderState::Entering,
    OrderState::Entered,
    OrderState::Executing,
    OrderState::AwaitingThreeDs,
    OrderState::Finalizing,
    OrderState::Authorized,
    OrderState::Failed,
    OrderState::Captured,
];

fn random_fault(rng: &mut StdRng) -> FaultKind {
    match rng.random_range(0..17) {
        0 => FaultKind::Latency(Duration::from_millis(400)),
        1 | 2 => FaultKind::ServiceUnavailable,
        3 | 4 => FaultKind::DropBeforeCommit,
        5..=7 => FaultKind::DropAfterCommit,
        8 | 9 => FaultKind::GarbageAfterCommit,
        10 | 11 => FaultKind::TruncatedAfterCommit,
        12 | 13 => FaultKind::Throttled,
        14 => FaultKind::UnknownOutcome,
        _ => FaultKind::UnknownOutcomeAfterCommit,
    }
}

#[tokio::test]
async fn random_fault_schedules_never_charge_twice_nor_lose_an_order() {
    let schedules: u64 = std::env::var("GMO_FAULT_SCHEDULES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let store = Arc::new(FaultyStore::new());
    let world = World::build(sandbox_builder(), store.clone(), |b| b).await;
    // A short timeout, so that the latency fault is a timeout after the change is committed.
    let world = World {
        payments: world.rebuild_with_timeout(Duration::from_millis(250)),
        ..world
    };
    let who = customer("faults");
    let mut orders = Vec::new();
    let first: u64 = std::env::var("GMO_FAULT_FIRST")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    for seed in first..first + schedules {
        let mut rng = StdRng::seed_from_u64(seed);
        let card = CARDS[rng.random_range(0..CARDS.len())];
        let admin: u32 = rng.random_range(0..8);
        let register = rng.random_bool(0.15);
        let replay = rng.random_bool(0.3);
        if rng.random_bool(0.8) {
            let apis = apis(register, admin);
            let api = apis[rng.random_range(0..apis.len())];
            world
                .sandbox
                .add_fault(Fault::new(random_fault(&mut rng)).on(api).times(1));
        }
        if rng.random_bool(0.3) {
            store.fail_update_into(STORE_FAULTS[rng.random_range(0..STORE_FAULTS.len())], 1);
        }
        let order_id = if register {
            // A verified card registration: CHECK with 3-D Secure, then TradedCard.
            match world.payments.register_card(&who, world.token(card)).await {
                Ok(CardRegistration::RedirectTo { order_id, url }) => {
                    let ret = world.authenticate(&url, "123456").await;
                    let _ = world.payments.complete_three_ds(ret).await;
                    order_id
                }
                _ => {
                    world.sandbox.clear_faults();
                    store.clear_faults();
                    continue;
                }
            }
        } else {
            let order_id = world.prepare(&who, rng.random_range(1..50_000)).await;
            let confirmed = world
                .payments
                .confirm(&who, &order_id, PaymentSource::NewCard(world.token(card)))
                .await;
            if let Ok(Confirmation::RedirectTo { url, .. }) = confirmed {
                let ret = world.authenticate(&url, "123456").await;
                let _ = world.payments.complete_three_ds(ret.clone()).await;
                if replay {
                    let _ = world.payments.complete_three_ds(ret).await;
                }
            }
            let p = &world.payments;
            let _ = match admin {
                0 | 1 => p.capture(&order_id).await,
                2 => p.void(&order_id).await,
                3 => p.refund(&order_id).await,
                4 => p.change_amount(&order_id, Amount::new(77).unwrap()).await,
                _ => p.order_for_admin(&order_id).await,
            };
            order_id
        };
        orders.push((seed, order_id.clone()));
        world.sandbox.clear_faults();
        store.clear_faults();
        // Reconciliation may itself meet a fault left over; a second pass settles the rest.
        for _ in 0..2 {
            world
                .payments
                .reconcile_older_than(Duration::ZERO)
                .await
                .unwrap();
        }
        let order = world.store.order(&order_id).await.unwrap().unwrap();
        let gmo = world.gmo_status(&order_id);
        let context = format!(
            "seed {seed}, card {card}, fired {:?}",
            world.sandbox.fired_faults().last()
        );
        assert!(
            !order.state.is_claim(),
            "{context}: left in {}",
            order.state
        );
        assert!(
            support::agrees(order.state, gmo.as_ref()),
            "{context}: {} but GMO {gmo:?}",
            order.state
        );
    }
    // The schedules did meet faults: most injected faults fired.
    let fired = world.sandbox.fired_faults().len();
    eprintln!("{schedules} schedules, {fired} sandbox faults fired");
    assert!(fired as u64 >= schedules / 3, "only {fired} faults fired");
    // Charged at most once: no transaction was authorised twice.
    let changes = world.sandbox.state_changes();
    for (seed, order_id) in &orders {
        let authorisations = changes
            .iter()
            .filter(|c| c.order_id == order_id.as_str())
            .filter(|c| matches!(c.to, Status::Auth | Status::Capture | Status::Check))
            .filter(|c| matches!(c.from, Status::Unprocessed | Status::Authenticated))
            .count();
        assert!(
            authorisations <= 1,
            "seed {seed}: authorised {authorisations} times"
        );
    }
}
