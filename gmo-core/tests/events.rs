//! Payment events: each test card and each back-office action writes the events a merchant
//! acts on; the delivery loop hands them to the app's handler once (even with two instances
//! delivering), an order's in order, and again after the handler failed.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gmo_core::Payments;
use gmo_core::event::{EventKind, PaymentEvent};
use gmo_core::flow::{HandlerError, PaymentEventHandler};
use gmo_core::order::OrderState;
use gmo_core::values::Amount;
use gmo_core::values::OrderId;
use gmo_sandbox::CHALLENGE_OTP;
use support::{World, customer, sandbox_builder};

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
