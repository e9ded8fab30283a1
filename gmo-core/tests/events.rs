//! Payment events: each test card and each back-office action writes the events a merchant
//! acts on; the delivery loop hands them to the app's handler once (even with two instances
//! delivering), an order's in order, and again after the handler failed; in batches, different
//! orders' side by side, with few store writes.

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gmo_core::Payments;
use gmo_core::event::{EventKind, PaymentEvent};
use gmo_core::flow::{HandlerError, PaymentEventHandler};
use gmo_core::order::OrderState;
use gmo_core::store::{PaymentStore, Updated, conformance};
use gmo_core::values::Amount;
use gmo_core::values::OrderId;
use gmo_sandbox::CHALLENGE_OTP;
use support::{World, customer, sandbox_builder};
use time::OffsetDateTime;

/// The kinds of the feed's events of `order_id`, in order.
async fn kinds_of(payments: &Payments, order_id: &OrderId) -> Vec<EventKind> {
    payments
        .events_after(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| &e.event.order_id == order_id)
        .map(|e| e.event.kind)
        .collect()
}

#[tokio::test]
async fn every_test_card_and_admin_action_writes_its_events() {
    use EventKind::*;
    let world = World::new().await;
    let alice = customer("alice");
    let p = &world.payments;
    let cases: [(&str, &str, &[EventKind]); 5] = [
        ("4100000000005000", CHALLENGE_OTP, &[Authorized]),
        ("4111111111111111", CHALLENGE_OTP, &[Authorized]),
        ("4100000000000209", CHALLENGE_OTP, &[Authorized]),
        ("4100000000000407", CHALLENGE_OTP, &[Failed]),
        ("4100000000005000", "000000", &[Failed]),
    ];
    for (card, otp, expected) in cases {
        let (order_id, _) = world.checkout(&alice, 1000, card, otp).await;
        assert_eq!(kinds_of(p, &order_id).await, expected, "card {card}");
        let event = p.events_after(0, 10_000).await.unwrap();
        let event = event
            .iter()
            .rfind(|e| e.event.order_id == order_id)
            .unwrap();
        assert_eq!(event.event.customer_id, alice);
        assert_eq!(event.event.amount, 1000);
    }

    let (world, alice) = (&world, &alice);
    let paid = |yen| async move {
        let (order_id, state) = world
            .checkout(alice, yen, "4111111111111111", CHALLENGE_OTP)
            .await;
        assert_eq!(state, OrderState::Authorized);
        order_id
    };
    let captured = paid(1100).await;
    p.capture(&captured).await.unwrap();
    p.refund(&captured).await.unwrap();
    assert_eq!(
        kinds_of(p, &captured).await,
        [Authorized, EventKind::Captured, Refunded]
    );
    let voided = paid(1200).await;
    p.void(&voided).await.unwrap();
    assert_eq!(kinds_of(p, &voided).await, [Authorized, Voided]);
    let changed = paid(1300).await;
    p.change_amount(&changed, Amount::new(900).unwrap())
        .await
        .unwrap();
    assert_eq!(kinds_of(p, &changed).await, [Authorized, AmountChanged]);
    let amounts: Vec<u32> = p
        .events_after(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event.order_id == changed)
        .map(|e| e.event.amount)
        .collect();
    assert_eq!(amounts, [1300, 900]);

    // A shopper who never comes back from the issuer: the order expires.
    let abandoned = world.prepare(alice, 1400).await;
    p.confirm(
        alice,
        &abandoned,
        gmo_core::flow::PaymentSource::NewCard(world.token("4100000000005000")),
    )
    .await
    .unwrap();
    p.reconcile_older_than(Duration::ZERO).await.unwrap();
    assert_eq!(kinds_of(p, &abandoned).await, [Expired]);

    // A card registration verified by 3-D Secure.
    let registration = match p
        .register_card(alice, world.token("4111111111111111"))
        .await
        .unwrap()
    {
        gmo_core::flow::CardRegistration::RedirectTo { order_id, url } => {
            let ret = world.authenticate(&url, CHALLENGE_OTP).await;
            p.complete_three_ds(ret).await.unwrap();
            order_id
        }
        other => panic!("3-D Secure is asked: {other:?}"),
    };
    assert_eq!(kinds_of(p, &registration).await, [CardSaved]);
}

/// Records what it is handed; fails its first `fail` calls for each event.
#[derive(Default)]
struct Recorder {
    fail: usize,
    seen: Mutex<Vec<PaymentEvent>>,
    calls: Mutex<HashMap<String, usize>>,
}

