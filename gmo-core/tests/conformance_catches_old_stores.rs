//! The conformance suite catches a store with the behaviour of the first release: an update
//! that compares only the state the caller's copy was in, and a reconciliation listing that
//! hands the same orders to every reconciler, and an inbox create-only by delivery key (one row
//! per notification, whoever sent it). Each new rule must fail against it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use gmo_core::customer::CustomerId;
use gmo_core::order::{Order, OrderState};
use gmo_core::store::conformance;
use gmo_core::store::{
    InboxEntry, Inserted, Lease, Member, MemoryStore, PaymentStore, StoreError, Updated,
};
use gmo_core::values::{AccessId, OrderId};
use time::OffsetDateTime;

/// The old store: the memory store, with the old compare-and-set and no leases.
#[derive(Default)]
struct OldStore {
    inner: MemoryStore,
    /// The state of every version of every order, so that an update can compare the state of
    /// the copy it was made from, as the old `update_order(order, expected_state)` did.
    states: Mutex<HashMap<(OrderId, u64), OrderState>>,
    /// The old inbox, create-only by delivery key.
    inbox: Mutex<Vec<InboxEntry>>,
}

impl OldStore {
    fn remember(&self, order: &Order) {
        self.states
            .lock()
            .unwrap()
            .insert((order.order_id.clone(), order.version), order.state);
    }
}

#[async_trait::async_trait]
impl PaymentStore for OldStore {
    async fn member(&self, c: &CustomerId) -> Result<Option<Member>, StoreError> {
        self.inner.member(c).await
    }
    async fn insert_member(&self, m: &Member) -> Result<Inserted<Member>, StoreError> {
        self.inner.insert_member(m).await
    }
    async fn delete_member(
        &self,
        c: &gmo_core::customer::CustomerId,
    ) -> Result<(), gmo_core::store::StoreError> {
        self.inner.delete_member(c).await
    }
    async fn has_claims(
        &self,
        c: &gmo_core::customer::CustomerId,
    ) -> Result<bool, gmo_core::store::StoreError> {
        self.inner.has_claims(c).await
    }
    async fn order(&self, id: &OrderId) -> Result<Option<Order>, StoreError> {
        self.inner.order(id).await
    }
    async fn order_by_access_id(&self, id: &AccessId) -> Result<Option<Order>, StoreError> {
        self.inner.order_by_access_id(id).await
    }
    async fn insert_order(&self, o: &Order) -> Result<Inserted<Order>, StoreError> {
        self.remember(o);
        self.inner.insert_order(o).await
    }
    async fn update_order(
        &self,
        o: &Order,
        read_version: u64,
        events: &[gmo_core::event::PaymentEvent],
    ) -> Result<Updated, StoreError> {
        let expected = self.states.lock().unwrap()[&(o.order_id.clone(), read_version)];
        let Some(current) = self.inner.order(&o.order_id).await? else {
            return Ok(Updated::NotFound);
        };
        if current.state != expected {
            return Ok(Updated::Conflict(Box::new(current)));
        }
        // Overwrites whatever version is stored, as a state-only compare-and-set does.
        let written = self.inner.update_order(o, current.version, events).await?;
        self.remember(o);
        Ok(written)
    }
    async fn lease_orders_to_reconcile(
        &self,
        _lease: &Lease,
        before: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<Order>, StoreError> {
        // The old `orders_to_reconcile`: every caller gets the same oldest batch.
        let look = Lease {
            owner: "nobody".into(),
            taken_at: OffsetDateTime::UNIX_EPOCH,
            until: OffsetDateTime::UNIX_EPOCH,
        };
        let mut due = self
            .inner
            .lease_orders_to_reconcile(&look, before, usize::MAX)
            .await?;
        due.sort_by_key(|o| (o.updated_at, o.order_id.clone()));
        due.truncate(limit);
        Ok(due)
    }
    async fn release_leases(&self, _owner: &str) -> Result<(), StoreError> {
        Ok(())
    }
    async fn events_after(
        &self,
        cursor: u64,
        limit: usize,
    ) -> Result<Vec<gmo_core::event::StoredEvent>, gmo_core::store::StoreError> {
        self.inner.events_after(cursor, limit).await
    }
    async fn lease_events(
        &self,
        lease: &gmo_core::store::Lease,
        limit: usize,
    ) -> Result<Vec<gmo_core::event::StoredEvent>, gmo_core::store::StoreError> {
        self.inner.lease_events(lease, limit).await
    }
    async fn events_delivered(
        &self,
        seqs: &[u64],
        at: time::OffsetDateTime,
    ) -> Result<(), gmo_core::store::StoreError> {
        self.inner.events_delivered(seqs, at).await
    }
    async fn event_failed(
        &self,
        seq: u64,
        retry_at: time::OffsetDateTime,
    ) -> Result<(), gmo_core::store::StoreError> {
        self.inner.event_failed(seq, retry_at).await
    }
    async fn put_notification(&self, e: &InboxEntry) -> Result<Option<InboxEntry>, StoreError> {
        // The old inbox: create-only by delivery key, one row per delivery.
        let mut inbox = self.inbox.lock().unwrap();
        if let Some(existing) = inbox.iter().find(|old| old.key == e.key) {
            return Ok(Some(existing.clone()));
        }
        inbox.push(e.clone());
        Ok(None)
    }
    async fn unprocessed_notifications(&self, limit: usize) -> Result<Vec<InboxEntry>, StoreError> {
        let inbox = self.inbox.lock().unwrap();
        Ok(inbox
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
        for e in self.inbox.lock().unwrap().iter_mut() {
            if e.key == key {
                e.processed_at = Some(at);
            }
        }
        Ok(())
    }
}

/// Whether `rule` fails (panics) against a fresh old store.
async fn fails_on_the_old_store<F, Fut>(rule: F) -> bool
where
    F: FnOnce(Arc<dyn PaymentStore>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let store: Arc<dyn PaymentStore> = Arc::new(OldStore::default());
    tokio::spawn(rule(store)).await.is_err_and(|e| e.is_panic())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_new_rules_fail_on_the_old_store() {
    assert!(fails_on_the_old_store(conformance::update_compares_the_version_not_the_state).await);
    assert!(fails_on_the_old_store(conformance::a_lost_update_is_refused).await);
    assert!(fails_on_the_old_store(conformance::leases_put_money_first).await);
    assert!(fails_on_the_old_store(conformance::a_leased_order_is_not_leased_again).await);
    assert!(fails_on_the_old_store(conformance::concurrent_lease_takers_share_nothing).await);
    assert!(fails_on_the_old_store(conformance::inbox_keeps_one_entry_per_order).await);
    assert!(fails_on_the_old_store(conformance::a_flood_of_notifications_keeps_one_entry).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_old_store_is_a_fair_stand_in() {
    // It keeps the rules the old suite had, so the failures above are the new rules' doing.
    assert!(!fails_on_the_old_store(conformance::update_is_compare_and_set).await);
    assert!(!fails_on_the_old_store(conformance::concurrent_claims_have_one_winner).await);
    assert!(!fails_on_the_old_store(conformance::order_round_trips_every_field).await);
    // And the memory store passes the new ones.
    let memory = || -> Arc<dyn PaymentStore> { Arc::new(MemoryStore::new()) };
    conformance::update_compares_the_version_not_the_state(memory()).await;
    conformance::a_lost_update_is_refused(memory()).await;
    conformance::concurrent_lease_takers_share_nothing(memory()).await;
    conformance::inbox_keeps_one_entry_per_order(memory()).await;
    conformance::a_flood_of_notifications_keeps_one_entry(memory()).await;
}
