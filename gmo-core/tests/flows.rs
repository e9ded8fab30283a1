//! The payment flows against the in-process sandbox: every test card, saved cards, card
//! registration, admin operations, and repeated or concurrent requests.

mod support;

use std::sync::Arc;

use gmo_core::PaymentError;
use gmo_core::flow::{CardRegistration, Confirmation, PaymentSource, ThreeDsReturn};
use gmo_core::order::OrderState;
use gmo_core::values::Status;
use gmo_core::values::{Amount, CardSeq};
use gmo_sandbox::{Api, CHALLENGE_OTP};
use support::{World, customer};

#[tokio::test]
async fn every_test_card_ends_where_gmo_says() {
    use OrderState::*;
    let world = World::new().await;
    let alice = customer("alice");
    let cases = [
        ("4111111111111111", CHALLENGE_OTP, Authorized),
        ("5555555555554444", CHALLENGE_OTP, Authorized),
        ("3530111111111116", CHALLENGE_OTP, Authorized),
        ("4100000000005000", CHALLENGE_OTP, Authorized),
        ("4100000000005000", "000000", Failed),
        ("4100000000000209", CHALLENGE_OTP, Authorized),
        ("4100000000000308", CHALLENGE_OTP, Failed),
        ("4100000000000407", CHALLENGE_OTP, Failed),
        ("4100000000000506", CHALLENGE_OTP, Failed),
        ("4100000000000605", CHALLENGE_OTP, Failed),
        // The network error hides an authorisation that did happen: SearchTrade finds it.
        ("4100000000000704", CHALLENGE_OTP, Authorized),
        ("4100000000000803", CHALLENGE_OTP, Authorized),
        ("4100000000000902", CHALLENGE_OTP, Authorized),
    ];
    for (card, otp, expected) in cases {
        let (order_id, state) = world.checkout(&alice, 1200, card, otp).await;
        assert_eq!(state, expected, "card {card} with OTP {otp}");
        world.assert_agrees(&order_id).await;
        assert!(world.sandbox.calls_for_order(order_id.as_str()) >= 2);
    }
}

#[tokio::test]
async fn declines_keep_the_issuer_reason_on_the_order_only() {
    let world = World::new().await;
    let bob = customer("bob");
    let (order_id, _) = world
        .checkout(&bob, 500, "4100000000000407", CHALLENGE_OTP)
        .await;
    let summary = world.payments.order(&bob, &order_id).await.unwrap();
    assert_eq!(summary.failure, Some(gmo_core::ErrorKind::Declined));
    let stored = world.store.order(&order_id).await.unwrap().unwrap();
    assert_eq!(stored.failure.unwrap().err_info, "42G020000");
    // A repeated confirmation says the payment ended (check out again) and sends nothing.
    let before = world.sandbox.calls_for_order(order_id.as_str());
    let again = world
        .payments
        .confirm(
            &bob,
            &order_id,
            PaymentSource::NewCard(world.token("4111111111111111")),
        )
        .await;
    assert!(matches!(
        again,
        Err(PaymentError::OrderClosed {
            state: OrderState::Failed
        })
    ));
    assert_eq!(world.sandbox.calls_for_order(order_id.as_str()), before);
}

#[tokio::test]
async fn someone_elses_order_is_not_found() {
    let world = World::new().await;
    let order_id = world.prepare(&customer("alice"), 100).await;
    let mallory = customer("mallory");
    let err = world
        .payments
        .confirm(
            &mallory,
            &order_id,
            PaymentSource::NewCard(world.token("4111111111111111")),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, PaymentError::NotFound));
    assert!(matches!(
        world.payments.order(&mallory, &order_id).await,
        Err(PaymentError::NotFound)
    ));
    assert_eq!(world.sandbox.calls_for_order(order_id.as_str()), 0);
}

