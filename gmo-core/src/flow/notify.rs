//! GMO's result notifications: stored first, acknowledged once stored, and acted on only through
//! SearchTrade (a notification is unsigned: anyone who can reach the URL can post one).

use time::OffsetDateTime;

use super::{PaymentError, Payments};
use crate::notification::ResultNotification;
use crate::store::{InboxEntry, Inserted};

/// A notification is safely stored: answer GMO with the body `0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotificationAck {
    /// Stored (or stored before) and acted on.
    Processed,
    /// Stored; acting on it failed for now and reconciliation retries it.
    Stored,
    /// GMO's connectivity test: nothing to store.
    ConnectivityTest,
}

impl NotificationAck {
    /// The body GMO expects: `0`.
    pub const BODY: &'static str = "0";
}

impl Payments {
    /// Takes a result notification (GMO's Windows-31J form body): checks the shop, stores it in
    /// the inbox, then settles the order against SearchTrade.
    ///
    /// `Ok` means "answer `0`"; an error means "do not acknowledge" (GMO re-sends): an unreadable
    /// body, another shop's notification, or a store failure.
    #[tracing::instrument(name = "payments.notification", skip_all)]
    pub async fn handle_notification(&self, body: &[u8]) -> Result<NotificationAck, PaymentError> {
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
        let entry = InboxEntry {
            key: notification.key(),
            notification,
            received_at: OffsetDateTime::now_utc(),
            processed_at: None,
        };
        let entry = match self.inner.store.insert_notification(&entry).await? {
            Inserted::Created => entry,
            Inserted::Existing(existing) if existing.processed_at.is_some() => {
                return Ok(NotificationAck::Processed);
            }
            Inserted::Existing(existing) => existing,
        };
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
