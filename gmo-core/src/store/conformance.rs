//! The conformance suite every [`PaymentStore`] must pass (feature `test-util`).
//!
//! Point [`store_conformance!`](crate::store_conformance) at a function that makes a fresh,
//! empty store; it expands to one `#[tokio::test]` per rule:
//!
//! ```no_run
//! // In a test file of the store's crate, e.g. `tests/conformance.rs`:
//! gmo_core::store_conformance!(async { std::sync::Arc::new(gmo_core::store::MemoryStore::new()) });
//! # fn main() {}
//! ```
//!
//! A store that needs a database server can skip when none is configured:
//!
//! ```ignore
//! gmo_core::store_conformance!(optional async { my_store_if_configured().await });
//! ```
//!
//! Timestamps are compared exactly at millisecond precision: a store must keep at least that.

use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use super::{InboxEntry, Inserted, Lease, Member, PaymentStore, Updated};
use crate::api::Tds2Field;
use crate::customer::CustomerId;
use crate::error::ErrorKind;
use crate::event::{EventKind, PaymentEvent, StoredEvent};
use crate::notification::ResultNotification;
use crate::order::{Failure, Order, OrderState, Purpose};
use crate::secret::AccessPass;
use crate::values::{AccessId, Amount, CardSeq, JobCd, MemberId, Method, OrderId, Status, Tax};

/// Expands to one test per conformance rule for the store made by `$make` (an expression of a
/// future that yields an `Arc` of a fresh, empty store, evaluated once per test).
///
/// For a store that needs an outside service (a database server), `optional $make` takes a
/// future that yields an `Option<Arc<dyn PaymentStore>>`: `None` (the service is not configured)
/// makes each test return at once, and the maker says why.
#[macro_export]
macro_rules! store_conformance {
    (@rules $kind:ident $make:expr) => {
        $crate::store_conformance!(@$kind $make;
            member_is_create_only,
            members_are_forgotten_and_claims_are_seen,
            order_round_trips_every_field,
            order_insert_is_create_only,
            update_is_compare_and_set,
            update_compares_the_version_not_the_state,
            a_lost_update_is_refused,
            update_of_a_missing_order_is_not_found,
            concurrent_claims_have_one_winner,
            finds_orders_by_access_id,
            leases_take_due_orders_only,
            leases_put_money_first,
            a_leased_order_is_not_leased_again,
            concurrent_lease_takers_share_nothing,
            events_are_written_with_their_change_only,
            events_are_leased_in_order_per_order,
            a_failed_event_waits_and_holds_back_its_order,
            events_are_delivered_in_batches,
            concurrent_event_takers_share_nothing,
            inbox_keeps_one_entry_per_order,
            a_flood_of_notifications_keeps_one_entry,
        );
    };
    (@tests $make:expr; $($rule:ident,)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $rule() {
                let store: ::std::sync::Arc<dyn $crate::store::PaymentStore> = $make.await;
                $crate::store::conformance::$rule(store).await;
            }
        )*
    };
    (@optional_tests $make:expr; $($rule:ident,)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $rule() {
                let store: ::std::option::Option<
                    ::std::sync::Arc<dyn $crate::store::PaymentStore>,
                > = $make.await;
                if let ::std::option::Option::Some(store) = store {
                    $crate::store::conformance::$rule(store).await;
                }
            }
        )*
    };
    (optional $make:expr) => {
        $crate::store_conformance!(@rules optional_tests $make);
    };
    ($make:expr) => {
        $crate::store_conformance!(@rules tests $make);
    };
}

/// A timestamp at millisecond precision, `offset_ms` after a fixed instant.
fn at(offset_ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_795_000_000).map_or(OffsetDateTime::UNIX_EPOCH, |t| t)
        + Duration::milliseconds(offset_ms)
}

/// A distinct id per call, so that suites may share one database.
fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos() % 1_000_000_000_000;
    format!("{prefix}{nanos:x}{n:x}")
}

fn order_id() -> OrderId {
    OrderId::new(unique("c-")).unwrap_or_else(|e| panic!("{e}"))
}

fn access_id() -> AccessId {
    let hex = format!("{:0>32}", unique(""));
    AccessId::new(&hex[hex.len() - 32..]).unwrap_or_else(|e| panic!("{e}"))
}

fn customer() -> CustomerId {
    CustomerId::new(unique("customer-")).unwrap_or_else(|e| panic!("{e}"))
}

fn yen(n: u32) -> Amount {
    Amount::new(n).unwrap_or_else(|e| panic!("{e}"))
}

fn tax(n: u32) -> Tax {
    Tax::new(n).unwrap_or_else(|e| panic!("{e}"))
}

fn seq(n: u16) -> CardSeq {
    CardSeq::new(n).unwrap_or_else(|e| panic!("{e}"))
}

