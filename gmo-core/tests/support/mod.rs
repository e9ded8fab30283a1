//! A world for flow tests: an in-process sandbox, a client, a memory store, the payments handle,
//! and a scripted browser for the 3-D Secure pages.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::time::Duration;

use gmo_core::customer::CustomerId;
use gmo_core::flow::{
    CardRegistrationMode, Confirmation, PaymentSource, PrepareOrder, ThreeDsReturn,
};
use gmo_core::order::OrderState;
use gmo_core::store::{MemoryStore, PaymentStore};
use gmo_core::values::Amount;
use gmo_core::values::{OrderId, ShopId, SiteId, Status};
use gmo_core::{CardToken, Environment, GmoClient, Payments, ShopPass, SitePass};
use gmo_sandbox::{AcsBrowser, RunningSandbox, Sandbox, SandboxBuilder};

pub const PUBLIC_URL: &str = "http://shop.test";

pub struct World {
    pub sandbox: RunningSandbox,
    pub payments: Payments,
    pub store: Arc<dyn PaymentStore>,
    pub acs: AcsBrowser,
}

pub fn sandbox_builder() -> SandboxBuilder {
    Sandbox::builder().slow_card_delay(Duration::from_millis(300))
}

impl World {
    pub async fn new() -> Self {
        Self::build(sandbox_builder(), Arc::new(MemoryStore::new()), |b| b).await
    }

    pub async fn direct() -> Self {
        Self::build(sandbox_builder(), Arc::new(MemoryStore::new()), |b| {
            b.card_registration(CardRegistrationMode::Direct)
        })
        .await
    }

    pub async fn build(
        sandbox: SandboxBuilder,
        store: Arc<dyn PaymentStore>,
        settings: impl FnOnce(gmo_core::flow::PaymentsBuilder) -> gmo_core::flow::PaymentsBuilder,
    ) -> Self {
        let sandbox = sandbox.spawn().await.expect("sandbox");
        let client = client_for(&sandbox, Duration::from_secs(5));
        let payments = settings(Payments::builder(client, store.clone()).public_url(PUBLIC_URL))
            .build()
            .expect("payments");
        Self {
            sandbox,
            payments,
            store,
            acs: AcsBrowser::new(),
        }
    }

    /// The same payments handle with another client request timeout.
    pub fn rebuild_with_timeout(&self, timeout: Duration) -> Payments {
        Payments::builder(client_for(&self.sandbox, timeout), self.store.clone())
            .public_url(PUBLIC_URL)
            .build()
            .expect("payments")
    }

    pub fn token(&self, card: &str) -> CardToken {
        CardToken::new(
            self.sandbox
                .issue_token(card, "2812", "123")
                .expect("token"),
        )
    }

    pub async fn prepare(&self, customer: &CustomerId, yen: u32) -> OrderId {
        self.payments
            .prepare_order(PrepareOrder::new(
                customer.clone(),
                Amount::new(yen).unwrap(),
            ))
            .await
            .expect("prepare")
            .order_id
    }

    /// Confirms with a new card and, when 3-D Secure is asked, answers it with `otp` and comes
    /// back; answers the order's final state.
    pub async fn checkout(
        &self,
        customer: &CustomerId,
        yen: u32,
        card: &str,
        otp: &str,
    ) -> (OrderId, OrderState) {
        let order_id = self.prepare(customer, yen).await;
        let result = self
            .payments
            .confirm(
                customer,
                &order_id,
                PaymentSource::NewCard(self.token(card)),
            )
            .await;
        if let Ok(Confirmation::RedirectTo { url, .. }) = result {
            let ret = self.authenticate(&url, otp).await;
            self.payments
                .complete_three_ds(ret)
                .await
                .expect("3ds return");
        }
        let state = self
            .payments
            .order(customer, &order_id)
            .await
            .expect("order")
            .state;
        (order_id, state)
    }

    /// Drives the ACS like a browser and answers what it posts back to the shop.
    pub async fn authenticate(&self, url: &str, otp: &str) -> ThreeDsReturn {
        let form = self.acs.authenticate(url, otp).await.expect("acs");
        let order_id = form
            .action
            .rsplit('/')
            .next()
            .expect("order in the return URL");
        ThreeDsReturn {
            order_id: OrderId::new(order_id).expect("order id"),
            access_id: form.field("AccessID").expect("AccessID").to_owned(),
        }
    }

    pub fn gmo_status(&self, order_id: &OrderId) -> Option<Status> {
        self.sandbox
            .transaction(order_id.as_str())
            .map(|t| t.status)
    }

    pub async fn state(&self, order_id: &OrderId) -> OrderState {
        self.store
            .order(order_id)
            .await
            .unwrap()
            .expect("stored")
            .state
    }

