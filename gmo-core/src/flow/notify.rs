//! GMO's result notifications: matched against a stored order, stored first, acknowledged once
//! stored, and acted on only through SearchTrade (a notification is unsigned: anyone who can
//! reach the URL can post one).
//!
//! What a notification can cost is bounded, whoever sends it:
//!
//! - one that matches no stored order (its ShopID, OrderID and AccessID) is acknowledged and
//!   dropped: nothing is stored, GMO is not called;
//! - one that tells what the stored order already says is acknowledged without a write or a call;
//! - the inbox holds at most one entry per order (a newer notification replaces the order's
//!   entry), so it never has more rows than there are orders;
//! - an order is looked up for a notification at most once per
//!   [cool-down](NotificationPolicy::cool_down): a notification that comes sooner is stored and
//!   left to reconciliation, which takes the stored notifications first in each pass.

use std::time::Duration;

use subtle::ConstantTimeEq as _;
use time::OffsetDateTime;

use super::{PaymentError, Payments};
use crate::notification::ResultNotification;
use crate::order::{Order, OrderState};
use crate::store::InboxEntry;

/// A notification needs no retry from GMO: answer it with the body `0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotificationAck {
    /// Stored and acted on.
    Processed,
    /// Stored; acting on it failed for now and reconciliation retries it.
    Stored,
    /// Stored; the order was looked up for a notification less than the cool-down ago, so
    /// reconciliation acts on it.
    Deferred,
    /// The stored order already stands where the notification says: nothing stored or called.
    AlreadyKnown,
    /// No stored order has this OrderID and AccessID: nothing stored or called. Acknowledged all
    /// the same, so that GMO does not re-send a notification that will never be acted on.
    Unmatched,
    /// GMO's connectivity test: nothing to store.
    ConnectivityTest,
}

impl NotificationAck {
    /// The body GMO expects: `0`.
    pub const BODY: &'static str = "0";
}

/// How often a notification may make the flows look an order up at GMO.
///
/// ```
/// use std::time::Duration;
/// use gmo_core::flow::NotificationPolicy;
///
/// let policy = NotificationPolicy::default().cool_down(Duration::from_secs(30));
/// assert_eq!(policy.cool_down_time(), Duration::from_secs(30));
/// assert_eq!(NotificationPolicy::default().cool_down_time(), NotificationPolicy::DEFAULT_COOL_DOWN);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotificationPolicy {
    cool_down: Duration,
}

impl Default for NotificationPolicy {
    fn default() -> Self {
        Self {
            cool_down: Self::DEFAULT_COOL_DOWN,
        }
    }
}

impl NotificationPolicy {
    /// The default cool-down: 10 seconds. GMO sends one notification per operation, so a real
    /// one rarely meets it; a flood for one order costs one SearchTrade per cool-down and one
    /// per reconciliation pass.
    pub const DEFAULT_COOL_DOWN: Duration = Duration::from_secs(10);

    /// A notification for an order looked up for a notification less than `cool_down` ago is
    /// stored but not acted on at once: reconciliation acts on it. `Duration::ZERO` acts on
    /// every notification that changes something at once.
    pub fn cool_down(mut self, cool_down: Duration) -> Self {
        self.cool_down = cool_down;
        self
    }

    /// The cool-down.
    pub fn cool_down_time(&self) -> Duration {
        self.cool_down
    }
}

impl Payments {
    /// [`Payments::handle_notification_with`] the [default policy](NotificationPolicy::default).
    pub async fn handle_notification(&self, body: &[u8]) -> Result<NotificationAck, PaymentError> {
        self.handle_notification_with(body, &NotificationPolicy::default())
            .await
    }