/// A prepared order with fixed timestamps.
pub fn sample_order() -> Order {
    let mut order = Order::prepared(
        order_id(),
        customer(),
        Purpose::Purchase,
        JobCd::Auth,
        yen(1200),
        tax(100),
    );
    order.created_at = at(0);
    order.updated_at = at(0);
    order
}

/// `order` changed into `state`, as the core writes it: the next version, a later update time.
pub fn next(order: &Order, state: OrderState) -> Order {
    let mut next = order.clone();
    next.state = state;
    next.version = order.version + 1;
    next.updated_at = order.updated_at + Duration::milliseconds(1);
    next
}

/// A customer's member is created once; a second insert answers the first.
pub async fn member_is_create_only(store: Arc<dyn PaymentStore>) {
    let customer = customer();
    assert_eq!(store.member(&customer).await.ok(), Some(None));
    let first = Member {
        customer_id: customer.clone(),
        member_id: MemberId::new(unique("m-")).unwrap_or_else(|e| panic!("{e}")),
        created_at: at(1),
    };
    let second = Member {
        member_id: MemberId::new(unique("m-")).unwrap_or_else(|e| panic!("{e}")),
        ..first.clone()
    };
    assert_eq!(
        store.insert_member(&first).await.ok(),
        Some(Inserted::Created)
    );
    assert_eq!(
        store.insert_member(&second).await.ok(),
        Some(Inserted::Existing(first.clone()))
    );
    assert_eq!(store.member(&customer).await.ok(), Some(Some(first)));
}

/// A deleted member is gone (and deleting an unknown one is no error); a customer's claims
/// are seen, another customer's are not.
pub async fn members_are_forgotten_and_claims_are_seen(store: Arc<dyn PaymentStore>) {
    let customer = customer();
    let member = Member {
        customer_id: customer.clone(),
        member_id: MemberId::new(unique("m-")).unwrap_or_else(|e| panic!("{e}")),
        created_at: at(1),
    };
    assert_eq!(
        store.insert_member(&member).await.ok(),
        Some(Inserted::Created)
    );
    assert!(store.delete_member(&customer).await.is_ok());
    assert_eq!(store.member(&customer).await.ok(), Some(None));
    assert!(store.delete_member(&customer).await.is_ok());

    let mut order = sample_order();
    order.customer_id = customer.clone();
    order.state = OrderState::Authorized;
    assert_eq!(
        store.insert_order(&order).await.ok(),
        Some(Inserted::Created)
    );
    let mut other = sample_order();
    other.state = OrderState::Executing;
    assert_eq!(
        store.insert_order(&other).await.ok(),
        Some(Inserted::Created)
    );
    assert_eq!(store.has_claims(&customer).await.ok(), Some(false));
    let capturing = next(&order, OrderState::Capturing);
    assert_eq!(
        store
            .update_order(&capturing, order.version, &[])
            .await
            .ok(),
        Some(Updated::Done)
    );
    assert_eq!(store.has_claims(&customer).await.ok(), Some(true));
}

/// Every field of an order, including the secret AccessPass, comes back as written.
pub async fn order_round_trips_every_field(store: Arc<dyn PaymentStore>) {
    let mut order = sample_order();
    order.purpose = Purpose::CardRegistration;
    order.job = JobCd::Check;
    order.amount = yen(9_999_999);
    order.tax = tax(0);
    // Risk data (personal data, kept for the ExecTran) comes back field by field.
    for (field, value) in [
        (Tds2Field::Email, "taro@example.jp"),
        (Tds2Field::BillAddrCity, "渋谷区"),
        (Tds2Field::MobilePhoneCc, "81"),
        (Tds2Field::MobilePhoneSubscriber, "9012345678"),
    ] {
        let _ = order.risk_data.set(field, value);
    }
    assert_eq!(
        store.insert_order(&order).await.ok(),
        Some(Inserted::Created)
    );
    assert_eq!(
        store.order(&order.order_id).await.ok(),
        Some(Some(order.clone()))
    );

    let mut full = next(&order, OrderState::AwaitingThreeDs);
    full.access_id = Some(access_id());
    full.access_pass = Some(AccessPass::new("0123456789abcdef0123456789abcdef"));
    full.card_seq = Some(seq(3));
    full.gmo_status = Some(Status::Other("NEWSTATUS".into()));
    full.tran_id = Some("2611271200111111111111000001".into());
    full.approve = Some(" 004536".into());
    full.forward = Some("2a99662".into());
    full.redirect_url = Some("https://acs.example/cb?transId=1&t=ab".into());
    full.pending_amount = Some(yen(1));
    full.failure = Some(Failure {
        kind: ErrorKind::Declined,
        err_code: "G02|E01".into(),
        err_info: "42G020000|E01040010".into(),
    });
    full.updated_at = at(5);
    full.gmo_unconfirmed_at = Some(at(4));
    full.method = Some(Method::BonusInstallments(12));
    assert_eq!(
        store.update_order(&full, order.version, &[]).await.ok(),
        Some(Updated::Done)
    );
    assert_eq!(
        store.order(&order.order_id).await.ok(),
        Some(Some(full.clone()))
    );
    // Every method, with and without a number of payments.
    let mut current = full;
    for method in [
        Method::Lump,
        Method::Installments(3),
        Method::BonusLump,
        Method::Revolving,
    ] {
        let mut changed = next(&current, OrderState::AwaitingThreeDs);
        changed.method = Some(method);
        assert_eq!(
            store
                .update_order(&changed, current.version, &[])
                .await
                .ok(),
            Some(Updated::Done)
        );
        assert_eq!(
            store.order(&order.order_id).await.ok(),
            Some(Some(changed.clone())),
            "{method:?}"
        );
        current = changed;
    }
}

