//! The in-memory reference store: one mutex, never held across an `.await`.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use time::OffsetDateTime;

use super::{InboxEntry, Inserted, Lease, Member, PaymentStore, StoreError, Updated};
use crate::customer::CustomerId;
use crate::event::{PaymentEvent, StoredEvent};
use crate::order::Order;
use crate::values::{AccessId, OrderId};

/// A [`PaymentStore`] in process memory: for tests, examples and single-instance apps that can
/// afford to lose their orders on restart.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    members: HashMap<CustomerId, Member>,
    orders: HashMap<OrderId, Order>,
    by_access_id: HashMap<AccessId, OrderId>,
    /// Who holds each leased order, and until when.
    leases: HashMap<OrderId, (String, OffsetDateTime)>,
    /// The event feed, in `seq` order (`seq` is the position plus one).
    events: Vec<EventRow>,
    /// How many events at the head of `events` are all delivered: a lease looks past them.
    delivered_head: usize,
    /// One entry per order, in the order their first entries came.
    inbox: Vec<InboxEntry>,
    /// Each order's place in `inbox`.
    inbox_index: HashMap<OrderId, usize>,
}

/// An event and its delivery.
#[derive(Debug)]
struct EventRow {
    stored: StoredEvent,
    due_at: OffsetDateTime,
    lease: Option<(String, OffsetDateTime)>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>, StoreError> {
        // A poisoned lock means a panic mid-update: refuse rather than serve half-written data.
        self.inner
            .lock()
            .map_err(|_| StoreError::new("memory store lock poisoned"))
    }
}

#[async_trait::async_trait]
impl PaymentStore for MemoryStore {
    async fn member(&self, customer: &CustomerId) -> Result<Option<Member>, StoreError> {
        Ok(self.lock()?.members.get(customer).cloned())
    }

    async fn insert_member(&self, member: &Member) -> Result<Inserted<Member>, StoreError> {
        let mut inner = self.lock()?;
        if let Some(existing) = inner.members.get(&member.customer_id) {
            return Ok(Inserted::Existing(existing.clone()));
        }
        inner
            .members
            .insert(member.customer_id.clone(), member.clone());
        Ok(Inserted::Created)
    }

    async fn delete_member(&self, customer: &CustomerId) -> Result<(), StoreError> {
        self.lock()?.members.remove(customer);
        Ok(())
    }

    async fn has_claims(&self, customer: &CustomerId) -> Result<bool, StoreError> {
        Ok(self
            .lock()?
            .orders
            .values()
            .any(|o| &o.customer_id == customer && o.state.is_claim()))
    }

    async fn order(&self, order_id: &OrderId) -> Result<Option<Order>, StoreError> {
        Ok(self.lock()?.orders.get(order_id).cloned())
    }

    async fn order_by_access_id(&self, access_id: &AccessId) -> Result<Option<Order>, StoreError> {
        let inner = self.lock()?;
        Ok(inner
            .by_access_id
            .get(access_id)
            .and_then(|id| inner.orders.get(id))
            .cloned())
    }

    async fn insert_order(&self, order: &Order) -> Result<Inserted<Order>, StoreError> {
        let mut inner = self.lock()?;
        if let Some(existing) = inner.orders.get(&order.order_id) {
            return Ok(Inserted::Existing(existing.clone()));
        }
        if let Some(access_id) = &order.access_id {
            inner
                .by_access_id
                .insert(access_id.clone(), order.order_id.clone());
        }
        inner.orders.insert(order.order_id.clone(), order.clone());
        Ok(Inserted::Created)
    }

    async fn update_order(
        &self,
        order: &Order,
        read_version: u64,
        events: &[PaymentEvent],
    ) -> Result<Updated, StoreError> {
        let mut inner = self.lock()?;
        let Some(current) = inner.orders.get_mut(&order.order_id) else {
            return Ok(Updated::NotFound);
        };
        if current.version != read_version {
            return Ok(Updated::Conflict(Box::new(current.clone())));
        }
        *current = order.clone();
        if let Some(access_id) = &order.access_id {
            inner
                .by_access_id
                .insert(access_id.clone(), order.order_id.clone());
        }
        for event in events {
            let seq = inner.events.len() as u64 + 1;
            inner.events.push(EventRow {
                stored: StoredEvent {
                    seq,
                    event: event.clone(),
                    attempts: 0,
                    delivered_at: None,
                },
                due_at: event.at,
                lease: None,
            });
        }
        Ok(Updated::Done)
    }

