//! Exactly-once across instances: several payments services on one store race each other on
//! every order, from stale copies, with GMO's answers lost, while their reconcilers and GMO's
//! notifications join in. Whatever the interleaving, no money-moving call reaches GMO twice for
//! one order (a SecureTran2 that took no effect, declined with its answer lost, excepted: it is
//! sent again once GMO showed twice that it had none, and at most one ever takes effect), and
//! every order ends where GMO has it.
//!
//! Each *race* is one order and its actors: a purchase whose 3-D Secure return arrives at two
//! instances at once (and whose notification at a third), two confirmations of one order at
//! once, a card registration whose return arrives twice, a shopper who leaves at the issuer's
//! page (the reconcilers finalize), and back-office captures on two instances at once. Every
//! instance reads the store through [`StaleReads`], which sometimes answers a copy it read
//! before; the sandbox loses one answer in twelve after the call took effect.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt as _;
use gmo_core::customer::CustomerId;
use gmo_core::flow::{CardRegistration, Confirmation, PaymentSource, PrepareOrder, ThreeDsReturn};
use gmo_core::order::{Order, OrderState, Purpose};
use gmo_core::store::{InboxEntry, Inserted, Lease, Member, PaymentStore, StoreError, Updated};
use gmo_core::values::Amount;
use gmo_core::values::{AccessId, OrderId};
use gmo_core::{CardToken, Payments};
use gmo_sandbox::{AcsBrowser, Api, Fault, FaultKind, Sandbox};
use rand::{Rng as _, SeedableRng as _};

use crate::consistency::agrees;
use crate::services::{notification_receiver, payments};

/// The variable that asks for more races than the default.
pub const RACES: &str = "GMO_RACES";

/// Races per store in a normal run.
const DEFAULT_RACES: usize = 3000;

/// Payments services on the one store.
const INSTANCES: usize = 3;

/// Races run at once.
const IN_FLIGHT: usize = 32;

/// How long an order stands still before reconciliation settles it, and the client's request
/// timeout at most half of it (as `PaymentsBuilder` demands).
const RECONCILE_AFTER: Duration = Duration::from_millis(1500);
const REQUEST_TIMEOUT: Duration = Duration::from_millis(750);

/// The money-moving APIs that must reach GMO at most once per order.
const ONCE: [Api; 5] = [
    Api::EntryTran,
    Api::ExecTran,
    Api::SecureTran2,
    Api::TradedCard,
    Api::AlterTran,
];

/// How many races to run: [`RACES`] or the default.
pub fn race_count() -> usize {
    std::env::var(RACES)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_RACES)
}