/// A second insert of the same id changes nothing and answers the stored order.
pub async fn order_insert_is_create_only(store: Arc<dyn PaymentStore>) {
    let order = sample_order();
    assert_eq!(
        store.insert_order(&order).await.ok(),
        Some(Inserted::Created)
    );
    let mut other = order.clone();
    other.amount = yen(1);
    assert_eq!(
        store.insert_order(&other).await.ok(),
        Some(Inserted::Existing(order.clone()))
    );
    assert_eq!(store.order(&order.order_id).await.ok(), Some(Some(order)));
}

/// An update of a copy read before another update writes nothing and answers the current
/// order; the update that wins is stored at the next version.
pub async fn update_is_compare_and_set(store: Arc<dyn PaymentStore>) {
    let order = sample_order();
    assert_eq!(
        store.insert_order(&order).await.ok(),
        Some(Inserted::Created)
    );
    let claimed = next(&order, OrderState::Entering);
    assert_eq!(
        store.update_order(&claimed, order.version, &[]).await.ok(),
        Some(Updated::Done)
    );
    assert_eq!(
        store.order(&order.order_id).await.ok(),
        Some(Some(claimed.clone())),
        "the update is stored with its version"
    );
    let stale = next(&order, OrderState::Expired);
    assert_eq!(
        store.update_order(&stale, order.version, &[]).await.ok(),
        Some(Updated::Conflict(Box::new(claimed.clone())))
    );
    assert_eq!(store.order(&order.order_id).await.ok(), Some(Some(claimed)));
}

/// An order that left a state and came back to it is at a later version: a copy read before
/// (in the same state) cannot be written. A compare-and-set on the state alone fails this.
pub async fn update_compares_the_version_not_the_state(store: Arc<dyn PaymentStore>) {
    let mut order = sample_order();
    order.state = OrderState::AwaitingThreeDs;
    assert_eq!(
        store.insert_order(&order).await.ok(),
        Some(Inserted::Created)
    );
    // One request finalizes, the call is found not to have happened, the order goes back to
    // awaiting 3-D Secure and is claimed again.
    let first = next(&order, OrderState::Finalizing);
    let back = next(&first, OrderState::AwaitingThreeDs);
    let again = next(&back, OrderState::Finalizing);
    for (update, read) in [(&first, &order), (&back, &first), (&again, &back)] {
        assert_eq!(
            store.update_order(update, read.version, &[]).await.ok(),
            Some(Updated::Done)
        );
    }
    // A reconciler read the first claim and resolves it from its old copy: refused.
    let from_old_copy = next(&first, OrderState::AwaitingThreeDs);
    assert_eq!(
        store
            .update_order(&from_old_copy, first.version, &[])
            .await
            .ok(),
        Some(Updated::Conflict(Box::new(again.clone()))),
        "a copy from before the order came back to its state was written"
    );
    assert_eq!(store.order(&order.order_id).await.ok(), Some(Some(again)));
}

/// Two writers change the same copy without changing the state: the second is refused, so the
/// first one's change is not lost.
pub async fn a_lost_update_is_refused(store: Arc<dyn PaymentStore>) {
    let mut order = sample_order();
    order.state = OrderState::Authorized;
    assert_eq!(
        store.insert_order(&order).await.ok(),
        Some(Inserted::Created)
    );
    let mut first = next(&order, OrderState::Authorized);
    first.tran_id = Some("first".into());
    let mut second = next(&order, OrderState::Authorized);
    second.tran_id = Some("second".into());
    assert_eq!(
        store.update_order(&first, order.version, &[]).await.ok(),
        Some(Updated::Done)
    );
    assert_eq!(
        store.update_order(&second, order.version, &[]).await.ok(),
        Some(Updated::Conflict(Box::new(first.clone()))),
        "the second writer overwrote the first"
    );
}

/// Updating an order that was never inserted is `NotFound`, and creates nothing.
pub async fn update_of_a_missing_order_is_not_found(store: Arc<dyn PaymentStore>) {
    let order = sample_order();
    assert_eq!(
        store
            .update_order(&next(&order, OrderState::Entering), order.version, &[])
            .await
            .ok(),
        Some(Updated::NotFound)
    );
    assert_eq!(store.order(&order.order_id).await.ok(), Some(None));
}