#[async_trait::async_trait]
impl PaymentEventHandler for Recorder {
    async fn handle(&self, event: &PaymentEvent) -> Result<(), HandlerError> {
        let call = {
            let mut calls = self.calls.lock().unwrap();
            let n = calls.entry(event.id.clone()).or_default();
            *n += 1;
            *n
        };
        if call <= self.fail {
            return Err(HandlerError::new("the warehouse is down"));
        }
        // A handler that takes a moment, so that racing deliverers overlap.
        tokio::time::sleep(Duration::from_millis(2)).await;
        self.seen.lock().unwrap().push(event.clone());
        Ok(())
    }
}

/// A world whose payments hand their events to `handler`, and another instance on its store.
async fn world_with(handler: Arc<Recorder>) -> (World, Payments) {
    let world = World::build(
        sandbox_builder(),
        Arc::new(gmo_core::store::MemoryStore::new()),
        |b| b.event_handler(handler.clone()),
    )
    .await;
    let other = Payments::builder(
        support::client_for(&world.sandbox, Duration::from_secs(5)),
        world.store.clone(),
    )
    .public_url(support::PUBLIC_URL)
    .event_handler(handler)
    .build()
    .unwrap();
    (world, other)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_hand_each_event_over_once_and_in_order() {
    let handler = Arc::new(Recorder::default());
    let (world, other) = world_with(handler.clone()).await;
    let alice = customer("alice");
    let mut orders = Vec::new();
    for yen in 1000..1010 {
        let (order_id, _) = world
            .checkout(&alice, yen, "4111111111111111", CHALLENGE_OTP)
            .await;
        world.payments.capture(&order_id).await.unwrap();
        world.payments.void(&order_id).await.unwrap();
        orders.push(order_id);
    }
    let (a, b) = tokio::join!(world.payments.deliver_events(), other.deliver_events());
    let delivered = a.unwrap().delivered + b.unwrap().delivered;
    assert_eq!(delivered, 30);
    let seen = handler.seen.lock().unwrap().clone();
    let mut ids: Vec<&str> = seen.iter().map(|e| e.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 30, "each event once");
    for order_id in &orders {
        let kinds: Vec<EventKind> = seen
            .iter()
            .filter(|e| &e.order_id == order_id)
            .map(|e| e.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                EventKind::Authorized,
                EventKind::Captured,
                EventKind::Voided
            ]
        );
    }
    let feed = world.payments.events_after(0, 100).await.unwrap();
    assert!(feed.iter().all(|e| e.delivered_at.is_some()));
    // Nothing is handed over twice.
    assert_eq!(world.payments.deliver_events().await.unwrap().delivered, 0);
}

#[tokio::test]
async fn a_failing_handler_gets_the_event_again_and_holds_back_the_order() {
    let handler = Arc::new(Recorder {
        fail: 2,
        ..Recorder::default()
    });
    let (world, _) = world_with(handler.clone()).await;
    let alice = customer("alice");
    let (order_id, _) = world
        .checkout(&alice, 1000, "4111111111111111", CHALLENGE_OTP)
        .await;
    world.payments.capture(&order_id).await.unwrap();
    let first = world.payments.deliver_events().await.unwrap();
    assert_eq!((first.delivered, first.failed), (0, 1));
    // Not due yet: nothing, and the capture waits behind the authorisation.
    let early = world.payments.deliver_events().await.unwrap();
    assert_eq!((early.delivered, early.failed), (0, 0));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(world.payments.deliver_events().await.unwrap().failed, 1);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let last = world.payments.deliver_events().await.unwrap();
    assert_eq!(last.delivered, 1, "the authorisation, on its third try");
    let kinds: Vec<EventKind> = handler
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, [EventKind::Authorized]);
    let feed = world.payments.events_after(0, 10).await.unwrap();
    assert_eq!(feed[0].attempts, 2);
    // The capture comes after it, on its own first tries.
    tokio::time::sleep(Duration::from_millis(3200)).await;
    for _ in 0..3 {
        world.payments.deliver_events().await.unwrap();
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    let kinds: Vec<EventKind> = handler
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, [EventKind::Authorized, EventKind::Captured]);
}

#[tokio::test]
async fn payments_go_on_while_the_handler_fails() {
    let handler = Arc::new(Recorder {
        fail: usize::MAX,
        ..Recorder::default()
    });
    let (world, _) = world_with(handler).await;
    let alice = customer("alice");
    let delivery = world
        .payments
        .deliver_events_every(Duration::from_millis(20));
    for yen in [1000, 1001, 1002] {
        let (_, state) = world
            .checkout(&alice, yen, "4111111111111111", CHALLENGE_OTP)
            .await;
        assert_eq!(state, OrderState::Authorized);
    }
    delivery.abort();
    let feed = world.payments.events_after(0, 10).await.unwrap();
    assert_eq!(feed.len(), 3);
    assert!(feed.iter().all(|e| e.delivered_at.is_none()));
}