/// Runs `races` races on `store` (empty, migrated) and checks every order.
pub async fn race_on(store: Arc<dyn PaymentStore>, races: usize) {
    let running = Sandbox::builder()
        .notification_retries(20, Duration::from_millis(100))
        .slow_card_delay(Duration::from_millis(200))
        .spawn()
        .await
        .expect("the sandbox starts");
    let sandbox = running.sandbox().clone();
    for api in ONCE {
        // The call takes effect and its answer is lost.
        sandbox.add_fault(
            Fault::new(FaultKind::DropAfterCommit)
                .on(api)
                .with_probability(1.0 / 12.0, 11),
        );
    }
    let instances: Vec<Payments> = (0..INSTANCES)
        .map(|n| {
            let stale = Arc::new(StaleReads::new(store.clone(), n as u64));
            payments(&sandbox, stale, REQUEST_TIMEOUT, |b| {
                b.reconcile_after(RECONCILE_AFTER)
            })
        })
        .collect();
    let notify = notification_receiver(instances.clone()).await;
    sandbox.set_notify_url(Some(notify));
    let reconcilers: Vec<_> = instances
        .iter()
        .map(|p| p.reconcile_every(Duration::from_millis(100)))
        .collect();

    let acs = AcsBrowser::new();
    let purchases: Vec<Option<Placed>> = futures_util::stream::iter(0..races)
        .map(|n| race(&sandbox, &instances, &acs, n))
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    // Every order GMO saw, and every purchase placed (some never reached GMO).
    let mut kinds: HashMap<String, Option<Kind>> = sandbox
        .call_counts_by_order()
        .into_keys()
        .map(|id| (id, None))
        .collect();
    for p in purchases.into_iter().flatten() {
        kinds.insert(p.order_id.as_str().to_owned(), p.kind);
    }
    let placed: Vec<Placed> = kinds
        .into_iter()
        .map(|(id, kind)| Placed {
            order_id: OrderId::new(id).expect("an order id"),
            kind,
        })
        .collect();

    let settled = settle(&*store, &placed).await;
    for reconciler in reconcilers {
        reconciler.abort();
    }
    if let Err(why) = settled {
        panic!("orders did not settle: {why}");
    }
    assert!(
        sandbox.notifications_settled(Duration::from_secs(30)).await,
        "notifications still pending"
    );
    let mut checked = 0;
    for placed in &placed {
        for api in ONCE {
            let calls = sandbox.calls_of(api, placed.order_id.as_str());
            // A SecureTran2 that took no effect (declined, its answer lost) may be sent again
            // once GMO showed twice that it had none (checked below: at most one takes effect).
            assert!(
                calls <= 1 || api == Api::SecureTran2,
                "{}: {calls} calls of {api:?} ({:?}); {}",
                placed.order_id.as_str(),
                placed.kind,
                history(&sandbox, placed.order_id.as_str())
            );
        }
        let authorised_by_secure_tran2 = sandbox
            .state_changes()
            .iter()
            .filter(|c| c.order_id == placed.order_id.as_str() && c.api == "SecureTran2")
            .count();
        assert!(
            authorised_by_secure_tran2 <= 1,
            "{}: SecureTran2 took effect {authorised_by_secure_tran2} times; {}",
            placed.order_id.as_str(),
            history(&sandbox, placed.order_id.as_str())
        );
        let order = store
            .order(&placed.order_id)
            .await
            .expect("the store answers")
            .expect("the order is kept");
        match order.purpose {
            Purpose::Purchase => agrees(&sandbox, order.order_id.as_str(), order.state.as_str())
                .unwrap_or_else(|why| {
                    panic!(
                        "{why} ({:?}, version {}); {}",
                        placed.kind,
                        order.version,
                        history(&sandbox, order.order_id.as_str())
                    )
                }),
            Purpose::CardRegistration => card_agrees(&sandbox, &*store, &order).await,
        }
        checked += 1;
    }
    assert!(
        checked >= races * 4 / 5,
        "only {checked} orders for {races} races"
    );
    let fired = sandbox.fired_faults().len();
    assert!(fired > races / 20, "only {fired} answers were lost");
    eprintln!(
        "{races} races on 3 instances, {checked} orders: each settled where GMO has it, no \
         second call; {fired} answers lost"
    );
    running.shutdown().await;
}

/// An order to check, with the kind of race that placed it when known.
#[derive(Debug)]
struct Placed {
    order_id: OrderId,
    kind: Option<Kind>,
}

/// The kinds of race, taken in turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A purchase; its return arrives at two instances at once.
    ReturnTwice,
    /// Two confirmations of one order at once, each with its own token.
    ConfirmTwice,
    /// A card registration verified by 3-D Secure; its return arrives twice.
    RegisterCard,
    /// The shopper passes the issuer's page and never comes back.
    LeftAtTheIssuer,
    /// A purchase, then captures on two instances at once.
    CaptureTwice,
}

const KINDS: [Kind; 5] = [
    Kind::ReturnTwice,
    Kind::ConfirmTwice,
    Kind::RegisterCard,
    Kind::LeftAtTheIssuer,
    Kind::CaptureTwice,
];

/// Cards in turn: challenge, frictionless, not enrolled (no 3-D Secure), declined.
const CARDS: [&str; 4] = [
    "4100000000005000",
    "4111111111111111",
    "4100000000000209",
    "4100000000000407",
];

