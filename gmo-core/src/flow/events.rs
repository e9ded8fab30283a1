//! Delivering payment events to the merchant's app: a handler the app registers, and a loop
//! that hands it every event at least once, an order's events in order (different orders'
//! side by side, in batches), retrying with back-off when it fails. Instances lease the events
//! they deliver, so two never hand over one event at once; a failing handler delays only its
//! own events, never a payment.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use tokio::task::JoinSet;
use tracing::Instrument as _;

use super::{PaymentError, Payments};
use crate::event::{PaymentEvent, StoredEvent};
use crate::store::Lease;

/// The merchant's app's part: acting on a payment event (send the confirmation mail, reserve
/// stock, hand the order to the warehouse).
///
/// Called at least once per event: a crash after the app acted and before the delivery was
/// recorded hands the event over again, so act once per [`PaymentEvent::id`] (keep it with what
/// you did, in the same transaction). An order's events come in order, each after the one
/// before was handled and its delivery recorded.
///
/// Called concurrently for different orders: a delivery pass hands up to 64 events of as many
/// orders over at the same time, one call per order, so the handler must cope with calls side
/// by side (it is `Send + Sync`); a slow call holds back only its own order.
///
/// ```
/// use gmo_core::event::{EventKind, PaymentEvent};
/// use gmo_core::flow::{HandlerError, PaymentEventHandler};
///
/// struct Fulfilment;
///
/// #[async_trait::async_trait]
/// impl PaymentEventHandler for Fulfilment {
///     async fn handle(&self, event: &PaymentEvent) -> Result<(), HandlerError> {
///         if event.kind == EventKind::Authorized {
///             // Insert "ship order {event.order_id}" unless event.id was seen before.
///         }
///         Ok(())
///     }
/// }
/// ```
#[async_trait::async_trait]
pub trait PaymentEventHandler: Send + Sync {
    /// Acts on one event, within 5 seconds. An error (or a handler that takes longer) is logged
    /// and the event handed over again later (after 1 s, then 2, 4… up to an hour); the order's
    /// later events wait for it.
    async fn handle(&self, event: &PaymentEvent) -> Result<(), HandlerError>;
}

/// A handler's failure: its source is kept for the logs.
pub struct HandlerError {
    source: Box<dyn std::error::Error + Send + Sync + 'static>,
}

impl HandlerError {
    /// Wraps any error of the app.
    pub fn new(source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Self {
            source: source.into(),
        }
    }
}

impl fmt::Debug for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("HandlerError").field(&self.source).finish()
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the payment event handler failed: {}", self.source)
    }
}

impl std::error::Error for HandlerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// What one delivery pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryReport {
    /// Events the handler took.
    pub delivered: usize,
    /// Events the handler failed on (handed over again later).
    pub failed: usize,
}

/// How long a pass starts handing events over.
const PASS_TIME: Duration = Duration::from_secs(30);

/// How long the handler may take over one event before the attempt counts as failed. A batch
/// is leased just before it is handed over, for twice this: its events are handed over at
/// once, side by side, so an instance that dies while handing them over holds them back at
/// most that long.
const HANDLER_TIME: Duration = Duration::from_secs(5);

/// The most events one lease takes. A pass hands them over together and marks the delivered
/// ones in one write: two store writes for a batch instead of three per event.
const BATCH: usize = 64;

/// The longest wait before an event is handed over again.
const MAX_BACKOFF_SECS: u64 = 3600;

/// What became of one handed-over event.
type Handled = Result<(), HandlerError>;

impl Payments {
    /// One delivery pass: every due event to the [handler](super::PaymentsBuilder::event_handler)
    /// (none without one), until none is due or half a minute is spent.
    ///
    /// Events go in batches of up to 64, each batch leased just before it is handed over, for
    /// 10 s. The store leases an order's first undelivered event only, so a batch holds at
    /// most one event per order, and the batch's events are handed over at the same time, one
    /// task per order, each within the 5 s the handler has: the lease covers the whole
    /// hand-over, and an instance that dies holds a batch back at most ten seconds. The
    /// delivered events are then marked in one write, the failed ones one by one with their
    /// back-off; an order's next event comes in a later batch, once the one before is delivered.
    #[tracing::instrument(name = "payments.deliver_events", skip_all)]
    pub async fn deliver_events(&self) -> Result<DeliveryReport, PaymentError> {
        let mut report = DeliveryReport::default();
        let Some(handler) = self.inner.event_handler.clone() else {
            return Ok(report);
        };
        let store = &self.inner.store;
        let owner = format!("deliver-{:032x}", rand::random::<u128>());
        let started = Instant::now();
        while started.elapsed() < PASS_TIME {
            let now = OffsetDateTime::now_utc();
            let lease = Lease {
                owner: owner.clone(),
                taken_at: now,
                until: now + HANDLER_TIME * 2,
            };
            let leased = store.lease_events(&lease, BATCH).await?;
            if leased.is_empty() {
                break;
            }
            let (batch, handled) = hand_over(&handler, leased).await;
            let delivered: Vec<u64> = batch
                .iter()
                .zip(&handled)
                .filter(|(_, handled)| handled.is_ok())
                .map(|(stored, _)| stored.seq)
                .collect();
            // One write for the whole batch; an empty one writes nothing.
            if !delivered.is_empty() {
                store
                    .events_delivered(&delivered, OffsetDateTime::now_utc())
                    .await?;
            }
            report.delivered += delivered.len();
            for (stored, handled) in batch.iter().zip(handled) {
                if let Err(error) = handled {
                    self.delivery_failed(stored, &error).await?;
                    report.failed += 1;
                }
            }
        }
        Ok(report)
    }