    /// Takes a result notification (GMO's Windows-31J form body): checks the shop, matches it
    /// with the stored order (OrderID and AccessID), stores it in the inbox (replacing the
    /// order's earlier entry), then settles the order against SearchTrade, unless `policy`'s
    /// cool-down says to leave it to reconciliation.
    ///
    /// `Ok` means "answer `0`"; an error means "do not acknowledge" (GMO re-sends): an unreadable
    /// body, another shop's notification, or a store failure.
    #[tracing::instrument(name = "payments.notification", skip_all)]
    pub async fn handle_notification_with(
        &self,
        body: &[u8],
        policy: &NotificationPolicy,
    ) -> Result<NotificationAck, PaymentError> {
        let notification = ResultNotification::parse(body)?;
        let ours = self
            .inner
            .client
            .shop_id()
            .is_some_and(|id| id.as_str() == notification.shop_id);
        if !ours {
            tracing::warn!("a result notification for another shop was refused");
            return Err(PaymentError::ForeignShop);
        }
        if notification.is_connectivity_test() {
            return Ok(NotificationAck::ConnectivityTest);
        }
        let order = match &notification.order_id {
            Some(order_id) => self.inner.store.order(order_id).await?,
            None => None,
        };
        let Some(order) = order.filter(|o| same_access_id(o, &notification)) else {
            // No values: whoever sent it chose them.
            tracing::warn!("a result notification matching no stored order was dropped");
            return Ok(NotificationAck::Unmatched);
        };
        if already_known(&order, &notification) {
            tracing::debug!(order_id = %order.order_id, "notification tells nothing new");
            return Ok(NotificationAck::AlreadyKnown);
        }
        let now = OffsetDateTime::now_utc();
        let entry = InboxEntry {
            key: notification.key(),
            notification,
            received_at: now,
            processed_at: None,
        };
        let replaced = self.inner.store.put_notification(&entry).await?;
        if let Some(replaced) = replaced {
            // The replaced entry's last moment: when it was acted on, or, still pending, when
            // it came (it is acted on soon, by its own request or by reconciliation).
            let last = replaced.processed_at.unwrap_or(replaced.received_at);
            if now - last < policy.cool_down {
                tracing::info!(order_id = %order.order_id, "notification stored; settling it later (cool-down)");
                return Ok(NotificationAck::Deferred);
            }
        }
        Ok(match self.process_notification(&entry).await {
            Ok(()) => NotificationAck::Processed,
            Err(e) => {
                tracing::info!(
                    reason = e.reason(),
                    "notification stored; settling it later"
                );
                NotificationAck::Stored
            }
        })
    }

    /// Settles the order a stored notification is about, then marks it processed.
    pub(super) async fn process_notification(
        &self,
        entry: &InboxEntry,
    ) -> Result<(), PaymentError> {
        if let Some(order_id) = &entry.notification.order_id {
            match self.inner.store.order(order_id).await? {
                Some(order) => {
                    self.settle(order, false).await?;
                }
                None => {
                    tracing::info!(order_id = %order_id, "notification for an order we do not know")
                }
            }
        }
        self.inner
            .store
            .mark_notification_processed(&entry.key, OffsetDateTime::now_utc())
            .await?;
        Ok(())
    }
}

/// Whether the notification's AccessID is the stored order's, compared in constant time: the
/// AccessID is what tells GMO's notification from a guess at an OrderID.
fn same_access_id(order: &Order, notification: &ResultNotification) -> bool {
    order.access_id.as_ref().is_some_and(|id| {
        bool::from(
            id.as_str()
                .as_bytes()
                .ct_eq(notification.access_id.as_bytes()),
        )
    })
}

/// Whether the stored order already stands where the notification says: settled in the state
/// its Status means, with that amount, tax and TranID, and that GMO status when one was read
/// (the flows' own calls settle an order without reading GMO's status). Acting on it would only
/// repeat a SearchTrade that tells what the order says. Only ever a reason to do nothing: an
/// unsigned notification never moves an order by itself.
fn already_known(order: &Order, n: &ResultNotification) -> bool {
    let Some(status) = &n.status else {
        return false;
    };
    OrderState::from_gmo_status(status, order.purpose) == Some(order.state)
        && order.gmo_status.as_ref().is_none_or(|s| s == status)
        && n.amount.is_none_or(|a| a == order.amount.yen())
        && n.tax.is_none_or(|t| t == order.tax.yen())
        && order.tran_id.as_deref() == Some(n.tran_id.as_str())
}