/// Runs race `n`; answers the purchase it placed.
async fn race(
    sandbox: &Sandbox,
    instances: &[Payments],
    acs: &AcsBrowser,
    n: usize,
) -> Option<Placed> {
    let kind = KINDS[n % KINDS.len()];
    let card = CARDS[(n / KINDS.len()) % CARDS.len()];
    let customer = CustomerId::new(format!("racer-{n}")).expect("a customer id");
    let (first, second, third) = (
        &instances[n % INSTANCES],
        &instances[(n + 1) % INSTANCES],
        &instances[(n + 2) % INSTANCES],
    );
    let token = || CardToken::new(sandbox.issue_token(card, "2812", "123").expect("a token"));
    let jitter = || tokio::time::sleep(Duration::from_micros(rand::rng().random_range(0..800)));

    if kind == Kind::RegisterCard {
        // A registration that fails before its redirect does not say its order: the check
        // finds every order GMO saw in the sandbox.
        if let Ok(CardRegistration::RedirectTo { order_id, url }) =
            first.register_card(&customer, token()).await
        {
            return_twice(acs, &url, &order_id, second, third, jitter).await;
        }
        return None;
    }

    let amount = Amount::new(1000 + u32::try_from(n % 1000).unwrap_or(0)).expect("an amount");
    let order = first
        .prepare_order(PrepareOrder::new(customer.clone(), amount))
        .await
        .expect("an order");
    let order_id = order.order_id;
    let confirmed = if kind == Kind::ConfirmTwice {
        let (a, b) = tokio::join!(
            async {
                jitter().await;
                first
                    .confirm(&customer, &order_id, PaymentSource::NewCard(token()))
                    .await
            },
            async {
                jitter().await;
                second
                    .confirm(&customer, &order_id, PaymentSource::NewCard(token()))
                    .await
            },
        );
        a.or(b)
    } else {
        first
            .confirm(&customer, &order_id, PaymentSource::NewCard(token()))
            .await
    };
    match confirmed {
        Ok(Confirmation::RedirectTo { url, .. }) if kind == Kind::LeftAtTheIssuer => {
            // Authenticated at GMO, never returned: the reconcilers finalize it.
            let _ = acs.authenticate(&url, "123456").await;
        }
        Ok(Confirmation::RedirectTo { url, .. }) => {
            return_twice(acs, &url, &order_id, second, third, jitter).await;
        }
        _ => {}
    }
    if kind == Kind::CaptureTwice {
        let _ = tokio::join!(
            async {
                jitter().await;
                second.capture(&order_id).await
            },
            async {
                jitter().await;
                third.capture(&order_id).await
            },
        );
    }
    Some(Placed {
        order_id,
        kind: Some(kind),
    })
}

/// Passes the issuer's page and brings the browser back to two instances at once.
async fn return_twice<F, Fut>(
    acs: &AcsBrowser,
    url: &str,
    order_id: &OrderId,
    a: &Payments,
    b: &Payments,
    jitter: F,
) where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let Ok(back) = acs.authenticate(url, "123456").await else {
        return;
    };
    let ret = ThreeDsReturn {
        order_id: order_id.clone(),
        access_id: back.field("AccessID").unwrap_or_default().to_owned(),
    };
    let _ = tokio::join!(
        async {
            jitter().await;
            a.complete_three_ds(ret.clone()).await
        },
        async {
            jitter().await;
            b.complete_three_ds(ret.clone()).await
        },
    );
}