#[tokio::test]
async fn a_repeated_confirmation_answers_the_same_redirect() {
    let world = World::new().await;
    let carol = customer("carol");
    let order_id = world.prepare(&carol, 3000).await;
    let first = world
        .payments
        .confirm(
            &carol,
            &order_id,
            PaymentSource::NewCard(world.token("4100000000005000")),
        )
        .await
        .unwrap();
    let second = world
        .payments
        .confirm(
            &carol,
            &order_id,
            PaymentSource::NewCard(world.token("4111111111111111")),
        )
        .await
        .unwrap();
    assert_eq!(first, second);
    assert!(matches!(first, Confirmation::RedirectTo { .. }));
    assert_eq!(world.sandbox.calls(Api::ExecTran), 1);
    assert_eq!(world.sandbox.calls(Api::EntryTran), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_concurrent_confirmations_execute_once() {
    let world = Arc::new(World::new().await);
    let dave = customer("dave");
    let order_id = world.prepare(&dave, 4000).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(64));
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let (world, barrier, dave, order_id) = (
                world.clone(),
                barrier.clone(),
                dave.clone(),
                order_id.clone(),
            );
            let token = world.token("4111111111111111");
            tokio::spawn(async move {
                barrier.wait().await;
                world
                    .payments
                    .confirm(&dave, &order_id, PaymentSource::NewCard(token))
                    .await
            })
        })
        .collect();
    let mut redirects = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(Confirmation::RedirectTo { url, .. }) => redirects.push(url),
            Ok(other) => panic!("unexpected {other:?}"),
            Err(PaymentError::InProgress) => {}
            Err(e) => panic!("unexpected error {e}"),
        }
    }
    assert!(!redirects.is_empty());
    assert!(redirects.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(world.sandbox.calls(Api::EntryTran), 1);
    assert_eq!(world.sandbox.calls(Api::ExecTran), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_concurrent_returns_finalize_once() {
    let world = Arc::new(World::new().await);
    let erin = customer("erin");
    let order_id = world.prepare(&erin, 5000).await;
    let Confirmation::RedirectTo { url, .. } = world
        .payments
        .confirm(
            &erin,
            &order_id,
            PaymentSource::NewCard(world.token("4100000000005000")),
        )
        .await
        .unwrap()
    else {
        panic!("expected 3-D Secure");
    };
    let ret = world.authenticate(&url, CHALLENGE_OTP).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(64));
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let (world, barrier, ret) = (world.clone(), barrier.clone(), ret.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                world.payments.complete_three_ds(ret).await
            })
        })
        .collect();
    for task in tasks {
        let completion = task.await.unwrap().unwrap();
        assert_eq!(completion.redirect_to, format!("/orders/{order_id}"));
    }
    assert_eq!(world.sandbox.calls(Api::SecureTran2), 1);
    assert_eq!(world.state(&order_id).await, OrderState::Authorized);
    // A replay later gives the same answer and calls nothing.
    let again = world.payments.complete_three_ds(ret).await.unwrap();
    assert_eq!(again.order.state, OrderState::Authorized);
    assert_eq!(world.sandbox.calls(Api::SecureTran2), 1);
}

#[tokio::test]
async fn forged_returns_are_not_found_and_change_nothing() {
    let world = World::new().await;
    let frank = customer("frank");
    let order_id = world.prepare(&frank, 600).await;
    let Confirmation::RedirectTo { .. } = world
        .payments
        .confirm(
            &frank,
            &order_id,
            PaymentSource::NewCard(world.token("4111111111111111")),
        )
        .await
        .unwrap()
    else {
        panic!("expected 3-D Secure");
    };
    for access_id in ["", "0123456789abcdef0123456789abcdef", "not-hex"] {
        let forged = ThreeDsReturn {
            order_id: order_id.clone(),
            access_id: access_id.into(),
        };
        assert!(matches!(
            world.payments.complete_three_ds(forged).await,
            Err(PaymentError::NotFound)
        ));
    }
    assert_eq!(world.state(&order_id).await, OrderState::AwaitingThreeDs);
    assert_eq!(world.sandbox.calls(Api::SecureTran2), 0);
}