/// 64 concurrent claims of one order: exactly one wins, and the others see its claim.
pub async fn concurrent_claims_have_one_winner(store: Arc<dyn PaymentStore>) {
    let order = sample_order();
    assert_eq!(
        store.insert_order(&order).await.ok(),
        Some(Inserted::Created)
    );
    let barrier = Arc::new(tokio::sync::Barrier::new(64));
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            let (store, barrier) = (store.clone(), barrier.clone());
            let mut claim = next(&order, OrderState::Entering);
            claim.card_seq = Some(seq(i));
            tokio::spawn(async move {
                barrier.wait().await;
                store.update_order(&claim, 0, &[]).await.ok()
            })
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        match task.await.ok().flatten() {
            Some(Updated::Done) => winners += 1,
            Some(Updated::Conflict(current)) => assert_eq!(current.state, OrderState::Entering),
            other => panic!("unexpected answer to a claim: {other:?}"),
        }
    }
    assert_eq!(winners, 1);
}

/// The AccessID written by an update finds its order.
pub async fn finds_orders_by_access_id(store: Arc<dyn PaymentStore>) {
    let order = sample_order();
    let id = access_id();
    assert_eq!(store.order_by_access_id(&id).await.ok(), Some(None));
    assert_eq!(
        store.insert_order(&order).await.ok(),
        Some(Inserted::Created)
    );
    let mut entered = next(&order, OrderState::Entered);
    entered.access_id = Some(id.clone());
    entered.access_pass = Some(AccessPass::new("p"));
    assert_eq!(
        store.update_order(&entered, order.version, &[]).await.ok(),
        Some(Updated::Done)
    );
    assert_eq!(
        store.order_by_access_id(&id).await.ok(),
        Some(Some(entered))
    );
}

/// A lease for `owner` taken at `taken_at` (ms from the fixed instant), running a minute.
fn lease(owner: &str, taken_at: i64) -> Lease {
    Lease {
        owner: owner.to_owned(),
        taken_at: at(taken_at),
        until: at(taken_at + 60_000),
    }
}

/// Inserts orders in `states`, the first updated `base` ms from the fixed instant and each
/// next one a second earlier; answers them.
async fn insert_aged(store: &dyn PaymentStore, base: i64, states: &[OrderState]) -> Vec<Order> {
    let mut orders = Vec::new();
    for (i, &state) in states.iter().enumerate() {
        let mut order = sample_order();
        order.state = state;
        order.updated_at = at(base - 1000 * i64::try_from(i).unwrap_or(0));
        assert_eq!(
            store.insert_order(&order).await.ok(),
            Some(Inserted::Created)
        );
        orders.push(order);
    }
    orders
}

/// Leases only those of `orders` among `leased`, in the order leased.
fn among(leased: &[Order], orders: &[Order]) -> Vec<Order> {
    leased
        .iter()
        .filter(|o| orders.iter().any(|x| x.order_id == o.order_id))
        .cloned()
        .collect()
}

/// A lease takes orders that need settling and are older than the cutoff, oldest first, within
/// the limit, unchanged; settled payments, terminal and recent orders are left out.
pub async fn leases_take_due_orders_only(store: Arc<dyn PaymentStore>) {
    // Far in the past so that other tests sharing the database do not interfere.
    let base = -10_000_000_000_i64;
    let orders = insert_aged(
        &*store,
        base,
        &[
            OrderState::Executing,
            OrderState::Captured,
            OrderState::Authorized,
            OrderState::Refunded,
            OrderState::AwaitingThreeDs,
            OrderState::Failed,
            OrderState::Finalizing,
        ],
    )
    .await;
    let recent = insert_aged(&*store, base + 10_000, &[OrderState::Executing]).await;
    let mut due: Vec<Order> = orders
        .iter()
        .filter(|o| o.state.needs_settling())
        .cloned()
        .collect();
    due.sort_by_key(|o| o.updated_at);

    let taken_at = base - 100_000_000;
    let limited = store
        .lease_orders_to_reconcile(&lease("limited", taken_at), at(base + 1), 2)
        .await
        .ok()
        .unwrap_or_default();
    assert_eq!(limited.len(), 2, "the limit is not kept");
    assert!(limited[0].updated_at <= limited[1].updated_at);
    let all = store
        .lease_orders_to_reconcile(&lease("all", taken_at), at(base + 1), 100)
        .await
        .ok()
        .unwrap_or_default();
    let mut ours = among(&limited, &orders);
    ours.extend(among(&all, &orders));
    ours.sort_by_key(|o| o.updated_at);
    assert_eq!(ours, due, "the due orders, each leased once, as stored");
    assert!(among(&all, &recent).is_empty(), "a recent order was leased");
}

