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

use super::settle::{Decision, GmoView, decide};
use super::{Cas, PaymentError, Payments, record_trade};
use crate::order::{Order, OrderState};
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

    /// Settles `order` against SearchTrade. `stale` allows resolving claims whose owner is gone.
    /// [`PaymentError::OutcomePending`] when GMO cannot be asked.
    pub(super) async fn settle(
        &self,
        mut order: Order,
        stale: bool,
    ) -> Result<Order, PaymentError> {
        // A closed order is looked at again only when a charge may have reached GMO after all.
        if order.state.is_terminal()
            && !matches!(order.state, OrderState::Failed | OrderState::Expired)
        {
            return Ok(order);
        }
        if order.state == OrderState::Prepared {
            // Never sent to GMO: nothing to look up.
            return if stale {
                self.settle_to(&order, OrderState::Expired, |_| ()).await
            } else {
                Ok(order)
            };
        }
        let mut trade = self.lookup_or_pending(&order.order_id).await?;
        // Whether this call wrote the order on the strength of `trade`.
        let mut recorded = false;
        // A few steps at most: a record may hand the order to a flow step.
        for _ in 0..4 {
            let decision = decide(&order, &GmoView::of(trade.as_ref()), stale);
            if recorded && decision.claims() {
                // A claim never rests on a reading that an earlier step of this call acted on:
                // the store and GMO are read again, and the claim is made on that version.
                order = self.load(&order.order_id).await?;
                trade = self.lookup_or_pending(&order.order_id).await?;
                recorded = false;
                continue;
            }
            order = match decision {
                Decision::Wait => return Ok(order),
                Decision::Record(state) => {
                    recorded = true;
                    let written = self
                        .record_gmo(&order, state, |o| {
                            if let Some(trade) = &trade {
                                record_trade(o, trade);
                            }
                            if matches!(state, OrderState::Failed | OrderState::Expired) {
                                o.redirect_url = None;
                            }
                            o.gmo_unconfirmed_at = None;
                        })
                        .await?;
                    match written {
                        Cas::Won(order) => order,
                        // Someone acted since the order was read: `trade` may predate what
                        // they did, so nothing more is decided on it.
                        Cas::Lost(current) => return Ok(current),
                    }
                }
                Decision::Recheck => {
                    tracing::info!(
                        order_id = %order.order_id,
                        state = %order.state,
                        "GMO shows a stale claim's call not taken effect; looking again later"
                    );
                    let now = OffsetDateTime::now_utc();
                    return Ok(
                        match self
                            .transition(&order, order.state, |o| o.gmo_unconfirmed_at = Some(now))
                            .await?
                        {
                            Cas::Won(o) | Cas::Lost(o) => o,
                        },
                    );
                }
                Decision::UnexpectedCharge(charged) => {
                    return match &trade {
                        Some(trade) => {
                            Box::pin(self.unexpected_charge(order, charged, trade)).await
                        }
                        None => Ok(order),
                    };
                }
                // Boxed: finalizing may settle again after a lost answer.
                Decision::Finalize => return Box::pin(self.finalize(order)).await,
                Decision::AttachCard => return Box::pin(self.attach_card(order)).await,
                // Settles the claim (or finds it taken): nothing more to decide on this reading.
                Decision::CheckAttachedCard => match &trade {
                    Some(found) => return self.resolve_attach(order, found).await,
                    None => return Ok(order),
                },
            };
            if order.state.is_terminal() {
                break;
            }
        }
        Ok(order)
    }

    /// After a money-moving call of unknown outcome: SearchTrade now, and if that does not
    /// settle it, the claim is written again, so that its age counts from the call's end and
    /// reconciliation gives GMO a whole reconciliation age past it to finish the call.
    pub(super) async fn settle_unknown(&self, claimed: Order) -> Result<Order, PaymentError> {
        let looked = self.settle(claimed.clone(), false).await;
        if let Ok(order) = &looked
            && order.version != claimed.version
        {
            return looked;
        }
        let stamped = match self.transition(&claimed, claimed.state, |_| ()).await? {
            Cas::Won(o) | Cas::Lost(o) => o,
        };
        looked.map(|_| stamped)
    }

    /// SearchTrade, with GMO out of reach as [`PaymentError::OutcomePending`].
    async fn lookup_or_pending(
        &self,
        order_id: &crate::types::OrderId,
    ) -> Result<Option<crate::api::TradeState>, PaymentError> {
        self.lookup(order_id)
            .await
            .map_err(|_| PaymentError::OutcomePending)
    }
}