#[tokio::test]
async fn saved_cards_pay_and_are_listed_masked() {
    let world = World::direct().await;
    let gina = customer("gina");
    let registered = world
        .payments
        .register_card(&gina, world.token("4111111111111111"))
        .await
        .unwrap();
    let CardRegistration::Registered { card } = registered else {
        panic!("direct mode registers at once")
    };
    assert!(card.masked_number.ends_with("111") && card.masked_number.starts_with('*'));
    assert_eq!(card.expiry.as_deref(), Some("12/28"));
    let cards = world.payments.cards(&gina).await.unwrap();
    assert_eq!(cards, vec![card.clone()]);

    let order_id = world.prepare(&gina, 2500).await;
    let seq = CardSeq::new(card.card_seq).unwrap();
    let confirmation = world
        .payments
        .confirm(&gina, &order_id, PaymentSource::SavedCard(seq))
        .await
        .unwrap();
    let Confirmation::RedirectTo { url, .. } = confirmation else {
        panic!("3-D Secure expected")
    };
    let ret = world.authenticate(&url, CHALLENGE_OTP).await;
    let completion = world.payments.complete_three_ds(ret).await.unwrap();
    assert_eq!(completion.order.state, OrderState::Authorized);
    assert_eq!(
        completion.order.card_seq,
        Some(gmo_core::values::CardSeq::new(card.card_seq).unwrap())
    );
    world.assert_agrees(&order_id).await;

    let default = world.payments.set_default_card(&gina, seq).await.unwrap();
    assert!(default.default);
    world.payments.delete_card(&gina, seq).await.unwrap();
    assert!(world.payments.cards(&gina).await.unwrap().is_empty());
    assert!(matches!(
        world.payments.delete_card(&gina, seq).await,
        Err(PaymentError::NotFound)
    ));
    // Another customer cannot use, see or delete it.
    let henry = customer("henry");
    assert!(world.payments.cards(&henry).await.unwrap().is_empty());
    assert!(matches!(
        world.payments.delete_card(&henry, seq).await,
        Err(PaymentError::NotFound)
    ));
}