/// Orders with money at stake (claims, awaiting 3-D Secure) are leased before older orders that
/// never moved money (prepared, entered).
pub async fn leases_put_money_first(store: Arc<dyn PaymentStore>) {
    let base = -20_000_000_000_i64;
    // The junk is older: oldest-first alone would lease it first.
    let junk = insert_aged(
        &*store,
        base - 10_000,
        &[
            OrderState::Prepared,
            OrderState::Entered,
            OrderState::Prepared,
        ],
    )
    .await;
    let money = insert_aged(
        &*store,
        base,
        &[OrderState::AwaitingThreeDs, OrderState::Finalizing],
    )
    .await;
    let mut all = junk.clone();
    all.extend(money.iter().cloned());
    let mut leased = Vec::new();
    for n in 0..5 {
        let batch = store
            .lease_orders_to_reconcile(&lease(&format!("money-{n}"), base), at(base + 1), 1)
            .await
            .ok()
            .unwrap_or_default();
        leased.extend(among(&batch, &all));
    }
    let states: Vec<OrderState> = leased.iter().map(|o| o.state).collect();
    assert_eq!(
        states,
        [
            OrderState::Finalizing,
            OrderState::AwaitingThreeDs,
            OrderState::Prepared,
            OrderState::Entered,
            OrderState::Prepared,
        ],
        "money first, then oldest first"
    );
}

/// A leased order is not leased again until its lease runs out or is released; leasing
/// changes neither the order nor its version, and updates leave the lease alone.
pub async fn a_leased_order_is_not_leased_again(store: Arc<dyn PaymentStore>) {
    let base = -30_000_000_000_i64;
    let orders = insert_aged(&*store, base, &[OrderState::Executing]).await;
    let take = |owner: &'static str, taken_at: i64| {
        let store = store.clone();
        let orders = orders.clone();
        async move {
            let leased = store
                .lease_orders_to_reconcile(&lease(owner, taken_at), at(base + 1000), 1000)
                .await
                .ok()
                .unwrap_or_default();
            among(&leased, &orders)
        }
    };
    assert_eq!(
        take("a", base).await,
        orders,
        "the order is leased as stored"
    );
    assert_eq!(take("b", base + 59_999).await, [], "leased twice at once");
    // An update by a request (not a reconciler) keeps the order leased.
    let claimed = next(&orders[0], OrderState::Executing);
    assert_eq!(
        store
            .update_order(&claimed, orders[0].version, &[])
            .await
            .ok(),
        Some(Updated::Done)
    );
    assert_eq!(take("b", base + 1).await, [], "an update freed the lease");
    // Run out: the lease of a dead instance.
    assert_eq!(
        take("b", base + 60_000).await,
        std::slice::from_ref(&claimed)
    );
    // Released: free at once.
    assert!(store.release_leases("b").await.is_ok());
    assert!(store.release_leases("nobody").await.is_ok());
    assert_eq!(take("c", base + 60_001).await, [claimed]);
}

/// Eight reconcilers lease at once from 40 due orders: each order goes to one of them.
pub async fn concurrent_lease_takers_share_nothing(store: Arc<dyn PaymentStore>) {
    let base = -40_000_000_000_i64;
    let orders = insert_aged(&*store, base, &[OrderState::Finalizing; 40]).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(8));
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let (store, barrier, orders) = (store.clone(), barrier.clone(), orders.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let mut mine = Vec::new();
                // Bounded: a store that hands out the same orders again must not hang the test.
                for _ in 0..orders.len() {
                    let batch = store
                        .lease_orders_to_reconcile(
                            &lease(&format!("racer-{n}"), base),
                            at(base + 1),
                            3,
                        )
                        .await
                        .ok()
                        .unwrap_or_default();
                    let ours = among(&batch, &orders);
                    if ours.is_empty() {
                        break;
                    }
                    mine.extend(ours.into_iter().map(|o| o.order_id));
                }
                mine
            })
        })
        .collect();
    let mut leased = Vec::new();
    for task in tasks {
        leased.extend(task.await.unwrap_or_default());
    }
    let total = leased.len();
    leased.sort();
    leased.dedup();
    assert_eq!(
        total,
        leased.len(),
        "an order was leased by two reconcilers"
    );
    assert_eq!(leased.len(), orders.len(), "an order was never leased");
}

/// An event of `order` of `kind`, as the core makes them.
fn event(order: &Order, kind: EventKind) -> PaymentEvent {
    PaymentEvent {
        id: unique("ev"),
        order_id: order.order_id.clone(),
        customer_id: order.customer_id.clone(),
        purpose: order.purpose,
        kind,
        amount: order.amount.yen(),
        tax: order.tax.yen(),
        access_id: order.access_id.clone(),
        tran_id: Some("2611271200111111111111000001".into()),
        approve: Some(" 004536".into()),
        card_seq: Some(2),
        at: order.updated_at,
    }
}

