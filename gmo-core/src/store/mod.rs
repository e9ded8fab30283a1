//! Persistence: the [`PaymentStore`] trait the merchant implements, and [`MemoryStore`].
//!
//! # The concurrency contract
//!
//! The store is the merchant's half of exactly-once. Any number of requests, notifications and
//! reconcilers, in any number of app instances, may act on one order at once, each from its own
//! copy of it; the store decides which of them may write:
//!
//! 1. **Inserts are create-only.** A second insert of the same key changes nothing and answers
//!    the stored record ([`Inserted::Existing`]).
//! 2. **Every order carries a version** ([`Order::version`](crate::order::Order::version)), 0 when
//!    prepared. [`PaymentStore::update_order`] writes an order only if the stored version is still
//!    the one the caller read, and stores it with that version plus one; otherwise it writes
//!    nothing and answers the current record ([`Updated::Conflict`]). It never retries on its
//!    own. The state is *not* what is compared: an order that went
//!    `finalizing → awaiting_three_ds → finalizing` is in the state a stale copy saw, but at a
//!    later version, so the stale copy can never claim it again.
//! 3. **Reconciliation leases what it settles.** [`PaymentStore::lease_orders_to_reconcile`]
//!    hands each due order to at most one [`Lease`] at a time, atomically, orders with money at
//!    stake first ([`OrderState::settles_first`](crate::order::OrderState::settles_first)); a lease
//!    runs out at its `until` (its holder died) or is released
//!    ([`PaymentStore::release_leases`]). Taking a lease changes neither the order nor its
//!    version: it keeps reconcilers apart, while the version keeps everyone apart.
//!
//! 4. **Events are written with their change.** [`PaymentStore::update_order`] appends the
//!    change's [events](crate::event) in the same atomic write, or none if it writes nothing;
//!    event deliveries are leased like reconciliation, and an order's events go out in order.
//!
//! The core claims an order (moves it into a claim state, see [`crate::order`]) by rule 2 before
//! every money-moving GMO call, on the version it has just read, and only the winner calls GMO.
//! Every method must be atomic on its own; the core needs no transaction across methods.
//!
//! Nothing a store accepts can carry card data, a card token or the shop and site passwords;
//! [`Order::access_pass`](crate::order::Order::access_pass) is the one secret a store keeps (later
//! calls need it): protect it like a password (encrypt the column or the database at rest, keep it
//! out of logs). Check an implementation with the conformance suite, `store::conformance`
//! (feature `test-util`).
//!
//! # Implementing a store
//!
//! ```
//! use gmo_core::event::{PaymentEvent, StoredEvent};
//! use gmo_core::store::{Inserted, InboxEntry, Lease, Member, PaymentStore, StoreError, Updated};
//! use gmo_core::order::Order;
//! use gmo_core::customer::CustomerId;
//! use gmo_core::values::{AccessId, OrderId};
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
//!     async fn delete_member(&self, c: &CustomerId) -> Result<(), StoreError> { self.0.delete_member(c).await }
//!     async fn has_claims(&self, c: &CustomerId) -> Result<bool, StoreError> { self.0.has_claims(c).await }
//!     async fn order(&self, id: &OrderId) -> Result<Option<Order>, StoreError> { self.0.order(id).await }
//!     async fn order_by_access_id(&self, id: &AccessId) -> Result<Option<Order>, StoreError> { self.0.order_by_access_id(id).await }
//!     async fn insert_order(&self, o: &Order) -> Result<Inserted<Order>, StoreError> { self.0.insert_order(o).await }
//!     async fn update_order(&self, o: &Order, read_version: u64, e: &[PaymentEvent]) -> Result<Updated, StoreError> { self.0.update_order(o, read_version, e).await }
//!     async fn events_after(&self, cursor: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> { self.0.events_after(cursor, limit).await }
//!     async fn lease_events(&self, l: &Lease, limit: usize) -> Result<Vec<StoredEvent>, StoreError> { self.0.lease_events(l, limit).await }
//!     async fn events_delivered(&self, seqs: &[u64], at: OffsetDateTime) -> Result<(), StoreError> { self.0.events_delivered(seqs, at).await }
//!     async fn event_failed(&self, seq: u64, retry_at: OffsetDateTime) -> Result<(), StoreError> { self.0.event_failed(seq, retry_at).await }
//!     async fn lease_orders_to_reconcile(&self, l: &Lease, before: OffsetDateTime, limit: usize) -> Result<Vec<Order>, StoreError> { self.0.lease_orders_to_reconcile(l, before, limit).await }
//!     async fn release_leases(&self, owner: &str) -> Result<(), StoreError> { self.0.release_leases(owner).await }
//!     async fn put_notification(&self, e: &InboxEntry) -> Result<Option<InboxEntry>, StoreError> { self.0.put_notification(e).await }
//!     async fn unprocessed_notifications(&self, limit: usize) -> Result<Vec<InboxEntry>, StoreError> { self.0.unprocessed_notifications(limit).await }
//!     async fn mark_notification_processed(&self, key: &str, at: OffsetDateTime) -> Result<(), StoreError> { self.0.mark_notification_processed(key, at).await }
//! }
//! ```

mod memory;

use std::fmt;

use time::OffsetDateTime;

pub use memory::MemoryStore;

use crate::customer::CustomerId;
use crate::event::{PaymentEvent, StoredEvent};
use crate::notification::ResultNotification;
use crate::order::Order;
use crate::values::{AccessId, MemberId, OrderId};

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