#[tokio::test]
async fn verified_registration_runs_three_d_secure_then_traded_card() {
    let world = World::new().await;
    let ivy = customer("ivy");
    let registration = world
        .payments
        .register_card(&ivy, world.token("4100000000005000"))
        .await
        .unwrap();
    let CardRegistration::RedirectTo { order_id, url } = registration else {
        panic!("3-D Secure expected")
    };
    let ret = world.authenticate(&url, CHALLENGE_OTP).await;
    let completion = world.payments.complete_three_ds(ret).await.unwrap();
    assert_eq!(completion.order.state, OrderState::CardRegistered);
    assert_eq!(
        completion.redirect_to,
        format!("/cards?registered={order_id}")
    );
    assert_eq!(world.gmo_status(&order_id), Some(Status::Check));
    let cards = world.payments.cards(&ivy).await.unwrap();
    assert_eq!(cards.len(), 1);
    assert!(cards[0].masked_number.ends_with("000"));
    assert_eq!(world.sandbox.calls(Api::TradedCard), 1);

    // A card that fails its validity check is not registered.
    let registration = world
        .payments
        .register_card(&ivy, world.token("4100000000000902"))
        .await;
    match registration {
        Ok(CardRegistration::RedirectTo { url, .. }) => {
            let ret = world.authenticate(&url, CHALLENGE_OTP).await;
            let completion = world.payments.complete_three_ds(ret).await.unwrap();
            assert_eq!(completion.order.state, OrderState::Failed);
        }
        Err(PaymentError::Declined { code }) => assert_eq!(code, "42G120000"),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(world.payments.cards(&ivy).await.unwrap().len(), 1);
}

#[tokio::test]
async fn direct_registration_refuses_a_card_that_fails_its_check() {
    let world = World::direct().await;
    let jack = customer("jack");
    let err = world
        .payments
        .register_card(&jack, world.token("4100000000000902"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, PaymentError::Declined { ref code } if code == "42G120000"),
        "{err:?}"
    );
    assert!(world.payments.cards(&jack).await.unwrap().is_empty());
    // A token is single use: the same token again is a card problem, not a second try.
    let token = world.token("4111111111111111");
    world
        .payments
        .register_card(&jack, token.clone())
        .await
        .unwrap();
    let again = world
        .payments
        .register_card(&jack, token)
        .await
        .unwrap_err();
    assert!(
        matches!(again, PaymentError::CardProblem { .. }),
        "{again:?}"
    );
}

#[tokio::test]
async fn capture_void_refund_and_amount_change() {
    let world = World::new().await;
    let kim = customer("kim");
    let (a, state) = world
        .checkout(&kim, 1000, "4111111111111111", CHALLENGE_OTP)
        .await;
    assert_eq!(state, OrderState::Authorized);
    let changed = world
        .payments
        .change_amount(&a, Amount::new(800).unwrap())
        .await
        .unwrap();
    assert_eq!(
        (changed.state, changed.amount.yen()),
        (OrderState::Authorized, 800)
    );
    assert_eq!(world.sandbox.transaction(a.as_str()).unwrap().amount, 800);
    let captured = world.payments.capture(&a).await.unwrap();
    assert_eq!(captured.state, OrderState::Captured);
    assert_eq!(world.gmo_status(&a), Some(Status::Sales));
    assert!(matches!(
        world.payments.capture(&a).await,
        Err(PaymentError::InvalidState {
            state: OrderState::Captured
        })
    ));
    let refunded = world.payments.refund(&a).await.unwrap();
    assert_eq!(refunded.state, OrderState::Refunded);
    world.assert_agrees(&a).await;
    assert!(matches!(
        world.payments.void(&a).await,
        Err(PaymentError::InvalidState { .. })
    ));

    let (b, _) = world
        .checkout(&kim, 2000, "4111111111111111", CHALLENGE_OTP)
        .await;
    assert_eq!(
        world.payments.void(&b).await.unwrap().state,
        OrderState::Voided
    );
    world.assert_agrees(&b).await;
    assert_eq!(world.sandbox.calls(Api::AlterTran), 3);
    assert_eq!(world.sandbox.calls(Api::ChangeTran), 1);

    // Capturing an order that was never paid is refused without a call.
    let c = world.prepare(&kim, 10).await;
    assert!(matches!(
        world.payments.capture(&c).await,
        Err(PaymentError::InvalidState {
            state: OrderState::Prepared
        })
    ));
    assert_eq!(world.sandbox.calls_for_order(c.as_str()), 0);
}

#[tokio::test]
async fn the_amount_comes_from_the_server() {
    let world = World::new().await;
    let lea = customer("lea");
    let (order_id, _) = world
        .checkout(&lea, 1234, "4111111111111111", CHALLENGE_OTP)
        .await;
    assert_eq!(
        world.sandbox.transaction(order_id.as_str()).unwrap().amount,
        1234
    );
    assert!(Amount::new(10_000_000).is_err());
}

#[tokio::test]
async fn reconciliation_never_outruns_a_call_in_flight() {
    use std::time::Duration;

    use gmo_core::flow::ConfigError;
    use gmo_core::store::MemoryStore;

    let world = World::new().await;
    let client = support::client_for(&world.sandbox, Duration::from_secs(5));
    let build = |after: Duration| {
        gmo_core::Payments::builder(client.clone(), Arc::new(MemoryStore::new()))
            .public_url(support::PUBLIC_URL)
            .reconcile_after(after)
            .build()
    };
    // Twice the request timeout at least: GMO may finish a call after the client gave up.
    assert_eq!(
        build(Duration::from_secs(9)).unwrap_err(),
        ConfigError::ReconcileTooSoon {
            after: Duration::from_secs(9),
            request_timeout: Duration::from_secs(5),
        }
    );
    assert!(build(Duration::from_secs(10)).is_ok());
}

#[tokio::test]
async fn the_return_url_is_derived_from_the_public_url_and_the_gateway_prefix() {
    use gmo_core::flow::ConfigError;
    use gmo_core::store::MemoryStore;

    let world = World::new().await;
    let client = support::client_for(&world.sandbox, std::time::Duration::from_secs(5));
    let build = |url: &str, prefix: &str| {
        gmo_core::Payments::builder(client.clone(), Arc::new(MemoryStore::new()))
            .public_url(url)
            .gateway_prefix(prefix)
            .build()
    };
    let payments = build("https://shop.example/app/", "/pay/").unwrap();
    assert_eq!(payments.gateway_prefix(), "/pay");
    assert_eq!(
        payments.notification_url(),
        "https://shop.example/app/pay/notify"
    );
    assert_eq!(
        build("https://shop.example", "").unwrap().gateway_prefix(),
        ""
    );
    for url in [
        "",
        "shop.example",
        "https://",
        "https://shop.example/?a=1",
        "ftp://shop.example",
    ] {
        assert_eq!(
            build(url, "/payments").unwrap_err(),
            ConfigError::PublicUrl,
            "{url}"
        );
    }
    for prefix in ["payments", "/pay{id}", "/pay?x", "//pay", "/pay ments"] {
        assert_eq!(
            build("https://shop.example", prefix).unwrap_err(),
            ConfigError::GatewayPrefix,
            "{prefix}"
        );
    }
    // GMO's 256-character limit applies to the return URL the two make.
    let long = format!("https://shop.example/{}", "a".repeat(240));
    assert!(matches!(
        build(&long, "/payments").unwrap_err(),
        ConfigError::Invalid(_)
    ));
}