    async fn events_after(
        &self,
        cursor: u64,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let inner = self.lock()?;
        let from = usize::try_from(cursor).unwrap_or(usize::MAX);
        Ok(inner
            .events
            .iter()
            .skip(from)
            .take(limit)
            .map(|row| row.stored.clone())
            .collect())
    }

    async fn lease_events(
        &self,
        lease: &Lease,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let mut inner = self.lock()?;
        // The first undelivered event of each order, in feed order.
        let mut seen = std::collections::HashSet::new();
        let mut taken = Vec::new();
        let head = inner.delivered_head;
        for row in inner.events.iter_mut().skip(head) {
            if row.stored.delivered_at.is_some() || !seen.insert(row.stored.event.order_id.clone())
            {
                continue;
            }
            let free = row
                .lease
                .as_ref()
                .is_none_or(|(_, until)| *until <= lease.taken_at);
            if free && row.due_at <= lease.taken_at && taken.len() < limit {
                row.lease = Some((lease.owner.clone(), lease.until));
                taken.push(row.stored.clone());
            }
        }
        Ok(taken)
    }

    async fn events_delivered(&self, seqs: &[u64], at: OffsetDateTime) -> Result<(), StoreError> {
        let mut inner = self.lock()?;
        for &seq in seqs {
            if let Some(row) = event_row(&mut inner, seq) {
                row.stored.delivered_at.get_or_insert(at);
                row.lease = None;
            }
        }
        let head = inner.delivered_head;
        let done = inner
            .events
            .iter()
            .skip(head)
            .take_while(|row| row.stored.delivered_at.is_some())
            .count();
        inner.delivered_head = head + done;
        Ok(())
    }

    async fn event_failed(&self, seq: u64, retry_at: OffsetDateTime) -> Result<(), StoreError> {
        let mut inner = self.lock()?;
        if let Some(row) = event_row(&mut inner, seq)
            && row.stored.delivered_at.is_none()
        {
            row.stored.attempts = row.stored.attempts.saturating_add(1);
            row.due_at = retry_at;
            row.lease = None;
        }
        Ok(())
    }

    async fn lease_orders_to_reconcile(
        &self,
        lease: &Lease,
        updated_before: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<Order>, StoreError> {
        let mut inner = self.lock()?;
        let free = |id: &OrderId| {
            inner
                .leases
                .get(id)
                .is_none_or(|(_, until)| *until <= lease.taken_at)
        };
        let mut due: Vec<Order> = inner
            .orders
            .values()
            .filter(|o| {
                o.state.needs_settling() && o.updated_at < updated_before && free(&o.order_id)
            })
            .cloned()
            .collect();
        due.sort_by(|a, b| {
            (!a.state.settles_first(), a.updated_at, &a.order_id).cmp(&(
                !b.state.settles_first(),
                b.updated_at,
                &b.order_id,
            ))
        });
        due.truncate(limit);
        for order in &due {
            inner
                .leases
                .insert(order.order_id.clone(), (lease.owner.clone(), lease.until));
        }
        Ok(due)
    }

    async fn release_leases(&self, owner: &str) -> Result<(), StoreError> {
        self.lock()?.leases.retain(|_, (holder, _)| holder != owner);
        Ok(())
    }

    async fn put_notification(&self, entry: &InboxEntry) -> Result<Option<InboxEntry>, StoreError> {
        let Some(order_id) = &entry.notification.order_id else {
            return Err(StoreError::new("an inbox entry needs an order id"));
        };
        let mut inner = self.lock()?;
        if let Some(&at) = inner.inbox_index.get(order_id) {
            return Ok(Some(std::mem::replace(&mut inner.inbox[at], entry.clone())));
        }
        let at = inner.inbox.len();
        inner.inbox.push(entry.clone());
        inner.inbox_index.insert(order_id.clone(), at);
        Ok(None)
    }

    async fn unprocessed_notifications(&self, limit: usize) -> Result<Vec<InboxEntry>, StoreError> {
        let inner = self.lock()?;
        Ok(inner
            .inbox
            .iter()
            .filter(|e| e.processed_at.is_none())
            .take(limit)
            .cloned()
            .collect())
    }

    async fn mark_notification_processed(
        &self,
        key: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut inner = self.lock()?;
        // A scan: the inbox has at most one entry per order, and keys are opaque.
        if let Some(entry) = inner.inbox.iter_mut().find(|e| e.key == key) {
            entry.processed_at = Some(at);
        }
        Ok(())
    }
}

/// The row of event `seq`.
fn event_row(inner: &mut Inner, seq: u64) -> Option<&mut EventRow> {
    let at = usize::try_from(seq.checked_sub(1)?).ok()?;
    inner.events.get_mut(at)
}