/// A result notification kept in the inbox before GMO is told it arrived: the latest one of its
/// order (the inbox keeps one entry per order, see [`PaymentStore::put_notification`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InboxEntry {
    /// The delivery's key, [`ResultNotification::key`]: [`PaymentStore::mark_notification_processed`]
    /// marks the entry only while it is still this delivery.
    pub key: String,
    /// What GMO sent.
    pub notification: ResultNotification,
    /// When it arrived.
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
    /// The stored version was the one read; the record is replaced.
    Done,
    /// The order was updated since it was read: nothing was written. Here is the current record.
    Conflict(Box<Order>),
    /// No order has this id.
    NotFound,
}

/// A reconciler's hold on the orders it settles: until `until`, no other lease takes them.
///
/// Times come from the reconciler's clock; instances whose clocks disagree by less than the
/// lease's length still never hold one order at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// Who holds it: unique to one reconciliation pass of one instance.
    pub owner: String,
    /// When it is taken: leases that ran out by then are free.
    pub taken_at: OffsetDateTime,
    /// When it runs out, if not released before.
    pub until: OffsetDateTime,
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

    /// Forgets a customer's member (the customer closed their account; GMO's member is deleted
    /// first). Unknown customers are ignored.
    async fn delete_member(&self, customer: &CustomerId) -> Result<(), StoreError>;

    /// Whether any of the customer's orders stands in a claim state (a GMO call may be in
    /// flight for it).
    async fn has_claims(&self, customer: &CustomerId) -> Result<bool, StoreError>;

    /// An order by its id.
    async fn order(&self, order_id: &OrderId) -> Result<Option<Order>, StoreError>;

    /// An order by its GMO AccessID.
    async fn order_by_access_id(&self, access_id: &AccessId) -> Result<Option<Order>, StoreError>;

    /// Stores a new order, create-only: if the id exists, answers [`Inserted::Existing`] with the
    /// stored order and changes nothing.
    async fn insert_order(&self, order: &Order) -> Result<Inserted<Order>, StoreError>;

    /// Writes `order` if and only if the stored order's version is still `read_version`, the
    /// version of the copy the caller changed (one atomic compare-and-set); `order.version` is
    /// `read_version + 1` and is stored as given. In the same atomic write, and only if the
    /// order is written, appends `events` to the event feed, in their order, undelivered and due
    /// at once. Answers [`Updated::Conflict`] with the current record when the versions differ,
    /// whatever the states, and never retries. The store indexes `access_id` for
    /// [`PaymentStore::order_by_access_id`], and leaves leases alone.
    async fn update_order(
        &self,
        order: &Order,
        read_version: u64,
        events: &[PaymentEvent],
    ) -> Result<Updated, StoreError>;

    /// Events of the feed whose `seq` is above `cursor`, in `seq` order, at most `limit`.
    async fn events_after(&self, cursor: u64, limit: usize)
    -> Result<Vec<StoredEvent>, StoreError>;

    /// Takes `lease` on at most `limit` events to deliver, and answers them in `seq` order:
    /// undelivered, due at `lease.taken_at`, held by no lease then, and the first undelivered
    /// event of their order (so that an order's events are handed over in order). Atomic, like
    /// [`PaymentStore::lease_orders_to_reconcile`].
    async fn lease_events(
        &self,
        lease: &Lease,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError>;

    /// Marks the events `seqs` delivered at `at` (those not delivered before), and frees their
    /// leases: one atomic write for the whole batch a delivery pass handed over, none for an
    /// empty slice. A `seq` that is not in the feed is passed over.
    async fn events_delivered(&self, seqs: &[u64], at: OffsetDateTime) -> Result<(), StoreError>;

    /// Counts a failed delivery of event `seq` (if it is not delivered): one more attempt, due
    /// again at `retry_at`, its lease freed.
    async fn event_failed(&self, seq: u64, retry_at: OffsetDateTime) -> Result<(), StoreError>;

    /// Takes `lease` on at most `limit` orders that [need settling](crate::order::OrderState::needs_settling),
    /// whose `updated_at` is before `updated_before`, and that no lease holds at
    /// `lease.taken_at` (never leased, released, or run out), and answers them: those that
    /// [settle first](crate::order::OrderState::settles_first), then the others, each group
    /// oldest first. Atomic: of concurrent callers, each order goes to one. The orders are
    /// answered as stored, with their versions unchanged.
    async fn lease_orders_to_reconcile(
        &self,
        lease: &Lease,
        updated_before: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<Order>, StoreError>;

    /// Releases every lease `owner` holds.
    async fn release_leases(&self, owner: &str) -> Result<(), StoreError>;

    /// Stores `entry` as the inbox entry of its order (`entry.notification.order_id`, always
    /// `Some` from the core; a store may refuse `None`), as given (pending when the core puts
    /// it), replacing the order's earlier entry, pending or processed, whatever its key: the
    /// inbox holds at most one entry per order, so notifications cannot grow it beyond the
    /// orders. Answers the entry it replaced, as it stood (`None` for the order's first).
    ///
    /// Atomic: of concurrent puts for one order, exactly one entry remains, and each put
    /// answers an entry that was stored before it (concurrent first puts may each answer
    /// `None`). Must be durable when it returns: GMO is acknowledged right after.
    async fn put_notification(&self, entry: &InboxEntry) -> Result<Option<InboxEntry>, StoreError>;

    /// Inbox entries not yet processed, at most `limit`, oldest first: in the order their
    /// orders' entries first came (a replaced entry keeps its order's place).
    async fn unprocessed_notifications(&self, limit: usize) -> Result<Vec<InboxEntry>, StoreError>;

    /// Marks the inbox entry with `key` processed. A key that is no longer stored (unknown, or
    /// its entry was replaced by a newer notification of the order, which stays pending) is
    /// ignored.
    async fn mark_notification_processed(
        &self,
        key: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError>;
}

#[cfg(feature = "test-util")]
pub mod conformance;
