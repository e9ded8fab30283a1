//! Persistence: the [`PaymentStore`] trait the merchant implements, and [`MemoryStore`].
//!
//! The store is the merchant's half of exactly-once: inserts are create-only and order updates
//! are a compare-and-set on the order state, so that of any number of concurrent requests exactly
//! one wins the claim on a GMO call. Nothing a store accepts can carry card data, a card token or
//! the shop and site passwords; [`Order::access_pass`](crate::order::Order::access_pass) is the
//! one secret a store keeps (later calls need it): protect it like a password (encrypt the column
//! or the database at rest, keep it out of logs).
//!
//! # Implementing a store
//!
//! ```
//! use std::sync::Mutex;
//! use gmo_core::store::{Inserted, InboxEntry, Member, PaymentStore, StoreError, Updated};
//! use gmo_core::order::{CustomerId, Order, OrderState};
//! use gmo_core::types::{AccessId, OrderId};
//! use time::OffsetDateTime;
//!
//! /// A store in a merchant's own persistence layer (here, simply wrapping the memory store).
//! #[derive(Default)]
//! struct MyStore(gmo_core::store::MemoryStore);
//!
//! #[async_trait::async_trait]
//! impl PaymentStore for MyStore {
//!     async fn member(&self, c: &CustomerId) -> Result<Option<Member>, StoreError> { self.0.member(c).await }
//!     async fn insert_member(&self, m: &Member) -> Result<Inserted<Member>, StoreError> { self.0.insert_member(m).await }
//!     async fn order(&self, id: &OrderId) -> Result<Option<Order>, StoreError> { self.0.order(id).await }
//!     async fn order_by_access_id(&self, id: &AccessId) -> Result<Option<Order>, StoreError> { self.0.order_by_access_id(id).await }
//!     async fn insert_order(&self, o: &Order) -> Result<Inserted<Order>, StoreError> { self.0.insert_order(o).await }
//!     async fn update_order(&self, o: &Order, expected: OrderState) -> Result<Updated, StoreError> { self.0.update_order(o, expected).await }
//!     async fn orders_to_reconcile(&self, before: OffsetDateTime, limit: usize) -> Result<Vec<Order>, StoreError> { self.0.orders_to_reconcile(before, limit).await }
//!     async fn insert_notification(&self, e: &InboxEntry) -> Result<Inserted<InboxEntry>, StoreError> { self.0.insert_notification(e).await }
//!     async fn unprocessed_notifications(&self, limit: usize) -> Result<Vec<InboxEntry>, StoreError> { self.0.unprocessed_notifications(limit).await }
//!     async fn mark_notification_processed(&self, key: &str, at: OffsetDateTime) -> Result<(), StoreError> { self.0.mark_notification_processed(key, at).await }
//! }
//! ```

mod memory;

use std::fmt;

use time::OffsetDateTime;

pub use memory::MemoryStore;

use crate::notification::ResultNotification;
use crate::order::{CustomerId, Order, OrderState};
use crate::types::{AccessId, MemberId, OrderId};

/// The customer ↔ GMO member mapping. GMO keeps the cards; we keep only which member is whose.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Member {
    /// The merchant's customer.
    pub customer_id: CustomerId,
    /// The GMO `MemberID` that holds the customer's cards.
    pub member_id: MemberId,
    /// When the mapping was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A result notification kept in the inbox before GMO is told it arrived.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InboxEntry {
    /// The idempotency key, [`ResultNotification::key`].
    pub key: String,
    /// What GMO sent.
    pub notification: ResultNotification,
    /// When it first arrived.
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// When the core finished with it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub processed_at: Option<OffsetDateTime>,
}

/// The answer of a create-only insert.
#[derive(Debug, Clone, PartialEq)]
pub enum Inserted<T> {
    /// The record was new and is now stored.
    Created,
    /// A record with the same key already existed; here it is, unchanged.
    Existing(T),
}

/// The answer of a compare-and-set update.
#[derive(Debug, Clone, PartialEq)]
pub enum Updated {
    /// The stored state was the expected one; the record is replaced.
    Done,
    /// The stored state was another: nothing was written. Here is the current record.
    Conflict(Box<Order>),
    /// No order has this id.
    NotFound,
}

/// A failure of the merchant's store. It keeps its source, for logs and `Error::source`.
pub struct StoreError {
    source: Box<dyn std::error::Error + Send + Sync + 'static>,
}

impl StoreError {
    /// Wraps any error of the storage layer.
    pub fn new(source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Self {
            source: source.into(),
        }
    }
}

impl fmt::Debug for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("StoreError").field(&self.source).finish()
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the payment store failed")
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// Persistence for payments, implemented by the merchant (or taken from `gmo-sqlx`).
///
/// Used as `Arc<dyn PaymentStore>`. Every method must be atomic on its own; the core needs no
/// transactions across methods. Run [the conformance suite](crate::store) (feature `test-util`)
/// against an implementation: a store that fails it voids the exactly-once guarantee.
#[async_trait::async_trait]
pub trait PaymentStore: Send + Sync {
    /// The GMO member of a customer, if one was made.
    async fn member(&self, customer: &CustomerId) -> Result<Option<Member>, StoreError>;

    /// Stores a customer's member, create-only: if the customer already has one, answers
    /// [`Inserted::Existing`] with it and changes nothing.
    async fn insert_member(&self, member: &Member) -> Result<Inserted<Member>, StoreError>;

    /// An order by its id.
    async fn order(&self, order_id: &OrderId) -> Result<Option<Order>, StoreError>;

    /// An order by its GMO AccessID.
    async fn order_by_access_id(&self, access_id: &AccessId) -> Result<Option<Order>, StoreError>;

    /// Stores a new order, create-only: if the id exists, answers [`Inserted::Existing`] with the
    /// stored order and changes nothing.
    async fn insert_order(&self, order: &Order) -> Result<Inserted<Order>, StoreError>;

    /// Replaces the stored order with `order` if and only if the stored state is `expected`
    /// (one atomic compare-and-set). The store indexes `access_id` for
    /// [`PaymentStore::order_by_access_id`].
    async fn update_order(
        &self,
        order: &Order,
        expected: OrderState,
    ) -> Result<Updated, StoreError>;

    /// Orders whose state [needs settling](OrderState::needs_settling) and whose `updated_at` is
    /// before `updated_before`, oldest first, at most `limit`.
    async fn orders_to_reconcile(
        &self,
        updated_before: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<Order>, StoreError>;

    /// Stores a notification in the inbox, create-only by key. Must be durable when it returns:
    /// GMO is acknowledged right after.
    async fn insert_notification(
        &self,
        entry: &InboxEntry,
    ) -> Result<Inserted<InboxEntry>, StoreError>;

    /// Inbox entries not yet processed, oldest first, at most `limit`.
    async fn unprocessed_notifications(&self, limit: usize) -> Result<Vec<InboxEntry>, StoreError>;

    /// Marks an inbox entry processed. Unknown keys are ignored.
    async fn mark_notification_processed(
        &self,
        key: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError>;
}

#[cfg(feature = "test-util")]
pub mod conformance;