/// `order` (stored at its version) moved to `state` with `kinds` of events; answers the new
/// record and its events.
async fn change_with_events(
    store: &dyn PaymentStore,
    order: &Order,
    state: OrderState,
    kinds: &[EventKind],
) -> (Order, Vec<PaymentEvent>) {
    let changed = next(order, state);
    let events: Vec<PaymentEvent> = kinds.iter().map(|&k| event(&changed, k)).collect();
    assert_eq!(
        store
            .update_order(&changed, order.version, &events)
            .await
            .ok(),
        Some(Updated::Done)
    );
    (changed, events)
}

/// The feed's events of `orders`.
async fn feed_of(store: &dyn PaymentStore, orders: &[&Order]) -> Vec<StoredEvent> {
    store
        .events_after(0, 1_000_000)
        .await
        .ok()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| orders.iter().any(|o| o.order_id == e.event.order_id))
        .collect()
}

/// A lease of events for `owner` taken now, for a minute.
fn lease_now(owner: &str) -> Lease {
    let now = OffsetDateTime::now_utc();
    Lease {
        owner: owner.to_owned(),
        taken_at: now,
        until: now + Duration::minutes(1),
    }
}

/// Leased events of `orders` (others' are left to their leases).
async fn leased_events(
    store: &dyn PaymentStore,
    owner: &str,
    orders: &[&Order],
) -> Vec<PaymentEvent> {
    store
        .lease_events(&lease_now(owner), 1_000_000)
        .await
        .ok()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.event)
        .filter(|e| orders.iter().any(|o| o.order_id == e.order_id))
        .collect()
}

/// Events come back as written, in order, undelivered, with the change that made them; an
/// update that loses its compare-and-set writes none.
pub async fn events_are_written_with_their_change_only(store: Arc<dyn PaymentStore>) {
    let mut order = sample_order();
    order.state = OrderState::Finalizing;
    assert_eq!(
        store.insert_order(&order).await.ok(),
        Some(Inserted::Created)
    );
    let (paid, events) = change_with_events(
        &*store,
        &order,
        OrderState::Captured,
        &[EventKind::Authorized, EventKind::Captured],
    )
    .await;
    // A stale copy's change, with its events: refused, and its events with it.
    let stale = next(&order, OrderState::Failed);
    let lost = [event(&stale, EventKind::Failed)];
    assert_eq!(
        store.update_order(&stale, order.version, &lost).await.ok(),
        Some(Updated::Conflict(Box::new(paid.clone())))
    );
    let feed = feed_of(&*store, &[&order]).await;
    let written: Vec<PaymentEvent> = feed.iter().map(|e| e.event.clone()).collect();
    assert_eq!(written, events, "the change's events, as written, in order");
    assert!(feed[0].seq < feed[1].seq);
    assert!(
        feed.iter()
            .all(|e| e.attempts == 0 && e.delivered_at.is_none())
    );
    // The feed reads on from a cursor.
    let after_first = store
        .events_after(feed[0].seq, 1_000_000)
        .await
        .ok()
        .unwrap_or_default();
    assert!(after_first.iter().all(|e| e.seq > feed[0].seq));
    assert!(after_first.iter().any(|e| e.event == events[1]));
}

/// Each order's events are handed over one at a time, in order: the next only once the one
/// before is delivered.
pub async fn events_are_leased_in_order_per_order(store: Arc<dyn PaymentStore>) {
    let (a, b) = (sample_order(), sample_order());
    for order in [&a, &b] {
        assert_eq!(
            store.insert_order(order).await.ok(),
            Some(Inserted::Created)
        );
    }
    let (a1, first) = change_with_events(
        &*store,
        &a,
        OrderState::Authorized,
        &[EventKind::Authorized],
    )
    .await;
    let (_, second) =
        change_with_events(&*store, &a1, OrderState::Captured, &[EventKind::Captured]).await;
    let (_, only) = change_with_events(&*store, &b, OrderState::Failed, &[EventKind::Failed]).await;
    let leased = leased_events(&*store, "in-order", &[&a, &b]).await;
    assert_eq!(
        leased,
        [first[0].clone(), only[0].clone()],
        "one event per order, the first"
    );
    let seq = |e: &PaymentEvent| {
        let store = store.clone();
        let id = e.id.clone();
        async move {
            store
                .events_after(0, 1_000_000)
                .await
                .ok()
                .unwrap_or_default()
                .into_iter()
                .find(|s| s.event.id == id)
                .map(|s| s.seq)
                .unwrap_or_else(|| panic!("event {id} is in the feed"))
        }
    };
    let delivered_at = OffsetDateTime::now_utc();
    assert!(
        store
            .events_delivered(&[seq(&first[0]).await], delivered_at)
            .await
            .is_ok()
    );
    assert_eq!(
        leased_events(&*store, "in-order-2", &[&a, &b]).await,
        [second[0].clone()],
        "the order's next event, once the first is delivered"
    );
    let feed = feed_of(&*store, &[&a]).await;
    assert_eq!(
        feed[0].delivered_at.map(|t| t.unix_timestamp()),
        Some(delivered_at.unix_timestamp())
    );
}

