//! Reconciliation: orders that stand still (a closed browser tab, a lost answer, a crash between
//! a GMO call and the store write) are settled with SearchTrade, and stored notifications that
//! could not be acted on are retried.

use std::time::Duration;

use time::OffsetDateTime;

use super::settle::{Decision, GmoView, decide};
use super::{PaymentError, Payments, record_trade};
use crate::order::{Order, OrderState};

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
}

/// How many orders and notifications one pass takes.
const BATCH: usize = 100;

impl Payments {
    /// One reconciliation pass over orders untouched for longer than the
    /// [`reconcile_after`](super::PaymentsBuilder::reconcile_after) setting.
    pub async fn reconcile(&self) -> Result<ReconcileReport, PaymentError> {
        self.reconcile_older_than(self.settings().reconcile_after)
            .await
    }

    /// One reconciliation pass over orders untouched for longer than `older_than`.
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
        let cutoff = OffsetDateTime::now_utc() - older_than;
        for order in store.orders_to_reconcile(cutoff, BATCH).await? {
            report.examined += 1;
            let before = order.state;
            match self.settle(order, true).await {
                Ok(after) if after.state != before => report.changed += 1,
                Ok(after) if after.state.is_terminal() => {}
                _ => report.unsettled += 1,
            }
        }
        Ok(report)
    }

    /// Runs [`Payments::reconcile`] every `period` until the returned task is aborted. Spawn it
    /// once per app (several instances may run it; the claims keep them from colliding).
    pub fn reconcile_every(&self, period: Duration) -> tokio::task::JoinHandle<()> {
        let payments = self.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(period);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                match payments.reconcile().await {
                    Ok(report) => tracing::debug!(?report, "reconciliation pass"),
                    Err(e) => tracing::warn!(reason = e.reason(), "reconciliation pass failed"),
                }
            }
        })
    }

    /// Settles `order` against SearchTrade. `stale` allows resolving claims whose owner is gone.
    /// [`PaymentError::OutcomePending`] when GMO cannot be asked.
    pub(super) async fn settle(
        &self,
        mut order: Order,
        stale: bool,
    ) -> Result<Order, PaymentError> {
        if order.state.is_terminal() {
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
        let trade = self
            .lookup(&order.order_id)
            .await
            .map_err(|_| PaymentError::OutcomePending)?;
        let view = GmoView {
            status: trade.as_ref().map(|t| t.status.clone()),
            amount: trade.as_ref().map(|t| t.amount.yen()),
        };
        // A few steps at most: a record may hand the order to a flow step.
        for _ in 0..4 {
            order = match decide(&order, &view, stale) {
                Decision::Wait => return Ok(order),
                Decision::Record(state) => {
                    self.settle_to(&order, state, |o| {
                        if let Some(trade) = &trade {
                            record_trade(o, trade);
                        }
                        if matches!(state, OrderState::Failed | OrderState::Expired) {
                            o.redirect_url = None;
                        }
                    })
                    .await?
                }
                // Boxed: finalizing may settle again after a lost answer.
                Decision::Finalize => return Box::pin(self.finalize(order)).await,
                Decision::AttachCard => return self.attach_card(order).await,
                Decision::CheckAttachedCard => match &trade {
                    Some(trade) => self.resolve_attach(order, trade).await?,
                    None => return Ok(order),
                },
            };
            if order.state.is_terminal() {
                break;
            }
        }
        Ok(order)
    }
}
