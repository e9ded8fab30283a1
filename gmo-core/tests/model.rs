//! A model test: random sequences of operations (confirmations with several cards, 3-D Secure
//! visits, returns and replays, captures, voids, refunds, amount changes, notifications,
//! reconciliation) run against the flows and the sandbox, and against a reference model of the
//! state machine. After every step, the stored order must be what the model says, and GMO must
//! agree. Seeds are fixed; set `GMO_MODEL_SEQUENCES` to run more.

mod support;

use gmo_core::customer::CustomerId;
use gmo_core::flow::{PaymentSource, ThreeDsReturn};
use gmo_core::order::OrderState;
use gmo_core::values::Amount;
use gmo_core::values::OrderId;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::Duration;
use support::{World, customer, notification_body};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Card {
    Frictionless,
    Challenge,
    NotEnrolled,
    Declined,
    Rejected,
}

impl Card {
    const ALL: [Card; 5] = [
        Self::Frictionless,
        Self::Challenge,
        Self::NotEnrolled,
        Self::Declined,
        Self::Rejected,
    ];

    fn number(self) -> &'static str {
        match self {
            Self::Frictionless => "4111111111111111",
            Self::Challenge => "4100000000005000",
            Self::NotEnrolled => "4100000000000209",
            Self::Declined => "4100000000000407",
            Self::Rejected => "4100000000000308",
        }
    }
}

/// The reference model of one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Model {
    Prepared,
    Awaiting { card: Card, passed: Option<bool> },
    Authorized(u32),
    Captured(u32),
    Voided,
    Refunded,
    Failed,
    Expired,
}