/// A failed delivery counts an attempt; the event waits until it is due again, and holds back
/// its order's later events meanwhile.
pub async fn a_failed_event_waits_and_holds_back_its_order(store: Arc<dyn PaymentStore>) {
    let order = sample_order();
    assert_eq!(
        store.insert_order(&order).await.ok(),
        Some(Inserted::Created)
    );
    let (paid, first) = change_with_events(
        &*store,
        &order,
        OrderState::Authorized,
        &[EventKind::Authorized],
    )
    .await;
    change_with_events(&*store, &paid, OrderState::Captured, &[EventKind::Captured]).await;
    let feed = feed_of(&*store, &[&order]).await;
    assert_eq!(leased_events(&*store, "fails", &[&order]).await, first);
    let later = OffsetDateTime::now_utc() + Duration::hours(1);
    assert!(store.event_failed(feed[0].seq, later).await.is_ok());
    assert_eq!(
        leased_events(&*store, "too-early", &[&order]).await,
        [],
        "not due yet, and nothing after it"
    );
    let feed = feed_of(&*store, &[&order]).await;
    assert_eq!(feed[0].attempts, 1);
    let due = Lease {
        owner: "due".into(),
        taken_at: later,
        until: later + Duration::minutes(1),
    };
    let again: Vec<PaymentEvent> = store
        .lease_events(&due, 1_000_000)
        .await
        .ok()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.event)
        .filter(|e| e.order_id == order.order_id)
        .collect();
    assert_eq!(again, first, "due again");
}

/// One call marks a batch of events delivered, each of several orders: none of them is leased
/// again, even once their lease has run out, and each order's next event comes up. An empty
/// batch changes nothing.
pub async fn events_are_delivered_in_batches(store: Arc<dyn PaymentStore>) {
    let mut orders = Vec::new();
    let mut firsts = Vec::new();
    let mut seconds = Vec::new();
    for _ in 0..3 {
        let order = sample_order();
        assert_eq!(
            store.insert_order(&order).await.ok(),
            Some(Inserted::Created)
        );
        let (paid, first) = change_with_events(
            &*store,
            &order,
            OrderState::Authorized,
            &[EventKind::Authorized],
        )
        .await;
        let (_, second) =
            change_with_events(&*store, &paid, OrderState::Captured, &[EventKind::Captured]).await;
        orders.push(order);
        firsts.extend(first);
        seconds.extend(second);
    }
    let of: Vec<&Order> = orders.iter().collect();
    assert_eq!(leased_events(&*store, "batch", &of).await, firsts);
    let feed = feed_of(&*store, &of).await;
    let seqs: Vec<u64> = feed
        .iter()
        .filter(|e| firsts.contains(&e.event))
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs.len(), 3);
    assert!(
        store
            .events_delivered(&[], OffsetDateTime::now_utc())
            .await
            .is_ok()
    );
    assert!(
        feed_of(&*store, &of)
            .await
            .iter()
            .all(|e| e.delivered_at.is_none()),
        "an empty batch marks nothing"
    );
    let delivered_at = at(7);
    assert!(store.events_delivered(&seqs, delivered_at).await.is_ok());
    let feed = feed_of(&*store, &of).await;
    for e in &feed {
        let expected = firsts.contains(&e.event).then_some(delivered_at);
        assert_eq!(e.delivered_at, expected, "event {}", e.event.id);
    }
    // Past the first lease's end: the delivered events stay delivered, their orders' next ones
    // come up, and a second mark of a delivered event keeps its first time.
    let later = OffsetDateTime::now_utc() + Duration::hours(1);
    let past_lease = Lease {
        owner: "batch-2".into(),
        taken_at: later,
        until: later + Duration::minutes(1),
    };
    let again: Vec<PaymentEvent> = store
        .lease_events(&past_lease, 1_000_000)
        .await
        .ok()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.event)
        .filter(|e| orders.iter().any(|o| o.order_id == e.order_id))
        .collect();
    assert_eq!(
        again, seconds,
        "the orders' next events, not the delivered ones"
    );
    assert!(store.events_delivered(&seqs, at(9)).await.is_ok());
    assert!(
        feed_of(&*store, &of)
            .await
            .iter()
            .filter(|e| firsts.contains(&e.event))
            .all(|e| e.delivered_at == Some(delivered_at))
    );
}