    /// Counts a failed hand-over: the event is due again after its back-off.
    async fn delivery_failed(
        &self,
        stored: &StoredEvent,
        error: &HandlerError,
    ) -> Result<(), PaymentError> {
        let event = &stored.event;
        let wait = 1u64
            .checked_shl(stored.attempts)
            .unwrap_or(MAX_BACKOFF_SECS)
            .min(MAX_BACKOFF_SECS);
        tracing::warn!(
            event_id = %event.id,
            order_id = %event.order_id,
            kind = %event.kind,
            attempts = stored.attempts + 1,
            retry_in_secs = wait,
            error = %error,
            "the payment event handler failed; handing the event over again later"
        );
        let retry_at = OffsetDateTime::now_utc() + Duration::from_secs(wait);
        self.inner.store.event_failed(stored.seq, retry_at).await?;
        Ok(())
    }

    /// Runs [`Payments::deliver_events`] every `period` until the returned task is aborted.
    /// Spawn it once per app instance, beside [`Payments::reconcile_every`].
    pub fn deliver_events_every(&self, period: Duration) -> tokio::task::JoinHandle<()> {
        self.every(period, "event delivery pass", |payments| async move {
            payments
                .deliver_events()
                .await
                .map(|report| format!("{report:?}"))
        })
    }

    /// The event feed, for an app that pulls instead of (or beside) a handler: events whose
    /// `seq` is above `cursor`, in order, at most `limit`. Keep the last `seq` as the cursor.
    ///
    /// An order's events always come in order. Across orders, on PostgreSQL, two writes that
    /// commit together may show their events a moment apart out of `seq` order (a `seq` is
    /// taken when the event is written, seen when its transaction commits): a puller that must
    /// see every event reads again from a cursor a little behind, and skips the ids it has.
    /// The handler's delivery has no such gap.
    pub async fn events_after(
        &self,
        cursor: u64,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, PaymentError> {
        Ok(self.inner.store.events_after(cursor, limit).await?)
    }
}

/// Hands a leased batch over, one task per order, all at once, each event within
/// [`HANDLER_TIME`]; answers the events handed over and what became of each. The store leases
/// only an order's first undelivered event, so a batch holds one event per order; were a store
/// to answer more, the later ones are left out (their lease runs out, and a later pass takes
/// them in order), since the lease covers one hand-over per order.
async fn hand_over(
    handler: &Arc<dyn PaymentEventHandler>,
    leased: Vec<StoredEvent>,
) -> (Vec<StoredEvent>, Vec<Handled>) {
    let mut orders = HashSet::new();
    let batch: Vec<StoredEvent> = leased
        .into_iter()
        .filter(|stored| orders.insert(stored.event.order_id.clone()))
        .collect();
    let mut tasks = JoinSet::new();
    for (at, stored) in batch.iter().enumerate() {
        let (handler, event) = (handler.clone(), stored.event.clone());
        tasks.spawn(
            async move {
                let handled = tokio::time::timeout(HANDLER_TIME, handler.handle(&event))
                    .await
                    .unwrap_or_else(|_| Err(HandlerError::new("the handler took longer than 5 s")));
                (at, handled)
            }
            .in_current_span(),
        );
    }
    let mut handled: Vec<Option<Handled>> = batch.iter().map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        // A task that panicked answers nothing: its event counts as failed below.
        if let Ok((at, result)) = joined
            && let Some(slot) = handled.get_mut(at)
        {
            *slot = Some(result);
        }
    }
    let handled = handled
        .into_iter()
        .map(|h| h.unwrap_or_else(|| Err(HandlerError::new("the handler panicked"))))
        .collect();
    (batch, handled)
}