/// Waits (at most a minute) until no order is in a claim or waiting for a step, with the
/// reconcilers running.
async fn settle(store: &dyn PaymentStore, placed: &[Placed]) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let mut waiting = None;
        for p in placed {
            let order = store
                .order(&p.order_id)
                .await
                .map_err(|e| e.to_string())?
                .ok_or("an order is lost")?;
            if order.state.needs_settling() && order.state != OrderState::Prepared {
                waiting = Some(order);
                break;
            }
        }
        let Some(order) = waiting else {
            return Ok(());
        };
        if tokio::time::Instant::now() > deadline {
            return Err(format!("{} still {}", order.order_id.as_str(), order.state));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// What GMO did to an order, for a failure's message.
fn history(sandbox: &Sandbox, order_id: &str) -> String {
    let changes: Vec<String> = sandbox
        .state_changes()
        .into_iter()
        .filter(|c| c.order_id == order_id)
        .map(|c| format!("{} {:?}->{:?}", c.api, c.from, c.to))
        .collect();
    let faults: Vec<String> = sandbox
        .fired_faults()
        .into_iter()
        .filter(|f| f.order_id.as_deref() == Some(order_id))
        .map(|f| format!("{:?} on {:?}", f.kind, f.api))
        .collect();
    format!("changes {changes:?}, faults {faults:?}")
}

/// A registration's card is on the customer's member exactly when the order says it is.
async fn card_agrees(sandbox: &Sandbox, store: &dyn PaymentStore, order: &Order) {
    let cards = match store
        .member(&order.customer_id)
        .await
        .expect("the store answers")
    {
        Some(member) => sandbox
            .member(member.member_id.as_str())
            .map_or(0, |m| m.cards.len()),
        None => 0,
    };
    let expected = usize::from(order.state == OrderState::CardRegistered);
    assert_eq!(
        cards,
        expected,
        "{}: {} with {cards} cards at GMO",
        order.order_id.as_str(),
        order.state
    );
}

/// A store seen through an instance that sometimes reads a stale copy: a replica behind its
/// primary, a cache, a request that read the order a while ago. One read in four answers the
/// oldest copy this instance has seen of the order instead of the stored one.
pub struct StaleReads {
    store: Arc<dyn PaymentStore>,
    seen: Mutex<(rand::rngs::StdRng, HashMap<OrderId, Order>)>,
}

impl StaleReads {
    /// `store` read stale now and then, the same way for the same `seed`.
    pub fn new(store: Arc<dyn PaymentStore>, seed: u64) -> Self {
        Self {
            store,
            seen: Mutex::new((rand::rngs::StdRng::seed_from_u64(seed), HashMap::new())),
        }
    }

    fn maybe_stale(&self, fresh: Option<Order>) -> Option<Order> {
        let fresh = fresh?;
        let mut seen = self.seen.lock().expect("the copies");
        let (rng, copies) = &mut *seen;
        let stale = rng.random_ratio(1, 4);
        match copies.get(&fresh.order_id) {
            Some(old) if stale && old.version < fresh.version => Some(old.clone()),
            Some(_) => Some(fresh),
            None => {
                copies.insert(fresh.order_id.clone(), fresh.clone());
                Some(fresh)
            }
        }
    }
}

impl std::fmt::Debug for StaleReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaleReads").finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl PaymentStore for StaleReads {
    async fn member(&self, c: &CustomerId) -> Result<Option<Member>, StoreError> {
        self.store.member(c).await
    }
    async fn insert_member(&self, m: &Member) -> Result<Inserted<Member>, StoreError> {
        self.store.insert_member(m).await
    }
    async fn delete_member(
        &self,
        c: &gmo_core::customer::CustomerId,
    ) -> Result<(), gmo_core::store::StoreError> {
        self.store.delete_member(c).await
    }
    async fn has_claims(
        &self,
        c: &gmo_core::customer::CustomerId,
    ) -> Result<bool, gmo_core::store::StoreError> {
        self.store.has_claims(c).await
    }
    async fn order(&self, id: &OrderId) -> Result<Option<Order>, StoreError> {
        Ok(self.maybe_stale(self.store.order(id).await?))
    }
    async fn order_by_access_id(&self, id: &AccessId) -> Result<Option<Order>, StoreError> {
        Ok(self.maybe_stale(self.store.order_by_access_id(id).await?))
    }
    async fn insert_order(&self, o: &Order) -> Result<Inserted<Order>, StoreError> {
        self.store.insert_order(o).await
    }
    async fn update_order(
        &self,
        o: &Order,
        read_version: u64,
        events: &[gmo_core::event::PaymentEvent],
    ) -> Result<Updated, StoreError> {
        self.store.update_order(o, read_version, events).await
    }
    async fn lease_orders_to_reconcile(
        &self,
        lease: &Lease,
        before: time::OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<Order>, StoreError> {
        self.store
            .lease_orders_to_reconcile(lease, before, limit)
            .await
    }
    async fn release_leases(&self, owner: &str) -> Result<(), StoreError> {
        self.store.release_leases(owner).await
    }
    async fn events_after(
        &self,
        cursor: u64,
        limit: usize,
    ) -> Result<Vec<gmo_core::event::StoredEvent>, gmo_core::store::StoreError> {
        self.store.events_after(cursor, limit).await
    }
    async fn lease_events(
        &self,
        lease: &gmo_core::store::Lease,
        limit: usize,
    ) -> Result<Vec<gmo_core::event::StoredEvent>, gmo_core::store::StoreError> {
        self.store.lease_events(lease, limit).await
    }
    async fn events_delivered(
        &self,
        seqs: &[u64],
        at: time::OffsetDateTime,
    ) -> Result<(), gmo_core::store::StoreError> {
        self.store.events_delivered(seqs, at).await
    }
    async fn event_failed(
        &self,
        seq: u64,
        retry_at: time::OffsetDateTime,
    ) -> Result<(), gmo_core::store::StoreError> {
        self.store.event_failed(seq, retry_at).await
    }
    async fn put_notification(&self, e: &InboxEntry) -> Result<Option<InboxEntry>, StoreError> {
        self.store.put_notification(e).await
    }
    async fn unprocessed_notifications(&self, limit: usize) -> Result<Vec<InboxEntry>, StoreError> {
        self.store.unprocessed_notifications(limit).await
    }
    async fn mark_notification_processed(
        &self,
        key: &str,
        at: time::OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.store.mark_notification_processed(key, at).await
    }
}