/// Four deliverers lease at once from 24 orders' events: each event goes to one of them.
pub async fn concurrent_event_takers_share_nothing(store: Arc<dyn PaymentStore>) {
    let mut orders = Vec::new();
    for _ in 0..24 {
        let order = sample_order();
        assert_eq!(
            store.insert_order(&order).await.ok(),
            Some(Inserted::Created)
        );
        change_with_events(
            &*store,
            &order,
            OrderState::Authorized,
            &[EventKind::Authorized],
        )
        .await;
        orders.push(order);
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(4));
    let tasks: Vec<_> = (0..4)
        .map(|n| {
            let (store, barrier, orders) = (store.clone(), barrier.clone(), orders.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let orders: Vec<&Order> = orders.iter().collect();
                leased_events(&*store, &format!("taker-{n}"), &orders)
                    .await
                    .into_iter()
                    .map(|e| e.id)
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        ids.extend(task.await.unwrap_or_default());
    }
    let total = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(total, ids.len(), "an event was leased twice");
    assert_eq!(ids.len(), orders.len(), "an event was never leased");
}

/// An inbox entry for `order` (a fresh delivery key each call), arrived at `at(n)`.
fn inbox_entry(order: &OrderId, n: u32) -> InboxEntry {
    let notification = ResultNotification {
        shop_id: "tshop00000001".into(),
        order_id: Some(order.clone()),
        access_id: "0123456789abcdef0123456789abcdef".into(),
        status: Some(Status::Capture),
        job_cd: Some(JobCd::Capture),
        amount: Some(n),
        tax: Some(0),
        tran_id: unique("t"),
        tran_date: "20261127120000".into(),
        err_code: String::new(),
        err_info: String::new(),
    };
    InboxEntry {
        key: notification.key(),
        notification,
        received_at: at(i64::from(n)),
        processed_at: None,
    }
}

/// The stored entries of `orders`, pending ones, in the store's order.
async fn pending_of(store: &dyn PaymentStore, orders: &[&OrderId]) -> Vec<InboxEntry> {
    store
        .unprocessed_notifications(usize::MAX)
        .await
        .ok()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| {
            e.notification
                .order_id
                .as_ref()
                .is_some_and(|id| orders.contains(&id))
        })
        .collect()
}

/// The inbox keeps one entry per order: a newer notification replaces the order's entry,
/// pending or processed, and the put answers the entry it replaced. Pending entries are listed
/// in the order their orders first came; marking a replaced delivery's key changes nothing.
pub async fn inbox_keeps_one_entry_per_order(store: Arc<dyn PaymentStore>) {
    let (a, b) = (order_id(), order_id());
    let (a1, b1, a2) = (inbox_entry(&a, 1), inbox_entry(&b, 2), inbox_entry(&a, 3));
    assert_eq!(store.put_notification(&a1).await.ok(), Some(None));
    assert_eq!(store.put_notification(&b1).await.ok(), Some(None));
    assert_eq!(
        store.put_notification(&a2).await.ok(),
        Some(Some(a1.clone())),
        "a newer notification replaces the order's entry"
    );
    assert_eq!(
        pending_of(&*store, &[&a, &b]).await,
        vec![a2.clone(), b1.clone()]
    );
    // The same delivery again replaces itself: still one entry.
    assert_eq!(
        store.put_notification(&a2).await.ok(),
        Some(Some(a2.clone()))
    );
    // The replaced delivery's key marks nothing; the newer entry stays pending.
    assert!(
        store
            .mark_notification_processed(&a1.key, at(50))
            .await
            .is_ok()
    );
    assert!(
        store
            .mark_notification_processed("no-such-key", at(50))
            .await
            .is_ok()
    );
    assert_eq!(
        pending_of(&*store, &[&a, &b]).await,
        vec![a2.clone(), b1.clone()]
    );
    assert!(
        store
            .mark_notification_processed(&a2.key, at(60))
            .await
            .is_ok()
    );
    assert_eq!(pending_of(&*store, &[&a, &b]).await, vec![b1.clone()]);
    // A processed entry is replaced too, and answered with its processing time.
    let a3 = inbox_entry(&a, 70);
    let mut a2_done = a2;
    a2_done.processed_at = Some(at(60));
    assert_eq!(
        store.put_notification(&a3).await.ok(),
        Some(Some(a2_done)),
        "a processed entry is replaced, not kept beside the new one"
    );
    assert_eq!(pending_of(&*store, &[&a, &b]).await, vec![a3, b1]);
}

/// 300 notifications for one order, each a new delivery, 8 at a time: one entry remains.
pub async fn a_flood_of_notifications_keeps_one_entry(store: Arc<dyn PaymentStore>) {
    let order = order_id();
    let tasks: Vec<_> = (0..8u32)
        .map(|task| {
            let (store, order) = (store.clone(), order.clone());
            tokio::spawn(async move {
                for n in 0..300 / 8 + 1 {
                    let _ = store
                        .put_notification(&inbox_entry(&order, task * 100 + n))
                        .await;
                }
            })
        })
        .collect();
    for task in tasks {
        let _ = task.await;
    }
    assert_eq!(
        pending_of(&*store, &[&order]).await.len(),
        1,
        "a flood of notifications for one order grew the inbox"
    );
}
