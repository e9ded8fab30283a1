//! Reconciliation: orders that stand still (a closed browser tab, a lost answer, a crash between
//! a GMO call and the store write) are settled with SearchTrade, and stored notifications that
//! could not be acted on are retried.
//!
//! Several instances may reconcile one store at once. Each pass takes a [`Lease`] on the orders
//! it settles, a batch at a time, orders with money at stake first, until none is due or its
//! time is up; a lease outlives the longest settling of its batch, and runs out by itself if its
//! instance dies. The lease only keeps reconcilers apart: every step that moves money still
//! claims the order on the version it has just read, which keeps them apart from the shoppers'
//! requests and GMO's notifications.

use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::{PaymentError, Payments};
use crate::store::Lease;

/// What one reconciliation pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReconcileReport {
    /// Stored notifications acted on.
    pub notifications: usize,
    /// Orders looked at.
    pub examined: usize,
    /// Orders whose state changed.
    pub changed: usize,
    /// Orders still not settled (GMO unreachable, or nothing to decide yet).
    pub unsettled: usize,
    /// The pass ran out of time with orders still due: the next pass goes on with them.
    pub more_due: bool,
}

/// How many orders one lease takes, and how many notifications one pass retries.
const BATCH: usize = 100;

/// How long a pass starts settling orders; it then stops, and the next pass goes on.
const PASS_TIME: Duration = Duration::from_secs(60);

/// The most GMO calls that settling one order makes (SearchTrade twice, SecureTran2, its lost
/// answer's SearchTrade, SaveMember, TradedCard, SearchCard, with room to spare), each bounded
/// by the client's request timeout. A lease outlives the pass by this many timeouts.
const CALLS_PER_ORDER: u32 = 10;

impl Payments {
    /// One reconciliation pass over orders untouched for longer than the
    /// [`reconcile_after`](super::PaymentsBuilder::reconcile_after) setting.
    pub async fn reconcile(&self) -> Result<ReconcileReport, PaymentError> {
        self.reconcile_older_than(self.settings().reconcile_after)
            .await
    }

    /// One reconciliation pass over orders untouched for longer than `older_than`: the stored
    /// notifications first, then every due order (money at stake first), for at most a minute.
    #[tracing::instrument(name = "payments.reconcile", skip_all)]
    pub async fn reconcile_older_than(
        &self,
        older_than: Duration,
    ) -> Result<ReconcileReport, PaymentError> {
        let store = &self.inner.store;
        let mut report = ReconcileReport::default();
        for entry in store.unprocessed_notifications(BATCH).await? {
            if self.process_notification(&entry).await.is_ok() {
                report.notifications += 1;
            }
        }
        let owner = format!("reconcile-{:032x}", rand::random::<u128>());
        let settled = self.settle_leased(&owner, older_than, &mut report).await;
        // Released even after a failure; if this fails too, the leases run out by themselves.
        let released = store.release_leases(&owner).await;
        settled?;
        released?;
        Ok(report)
    }

    /// Leases due orders a batch at a time and settles them, until none is left or the pass's
    /// time is up.
    async fn settle_leased(
        &self,
        owner: &str,
        older_than: Duration,
        report: &mut ReconcileReport,
    ) -> Result<(), PaymentError> {
        let started = Instant::now();
        let lease_for = PASS_TIME + self.inner.client.request_timeout() * CALLS_PER_ORDER;
        loop {
            let now = OffsetDateTime::now_utc();
            let lease = Lease {
                owner: owner.to_owned(),
                taken_at: now,
                until: now + lease_for,
            };
            let batch = self
                .inner
                .store
                .lease_orders_to_reconcile(&lease, now - older_than, BATCH)
                .await?;
            if batch.is_empty() {
                return Ok(());
            }
            for order in batch {
                // Started only while the lease outlives the longest settling.
                if started.elapsed() >= PASS_TIME {
                    report.more_due = true;
                    return Ok(());
                }
                report.examined += 1;
                let before = order.state;
                match self.settle(order, true).await {
                    Ok(after) if after.state != before => report.changed += 1,
                    Ok(after) if after.state.is_terminal() => {}
                    _ => report.unsettled += 1,
                }
            }
        }
    }

    /// Runs [`Payments::reconcile`] every `period` until the returned task is aborted. Spawn it
    /// once per app instance: instances lease the orders they settle, so they never work the
    /// same order at once.
    pub fn reconcile_every(&self, period: Duration) -> tokio::task::JoinHandle<()> {
        self.every(period, "reconciliation pass", |payments| async move {
            payments
                .reconcile()
                .await
                .map(|report| format!("{report:?}"))
        })
    }
}