/// Writes a fresh order straight into `store` (no GMO call), one change per kind, each with
/// its event; answers the order's id and its events' ids, in order.
async fn order_with_events(
    store: &dyn PaymentStore,
    kinds: &[EventKind],
) -> (OrderId, Vec<String>) {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut order = conformance::sample_order();
    store.insert_order(&order).await.unwrap();
    let mut ids = Vec::new();
    for &kind in kinds {
        let changed = conformance::next(&order, OrderState::Authorized);
        let id = format!("ev{:030x}", NEXT.fetch_add(1, Ordering::SeqCst));
        let event = PaymentEvent {
            id: id.clone(),
            order_id: order.order_id.clone(),
            customer_id: order.customer_id.clone(),
            purpose: order.purpose,
            kind,
            amount: order.amount.yen(),
            tax: order.tax.yen(),
            access_id: None,
            tran_id: None,
            approve: None,
            card_seq: None,
            at: OffsetDateTime::now_utc(),
        };
        assert_eq!(
            store
                .update_order(&changed, order.version, &[event])
                .await
                .unwrap(),
            Updated::Done
        );
        ids.push(id);
        order = changed;
    }
    (order.order_id, ids)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pass_over_many_events_makes_few_store_writes() {
    let store = Arc::new(support::FaultyStore::new());
    let handler = Arc::new(Recorder::default());
    let world = World::build(sandbox_builder(), store.clone(), |b| {
        b.event_handler(handler.clone())
    })
    .await;
    let mut orders = Vec::new();
    for n in 0..50 {
        // Ten orders with a second event, which waits for the first to be delivered.
        let kinds: &[EventKind] = if n < 10 {
            &[EventKind::Authorized, EventKind::Captured]
        } else {
            &[EventKind::Authorized]
        };
        orders.push(order_with_events(&*store, kinds).await);
    }
    let before = store.event_writes();
    let report = world.payments.deliver_events().await.unwrap();
    assert_eq!((report.delivered, report.failed), (60, 0));
    let writes = store.event_writes() - before;
    // Three batches leased (the first events, the second ones, none), two marked delivered:
    // one at a time it was three writes per event, 180.
    assert!(writes <= 6, "{writes} store writes for 60 events");
    let feed = world.payments.events_after(0, 1000).await.unwrap();
    assert!(feed.iter().all(|e| e.delivered_at.is_some()));
    let seen = handler.seen.lock().unwrap().clone();
    for (order_id, ids) in &orders {
        let handed: Vec<&String> = seen
            .iter()
            .filter(|e| &e.order_id == order_id)
            .map(|e| &e.id)
            .collect();
        assert_eq!(
            handed,
            ids.iter().collect::<Vec<_>>(),
            "once each, in order"
        );
    }
    assert_eq!(world.payments.deliver_events().await.unwrap().delivered, 0);
}

/// Holds the first event of `blocked` until an event of another order was handled (at most
/// 4 s, then fails it); logs when each call starts and ends.
struct Gate {
    blocked: OrderId,
    other_handled: tokio::sync::Notify,
    log: Mutex<Vec<(&'static str, String)>>,
}

#[async_trait::async_trait]
impl PaymentEventHandler for Gate {
    async fn handle(&self, event: &PaymentEvent) -> Result<(), HandlerError> {
        self.log.lock().unwrap().push(("start", event.id.clone()));
        if event.order_id == self.blocked {
            if event.kind == EventKind::Authorized
                && tokio::time::timeout(Duration::from_secs(4), self.other_handled.notified())
                    .await
                    .is_err()
            {
                return Err(HandlerError::new("no other order was handled meanwhile"));
            }
        } else {
            // Stored as a permit if the blocked call is not waiting yet.
            self.other_handled.notify_one();
        }
        self.log.lock().unwrap().push(("end", event.id.clone()));
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_held_up_on_one_order_does_not_hold_up_another() {
    let store: Arc<dyn PaymentStore> = Arc::new(gmo_core::store::MemoryStore::new());
    // The blocked order's events come first in the feed.
    let (blocked, blocked_ids) =
        order_with_events(&*store, &[EventKind::Authorized, EventKind::Captured]).await;
    let (_, other_ids) = order_with_events(&*store, &[EventKind::Authorized]).await;
    let handler = Arc::new(Gate {
        blocked,
        other_handled: tokio::sync::Notify::new(),
        log: Mutex::new(Vec::new()),
    });
    let world = World::build(sandbox_builder(), store, |b| {
        b.event_handler(handler.clone())
    })
    .await;
    let report = world.payments.deliver_events().await.unwrap();
    assert_eq!((report.delivered, report.failed), (3, 0));
    let log = handler.log.lock().unwrap().clone();
    let at = |what: &str, id: &str| {
        log.iter()
            .position(|(w, i)| *w == what && i == id)
            .unwrap_or_else(|| panic!("{what} {id} in {log:?}"))
    };
    let (first, second, other) = (&blocked_ids[0], &blocked_ids[1], &other_ids[0]);
    assert!(at("end", other) < at("end", first), "{log:?}");
    assert!(at("end", first) < at("start", second), "in order: {log:?}");
    assert_eq!(log.len(), 6, "each once: {log:?}");
}

/// Fails every event of one order, takes the others; or, with `slow`, takes them all but longer
/// than the handler's time over that order's.
struct FailsOne {
    order: OrderId,
    slow: bool,
    seen: Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl PaymentEventHandler for FailsOne {
    async fn handle(&self, event: &PaymentEvent) -> Result<(), HandlerError> {
        if event.order_id == self.order {
            if !self.slow {
                return Err(HandlerError::new("the warehouse refuses this one"));
            }
            tokio::time::sleep(Duration::from_secs(6)).await;
        }
        self.seen.lock().unwrap().push(event.id.clone());
        Ok(())
    }
}

/// A batch of five orders' events of which the handler fails the third (or takes too long
/// over it): that one is counted failed and due later, the other four are delivered.
async fn one_of_a_batch_fails(slow: bool) {
    let store = Arc::new(support::FaultyStore::new());
    let mut ids = Vec::new();
    let mut orders = Vec::new();
    for _ in 0..5 {
        let (order_id, id) = order_with_events(&*store, &[EventKind::Authorized]).await;
        orders.push(order_id);
        ids.push(id[0].clone());
    }
    let handler = Arc::new(FailsOne {
        order: orders[2].clone(),
        slow,
        seen: Mutex::new(Vec::new()),
    });
    let world = World::build(sandbox_builder(), store.clone(), |b| {
        b.event_handler(handler.clone())
    })
    .await;
    let started = std::time::Instant::now();
    let report = world.payments.deliver_events().await.unwrap();
    assert_eq!((report.delivered, report.failed), (4, 1));
    if slow {
        // Cut off at the handler's 5 s, the others handled meanwhile.
        assert!(started.elapsed() < Duration::from_millis(5900));
    }
    let feed = world.payments.events_after(0, 100).await.unwrap();
    for stored in &feed {
        let failed = stored.event.order_id == orders[2];
        assert_eq!(stored.delivered_at.is_none(), failed, "{}", stored.event.id);
        assert_eq!(stored.attempts, u32::from(failed));
    }
    let mut seen = handler.seen.lock().unwrap().clone();
    seen.sort();
    let mut others: Vec<String> = ids.iter().filter(|id| **id != ids[2]).cloned().collect();
    others.sort();
    assert_eq!(seen, others);
    // Not due again yet: nothing more is handed over.
    let again = world.payments.deliver_events().await.unwrap();
    assert_eq!((again.delivered, again.failed), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_event_is_not_marked_and_the_rest_of_its_batch_is() {
    one_of_a_batch_fails(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_slower_than_its_time_counts_as_failed() {
    one_of_a_batch_fails(true).await;
}

/// Panics over one order's event, takes the others.
struct PanicsOnOne(OrderId);

#[async_trait::async_trait]
impl PaymentEventHandler for PanicsOnOne {
    async fn handle(&self, event: &PaymentEvent) -> Result<(), HandlerError> {
        assert!(
            event.order_id != self.0,
            "the handler panics (as this test wants)"
        );
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_that_panics_fails_its_event_and_the_pass_goes_on() {
    let store: Arc<dyn PaymentStore> = Arc::new(gmo_core::store::MemoryStore::new());
    let (panicking, _) = order_with_events(&*store, &[EventKind::Authorized]).await;
    order_with_events(&*store, &[EventKind::Authorized]).await;
    let handler = Arc::new(PanicsOnOne(panicking.clone()));
    let world = World::build(sandbox_builder(), store, |b| b.event_handler(handler)).await;
    let report = world.payments.deliver_events().await.unwrap();
    assert_eq!((report.delivered, report.failed), (1, 1));
    let feed = world.payments.events_after(0, 10).await.unwrap();
    for stored in feed {
        let panicked = stored.event.order_id == panicking;
        assert_eq!(stored.delivered_at.is_none(), panicked);
        assert_eq!(stored.attempts, u32::from(panicked));
    }
}