impl Model {
    fn state(self) -> OrderState {
        match self {
            Self::Prepared => OrderState::Prepared,
            Self::Awaiting { .. } => OrderState::AwaitingThreeDs,
            Self::Authorized(_) => OrderState::Authorized,
            Self::Captured(_) => OrderState::Captured,
            Self::Voided => OrderState::Voided,
            Self::Refunded => OrderState::Refunded,
            Self::Failed => OrderState::Failed,
            Self::Expired => OrderState::Expired,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Confirm(Card),
    VisitAcs { otp_ok: bool },
    Return,
    Capture,
    Void,
    Refund,
    ChangeAmount(u32),
    Notify,
    Reconcile,
}

fn random_op(rng: &mut StdRng) -> Op {
    match rng.random_range(0..12) {
        0..=2 => Op::Confirm(Card::ALL[rng.random_range(0..Card::ALL.len())]),
        3 | 4 => Op::VisitAcs {
            otp_ok: rng.random_bool(0.8),
        },
        5 | 6 => Op::Return,
        7 => Op::Capture,
        8 => Op::Void,
        9 => Op::Refund,
        10 => Op::ChangeAmount(rng.random_range(1..10_000)),
        _ => {
            if rng.random_bool(0.5) {
                Op::Notify
            } else {
                Op::Reconcile
            }
        }
    }
}

struct Subject {
    order_id: OrderId,
    model: Model,
    redirect: Option<String>,
    ret: Option<ThreeDsReturn>,
}

impl Subject {
    /// Applies `op` to the model; answers whether the flows must accept it.
    fn step(&mut self, op: Op) -> bool {
        use Model::*;
        let (next, accepted) = match (self.model, op) {
            (Prepared, Op::Confirm(Card::NotEnrolled)) => (Authorized(0), true),
            (Prepared, Op::Confirm(card)) => (Awaiting { card, passed: None }, true),
            (Awaiting { .. } | Authorized(_) | Captured(_) | Voided | Refunded, Op::Confirm(_)) => {
                (self.model, true)
            }
            (Failed | Expired, Op::Confirm(_)) => (self.model, false),
            (Awaiting { card, passed: None }, Op::VisitAcs { otp_ok }) => {
                let passed = match card {
                    Card::Challenge => otp_ok,
                    Card::Rejected => false,
                    _ => true,
                };
                (
                    Awaiting {
                        card,
                        passed: Some(passed),
                    },
                    true,
                )
            }
            (
                Awaiting {
                    card,
                    passed: Some(true),
                },
                Op::Return,
            ) if card != Card::Declined => (Authorized(0), true),
            (
                Awaiting {
                    passed: Some(_), ..
                },
                Op::Return,
            ) => (Failed, true),
            (Authorized(a), Op::Capture) => (Captured(a), true),
            (Authorized(_) | Captured(_), Op::Void) => (Voided, true),
            (Authorized(_) | Captured(_), Op::Refund) => (Refunded, true),
            (Authorized(_), Op::ChangeAmount(a)) => (Authorized(a), true),
            (Captured(_), Op::ChangeAmount(a)) => (Captured(a), true),
            (
                Prepared
                | Awaiting {
                    passed: None | Some(false),
                    ..
                },
                Op::Reconcile,
            ) => (Expired, true),
            (
                Awaiting {
                    card: Card::Declined,
                    passed: Some(true),
                },
                Op::Reconcile,
            ) => (Failed, true),
            (
                Awaiting {
                    passed: Some(true), ..
                },
                Op::Reconcile,
            ) => (Authorized(0), true),
            (_, Op::Reconcile | Op::Notify | Op::Return | Op::VisitAcs { .. }) => {
                (self.model, true)
            }
            (_, Op::Capture | Op::Void | Op::Refund | Op::ChangeAmount(_)) => (self.model, false),
        };
        self.model = next;
        accepted
    }
}

/// Runs `op` for real; `before` is the model before the step. Answers whether it was accepted.
async fn run(
    world: &World,
    who: &CustomerId,
    subject: &mut Subject,
    op: Op,
    before: Model,
) -> bool {
    let p = &world.payments;
    let id = &subject.order_id;
    match op {
        Op::Confirm(card) => {
            let token = world.token(card.number());
            match p.confirm(who, id, PaymentSource::NewCard(token)).await {
                Ok(gmo_core::flow::Confirmation::RedirectTo { url, .. }) => {
                    subject.redirect = Some(url);
                    true
                }
                Ok(_) => true,
                Err(_) => false,
            }
        }
        Op::VisitAcs { otp_ok } => {
            if let (Some(url), Model::Awaiting { passed: None, .. }) = (&subject.redirect, before) {
                let otp = if otp_ok { "123456" } else { "999999" };
                subject.ret = Some(world.authenticate(url, otp).await);
            }
            true
        }
        Op::Return => match &subject.ret {
            Some(ret) => p.complete_three_ds(ret.clone()).await.is_ok(),
            None => true,
        },
        Op::Capture => p.capture(id).await.is_ok(),
        Op::Void => p.void(id).await.is_ok(),
        Op::Refund => p.refund(id).await.is_ok(),
        Op::ChangeAmount(a) => p.change_amount(id, Amount::new(a).unwrap()).await.is_ok(),
        Op::Notify => {
            if world.gmo_status(id).is_some() {
                p.handle_notification(&notification_body(world, id))
                    .await
                    .unwrap();
            }
            true
        }
        Op::Reconcile => {
            p.reconcile_older_than(Duration::ZERO).await.unwrap();
            true
        }
    }
}

#[tokio::test]
async fn random_sequences_follow_the_model() {
    let sequences: u64 = std::env::var("GMO_MODEL_SEQUENCES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let world = World::new().await;
    for seed in 0..sequences {
        let mut rng = StdRng::seed_from_u64(seed);
        let who = customer(&format!("model-{seed}"));
        let mut subjects = Vec::new();
        for _ in 0..2 {
            let amount = rng.random_range(1..100_000);
            let order_id = world.prepare(&who, amount).await;
            subjects.push((
                Subject {
                    order_id,
                    model: Model::Prepared,
                    redirect: None,
                    ret: None,
                },
                amount,
            ));
        }
        let mut trail = Vec::new();
        for _ in 0..20 {
            let which = rng.random_range(0..subjects.len());
            let op = random_op(&mut rng);
            // Reconciliation looks at every order; anything else at one.
            let touched: Vec<usize> = match op {
                Op::Reconcile => (0..subjects.len()).collect(),
                _ => vec![which],
            };
            let mut expected = true;
            let mut befores = Vec::new();
            for &i in &touched {
                let (subject, amount) = &mut subjects[i];
                let before = subject.model;
                befores.push(before);
                expected &= subject.step(op);
                // The model's authorised amount starts as the prepared amount.
                if subject.model == Model::Authorized(0) {
                    subject.model = Model::Authorized(*amount);
                }
                if let Model::Authorized(a) | Model::Captured(a) = subject.model {
                    *amount = a;
                }
                trail.push(format!(
                    "order {i}: {op:?} {before:?} -> {:?}",
                    subject.model
                ));
            }
            let (subject, _) = &mut subjects[which];
            let accepted = run(&world, &who, subject, op, befores[0]).await;
            let context = || format!("seed {seed}\n{}", trail.join("\n"));
            assert_eq!(accepted, expected, "accepted?\n{}", context());
            for (subject, _) in &subjects {
                let stored = world.store.order(&subject.order_id).await.unwrap().unwrap();
                assert_eq!(stored.state, subject.model.state(), "state\n{}", context());
                if let Model::Authorized(a) | Model::Captured(a) = subject.model {
                    assert_eq!(stored.amount.yen(), a, "amount\n{}", context());
                }
                let gmo = world.gmo_status(&subject.order_id);
                assert!(
                    support::agrees(stored.state, gmo.as_ref()),
                    "GMO says {gmo:?}\n{}",
                    context()
                );
            }
        }
    }
}