    /// Asserts that our order says what GMO says.
    pub async fn assert_agrees(&self, order_id: &OrderId) {
        let state = self.state(order_id).await;
        let gmo = self.gmo_status(order_id);
        assert!(
            agrees(state, gmo.as_ref()),
            "order {order_id} is {state} but GMO says {gmo:?}"
        );
    }
}

/// Whether an order state and GMO's status tell the same story about money.
pub fn agrees(state: OrderState, gmo: Option<&Status>) -> bool {
    use OrderState::*;
    matches!(
        (state, gmo),
        (Prepared | Expired | Failed, None)
            | (
                Entered | Expired | Failed | AwaitingThreeDs,
                Some(Status::Unprocessed | Status::Authenticated)
            )
            | (Authorized, Some(Status::Auth | Status::Sauth))
            | (Captured, Some(Status::Capture | Status::Sales))
            // A registration whose card could not be saved (e.g. the card limit) after its CHECK.
            | (Verified | CardRegistered | Failed, Some(Status::Check))
            | (Voided, Some(Status::Void))
            | (Refunded, Some(Status::Return | Status::ReturnX))
    )
}

pub fn client_for(sandbox: &Sandbox, timeout: Duration) -> GmoClient {
    client_builder(sandbox)
        .request_timeout(timeout)
        .build()
        .expect("client")
}

/// A client builder for the sandbox's first shop and site, with a short retry back-off.
pub fn client_builder(sandbox: &Sandbox) -> gmo_core::GmoClientBuilder {
    GmoClient::builder(Environment::Custom(sandbox.base_url().to_owned()))
        .shop(
            ShopId::new(sandbox.shop_id()).unwrap(),
            ShopPass::new(sandbox.shop_pass()),
        )
        .site(
            SiteId::new(sandbox.site_id()).unwrap(),
            SitePass::new(sandbox.site_pass()),
        )
        .retry_backoff(Duration::from_millis(10))
}

pub fn customer(name: &str) -> CustomerId {
    CustomerId::new(name).unwrap()
}

/// A store that wraps another and fails chosen writes, to stand for a crash between a GMO call
/// and the store write that should follow it.
pub struct FaultyStore {
    inner: gmo_core::store::MemoryStore,
    /// Fail the update that would move an order into this state, this many times.
    fail_into: std::sync::Mutex<Vec<(OrderState, usize)>>,
    /// Fail the next notification inserts.
    fail_notifications: std::sync::atomic::AtomicUsize,
    /// The state of every order update written, in order.
    written: std::sync::Mutex<Vec<OrderState>>,
    /// The writes of event deliveries so far: leases, delivered marks, failed marks.
    event_writes: std::sync::atomic::AtomicUsize,
}

