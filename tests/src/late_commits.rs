//! GMO answering late: an ExecTran that GMO commits after the client gave up on it. Whatever
//! the delay and the settings, the shop and GMO end agreeing, or GMO's charge is reversed: GMO
//! is never left charging an order the shop calls failed or expired.
//!
//! Each case is one order on a sandbox of its own whose ExecTran commits `delay` after it was
//! sent, a payments service whose calls time out after `timeout` and that reconciles orders
//! older than `reconcile_after` every 100 ms, with GMO's notifications served to it.

use std::sync::Arc;
use std::time::Duration;

use gmo_core::CardToken;
use gmo_core::customer::CustomerId;
use gmo_core::flow::{PaymentSource, PrepareOrder, UnexpectedCharge};
use gmo_core::order::OrderState;
use gmo_core::store::{MemoryStore, PaymentStore};
use gmo_core::values::Amount;
use gmo_core::values::Status;
use gmo_sandbox::{Api, DeliveryOutcome, Fault, FaultKind, Sandbox};

use crate::services::{notification_receiver, payments};

/// A card the sandbox authorises at ExecTran, without 3-D Secure.
const NOT_ENROLLED: &str = "4100000000000209";

/// One timeline.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    /// How long after it was sent GMO commits the ExecTran.
    pub delay: Duration,
    /// The client's request timeout.
    pub timeout: Duration,
    /// The reconciliation age (at least twice the timeout).
    pub reconcile_after: Duration,
    /// What becomes of a charge found for a closed order.
    pub policy: UnexpectedCharge,
}

/// What a case came to.
#[derive(Debug)]
pub struct Outcome {
    /// The order's state in the shop.
    pub state: OrderState,
    /// The transaction's status at GMO.
    pub gmo: Status,
    /// ExecTran calls GMO received for the order.
    pub exec_trans: u64,
    /// Charges the shop found for closed orders.
    pub unexpected: u64,
}

/// Runs `case` to its end (GMO's commit, the shop's readings and the notification), and
/// answers where the shop and GMO stand.
pub async fn run(case: Case) -> Outcome {
    let running = Sandbox::builder()
        .notification_retries(20, Duration::from_millis(100))
        .fault(
            Fault::new(FaultKind::Latency(case.delay))
                .on(Api::ExecTran)
                .times(1),
        )
        .spawn()
        .await
        .expect("the sandbox starts");
    let sandbox = running.sandbox().clone();
    let store: Arc<dyn PaymentStore> = Arc::new(MemoryStore::new());
    let service = payments(&sandbox, store, case.timeout, |b| {
        b.reconcile_after(case.reconcile_after)
            .unexpected_charge(case.policy)
    });
    sandbox.set_notify_url(Some(notification_receiver(vec![service.clone()]).await));
    let reconciler = service.reconcile_every(Duration::from_millis(100));

    let shopper = CustomerId::new("shopper").expect("a customer");
    let order_id = service
        .prepare_order(PrepareOrder::new(
            shopper.clone(),
            Amount::new(1200).expect("yen"),
        ))
        .await
        .expect("an order")
        .order_id;
    let token = CardToken::new(
        sandbox
            .issue_token(NOT_ENROLLED, "2812", "123")
            .expect("a token"),
    );
    // Answers "in progress" (the call timed out) or "paid" (it did not).
    let _ = service
        .confirm(&shopper, &order_id, PaymentSource::NewCard(token))
        .await;

    // GMO commits, the shop reads twice a reconciliation age apart, the notification lands.
    let settled_by = case.delay + case.reconcile_after * 3 + Duration::from_secs(2);
    let deadline = tokio::time::Instant::now() + settled_by;
    let outcome = loop {
        let order = service
            .order_for_admin(&order_id)
            .await
            .expect("the order is kept");
        let gmo = sandbox
            .transaction(order_id.as_str())
            .expect("GMO has the transaction")
            .status;
        let outcome = Outcome {
            state: order.state,
            gmo,
            exec_trans: sandbox.calls_of(Api::ExecTran, order_id.as_str()),
            unexpected: service.unexpected_charges(),
        };
        let quiet = sandbox
            .notifications()
            .iter()
            .all(|d| d.outcome != DeliveryOutcome::Pending);
        if (outcome.is_final() && quiet) || tokio::time::Instant::now() > deadline {
            break outcome;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    reconciler.abort();
    running.shutdown().await;
    outcome
}

impl Outcome {
    /// Whether nothing more will happen: GMO's charge settled and the shop where it stays.
    fn is_final(&self) -> bool {
        let committed = self.gmo != Status::Unprocessed;
        committed && !self.state.needs_settling() && !self.state.is_claim()
    }

    /// The property: GMO charges the order exactly when the shop says it is paid.
    pub fn agrees(&self) -> bool {
        let charged = matches!(
            self.gmo,
            Status::Auth | Status::Capture | Status::Sales | Status::Sauth
        );
        let paid = matches!(self.state, OrderState::Authorized | OrderState::Captured);
        charged == paid && self.exec_trans == 1
    }
}