impl FaultyStore {
    pub fn new() -> Self {
        Self {
            inner: MemoryStore::new(),
            fail_into: std::sync::Mutex::new(Vec::new()),
            fail_notifications: std::sync::atomic::AtomicUsize::new(0),
            written: std::sync::Mutex::new(Vec::new()),
            event_writes: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// The states order updates wrote, in order (failed and lost compare-and-sets excluded).
    pub fn written(&self) -> Vec<OrderState> {
        self.written.lock().unwrap().clone()
    }

    /// How many event delivery writes (leases, delivered and failed marks) were made.
    pub fn event_writes(&self) -> usize {
        self.event_writes.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn count_event_write(&self) {
        self.event_writes
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn fail_update_into(&self, state: OrderState, times: usize) {
        self.fail_into.lock().unwrap().push((state, times));
    }

    pub fn clear_faults(&self) {
        self.fail_into.lock().unwrap().clear();
        self.fail_notifications
            .store(0, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn fail_notification_inserts(&self, times: usize) {
        self.fail_notifications
            .store(times, std::sync::atomic::Ordering::SeqCst);
    }

    fn take_failure(&self, state: OrderState) -> bool {
        let mut faults = self.fail_into.lock().unwrap();
        match faults.iter_mut().find(|(s, n)| *s == state && *n > 0) {
            Some((_, n)) => {
                *n -= 1;
                true
            }
            None => false,
        }
    }
}

fn injected() -> gmo_core::store::StoreError {
    gmo_core::store::StoreError::new("injected store failure")
}

#[async_trait::async_trait]
impl PaymentStore for FaultyStore {
    async fn member(
        &self,
        c: &CustomerId,
    ) -> Result<Option<gmo_core::store::Member>, gmo_core::store::StoreError> {
        self.inner.member(c).await
    }
    async fn insert_member(
        &self,
        m: &gmo_core::store::Member,
    ) -> Result<gmo_core::store::Inserted<gmo_core::store::Member>, gmo_core::store::StoreError>
    {
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
    async fn order(
        &self,
        id: &OrderId,
    ) -> Result<Option<gmo_core::order::Order>, gmo_core::store::StoreError> {
        self.inner.order(id).await
    }
    async fn order_by_access_id(
        &self,
        id: &gmo_core::values::AccessId,
    ) -> Result<Option<gmo_core::order::Order>, gmo_core::store::StoreError> {
        self.inner.order_by_access_id(id).await
    }
    async fn insert_order(
        &self,
        o: &gmo_core::order::Order,
    ) -> Result<gmo_core::store::Inserted<gmo_core::order::Order>, gmo_core::store::StoreError>
    {
        self.inner.insert_order(o).await
    }
    async fn update_order(
        &self,
        o: &gmo_core::order::Order,
        read_version: u64,
        events: &[gmo_core::event::PaymentEvent],
    ) -> Result<gmo_core::store::Updated, gmo_core::store::StoreError> {
        if self.take_failure(o.state) {
            return Err(injected());
        }
        let updated = self.inner.update_order(o, read_version, events).await?;
        if matches!(updated, gmo_core::store::Updated::Done) {
            self.written.lock().unwrap().push(o.state);
        }
        Ok(updated)
    }
    async fn lease_orders_to_reconcile(
        &self,
        lease: &gmo_core::store::Lease,
        before: time::OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<gmo_core::order::Order>, gmo_core::store::StoreError> {
        self.inner
            .lease_orders_to_reconcile(lease, before, limit)
            .await
    }
    async fn release_leases(&self, owner: &str) -> Result<(), gmo_core::store::StoreError> {
        self.inner.release_leases(owner).await
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
        self.count_event_write();
        self.inner.lease_events(lease, limit).await
    }
    async fn events_delivered(
        &self,
        seqs: &[u64],
        at: time::OffsetDateTime,
    ) -> Result<(), gmo_core::store::StoreError> {
        self.count_event_write();
        self.inner.events_delivered(seqs, at).await
    }
    async fn event_failed(
        &self,
        seq: u64,
        retry_at: time::OffsetDateTime,
    ) -> Result<(), gmo_core::store::StoreError> {
        self.count_event_write();
        self.inner.event_failed(seq, retry_at).await
    }
    async fn put_notification(
        &self,
        e: &gmo_core::store::InboxEntry,
    ) -> Result<Option<gmo_core::store::InboxEntry>, gmo_core::store::StoreError> {
        let left = self
            .fail_notifications
            .load(std::sync::atomic::Ordering::SeqCst);
        if left > 0 {
            self.fail_notifications
                .store(left - 1, std::sync::atomic::Ordering::SeqCst);
            return Err(injected());
        }
        self.inner.put_notification(e).await
    }
    async fn unprocessed_notifications(
        &self,
        limit: usize,
    ) -> Result<Vec<gmo_core::store::InboxEntry>, gmo_core::store::StoreError> {
        self.inner.unprocessed_notifications(limit).await
    }
    async fn mark_notification_processed(
        &self,
        key: &str,
        at: time::OffsetDateTime,
    ) -> Result<(), gmo_core::store::StoreError> {
        self.inner.mark_notification_processed(key, at).await
    }
}

/// The result notification GMO would send for the order's current state at the sandbox.
pub fn notification_body(world: &World, order_id: &OrderId) -> Vec<u8> {
    let t = world
        .sandbox
        .transaction(order_id.as_str())
        .expect("transaction");
    let mut form = gmo_core::wire::FormEncoder::new();
    let stars32 = "*".repeat(32);
    for (k, v) in [
        ("ShopID", world.sandbox.shop_id()),
        ("ShopPass", "**********"),
        ("AccessID", t.access_id.as_str()),
        ("AccessPass", stars32.as_str()),
        ("OrderID", order_id.as_str()),
        ("Status", t.status.as_str()),
        ("JobCd", t.job_cd.as_str()),
        ("Amount", &t.amount.to_string()),
        ("Tax", &t.tax.to_string()),
        ("Currency", "JPN"),
        ("Forward", t.forward.as_str()),
        ("Method", t.method.as_str()),
        ("PayTimes", t.pay_times.as_str()),
        ("TranID", t.tran_id.as_str()),
        ("Approve", t.approve.as_str()),
        ("TranDate", t.tran_date.as_str()),
        ("ErrCode", ""),
        ("ErrInfo", ""),
        ("PayType", "0"),
    ] {
        form.push(k, v).unwrap();
    }
    form.finish().into_bytes()
}

/// The HTTP status the payment routes answer `error` with (the default message policy).
pub fn http_status(error: &gmo_core::PaymentError) -> u16 {
    gmo_core::web::ErrorResponse::from_payment_error(error, Default::default()).status()
}
