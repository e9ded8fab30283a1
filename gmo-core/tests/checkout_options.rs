//! Checkout options against the in-process sandbox: the payment methods a merchant offers
//! (instalments, bonus, revolving), chosen once per order and echoed by GMO, and the 3-D Secure
//! 2.0 risk data kept with the order and sent on ExecTran.

mod support;

use std::sync::Arc;

use gmo_core::PaymentError;
use gmo_core::api::Tds2Field;
use gmo_core::customer::CustomerId;
use gmo_core::flow::{
    Address, Checkout, Confirmation, PaymentMethods, PaymentSource, PaymentsBuilder, PrepareOrder,
    RiskData,
};
use gmo_core::order::OrderState;
use gmo_core::store::MemoryStore;
use gmo_core::values::Amount;
use gmo_core::values::{Method, OrderId, Tds2Type};
use gmo_sandbox::{Api, CHALLENGE_OTP};
use support::{World, customer, sandbox_builder};

/// A world whose merchant offers instalments of 3 or 6 payments, bonus lump sum and revolving.
async fn offering(settings: impl FnOnce(PaymentsBuilder) -> PaymentsBuilder) -> World {
    World::build(sandbox_builder(), Arc::new(MemoryStore::new()), |b| {
        settings(
            b.payment_methods(
                PaymentMethods::lump_sum_only()
                    .installments([3, 6])
                    .bonus_lump()
                    .revolving(),
            ),
        )
    })
    .await
}

fn with_card(world: &World, card: &str, method: Method) -> Checkout {
    Checkout::new(PaymentSource::NewCard(world.token(card))).method(method)
}

/// Confirms `order_id` paying by `method`, passes the challenge and comes back.
async fn pay(world: &World, who: &CustomerId, order_id: &OrderId, method: Method) {
    let confirmation = world
        .payments
        .confirm(who, order_id, with_card(world, "4111111111111111", method))
        .await
        .expect("confirm");
    let Confirmation::RedirectTo { url, .. } = confirmation else {
        panic!("this card asks for 3-D Secure");
    };
    let ret = world.authenticate(&url, CHALLENGE_OTP).await;
    world.payments.complete_three_ds(ret).await.expect("return");
}

#[tokio::test]
async fn instalments_reach_gmo_and_the_order_shows_what_gmo_echoed() {
    let world = offering(|b| b).await;
    let alice = customer("alice");
    for method in [
        Method::Installments(3),
        Method::Installments(6),
        Method::BonusLump,
        Method::Revolving,
        Method::Lump,
    ] {
        let order_id = world.prepare(&alice, 30_000).await;
        pay(&world, &alice, &order_id, method).await;
        let summary = world.payments.order(&alice, &order_id).await.unwrap();
        assert_eq!(summary.state, OrderState::Authorized, "{method:?}");
        assert_eq!(summary.method, Some(method));
        let gmo = world.sandbox.transaction(order_id.as_str()).unwrap();
        assert_eq!(gmo.method, method.code());
        assert_eq!(
            gmo.pay_times,
            method
                .pay_times()
                .map(|n| n.to_string())
                .unwrap_or_default()
        );
        world.assert_agrees(&order_id).await;
    }
    // The summary's JSON names the method and its payments.
    let order_id = world.prepare(&alice, 30_000).await;
    pay(&world, &alice, &order_id, Method::Installments(3)).await;
    let json =
        serde_json::to_value(world.payments.order(&alice, &order_id).await.unwrap()).unwrap();
    assert_eq!(json["method"], serde_json::json!({"installments": 3}));
}

#[tokio::test]
async fn a_method_not_offered_is_refused_naming_the_field_and_nothing_is_sent() {
    let world = offering(|b| b).await;
    let alice = customer("alice");
    let order_id = world.prepare(&alice, 1_000).await;
    for (method, field) in [
        (Method::Installments(12), "pay_times"),
        (Method::BonusInstallments(2), "method"),
    ] {
        let err = world
            .payments
            .confirm(
                &alice,
                &order_id,
                with_card(&world, "4111111111111111", method),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, PaymentError::MethodNotOffered { field: f } if f == field),
            "{method:?}: {err:?}"
        );
        assert_eq!(support::http_status(&err), 422);
        assert_eq!(err.reason(), "method_not_offered");
    }
    assert_eq!(world.sandbox.calls_for_order(order_id.as_str()), 0);
    // The default offers lump sum only.
    let plain = World::new().await;
    let order_id = plain.prepare(&alice, 1_000).await;
    let err = plain
        .payments
        .confirm(
            &alice,
            &order_id,
            with_card(&plain, "4111111111111111", Method::Installments(3)),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        PaymentError::MethodNotOffered { field: "method" }
    ));
    assert_eq!(plain.payments.payment_methods().offered(), [Method::Lump]);
}

#[tokio::test]
async fn settings_with_impossible_numbers_of_payments_are_refused_at_build() {
    for methods in [
        PaymentMethods::lump_sum_only().installments([1]),
        PaymentMethods::lump_sum_only().installments([]),
        PaymentMethods::lump_sum_only().bonus_installments([100]),
    ] {
        let sandbox = sandbox_builder().spawn().await.unwrap();
        let client = support::client_for(&sandbox, std::time::Duration::from_secs(5));
        let err = gmo_core::Payments::builder(client, Arc::new(MemoryStore::new()))
            .public_url(support::PUBLIC_URL)
            .payment_methods(methods.clone())
            .build()
            .unwrap_err();
        assert!(
            matches!(err, gmo_core::flow::ConfigError::PaymentMethods { .. }),
            "{methods:?}: {err}"
        );
    }
}

#[tokio::test]
async fn the_method_is_decided_once_repeats_answer_the_same_and_a_switch_is_refused() {
    let world = offering(|b| b).await;
    let alice = customer("alice");
    let order_id = world.prepare(&alice, 12_000).await;
    let first = world
        .payments
        .confirm(
            &alice,
            &order_id,
            with_card(&world, "4111111111111111", Method::Installments(3)),
        )
        .await
        .unwrap();
    let stored = world.store.order(&order_id).await.unwrap().unwrap();
    assert_eq!(stored.method, Some(Method::Installments(3)));
    // The same method again: the same redirect, nothing sent.
    let calls = world.sandbox.calls_for_order(order_id.as_str());
    let again = world
        .payments
        .confirm(
            &alice,
            &order_id,
            with_card(&world, "4111111111111111", Method::Installments(3)),
        )
        .await
        .unwrap();
    assert_eq!(again, first);
    // Another method: refused, nothing sent.
    let err = world
        .payments
        .confirm(
            &alice,
            &order_id,
            with_card(&world, "4111111111111111", Method::Installments(6)),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        PaymentError::MethodAlreadyChosen {
            method: Method::Installments(3)
        }
    ));
    assert_eq!(support::http_status(&err), 409);
    assert_eq!(world.sandbox.calls_for_order(order_id.as_str()), calls);
}

#[tokio::test]
async fn concurrent_confirmations_with_different_methods_send_one_exec_tran() {
    let world = Arc::new(offering(|b| b).await);
    let alice = customer("alice");
    for round in 0..5 {
        let order_id = world.prepare(&alice, 5_000 + round).await;
        let tasks: Vec<_> = [
            Method::Lump,
            Method::Installments(3),
            Method::Revolving,
            Method::Installments(6),
        ]
        .into_iter()
        .cycle()
        .take(8)
        .map(|method| {
            let (world, alice, order_id) = (world.clone(), alice.clone(), order_id.clone());
            tokio::spawn(async move {
                let checkout = with_card(&world, "4111111111111111", method);
                (
                    method,
                    world.payments.confirm(&alice, &order_id, checkout).await,
                )
            })
        })
        .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        assert_eq!(world.sandbox.calls_of(Api::ExecTran, order_id.as_str()), 1);
        let chosen = world
            .store
            .order(&order_id)
            .await
            .unwrap()
            .unwrap()
            .method
            .expect("the claim fixed the method");
        let gmo = world.sandbox.transaction(order_id.as_str()).unwrap();
        assert_eq!(gmo.method, chosen.code());
        for (method, result) in results {
            match result {
                Ok(Confirmation::RedirectTo { .. }) => assert_eq!(method, chosen),
                Err(PaymentError::MethodAlreadyChosen { method: m }) => {
                    assert_eq!(m, chosen);
                    assert_ne!(method, chosen);
                }
                Err(PaymentError::InProgress) => {}
                other => panic!("{method:?}: {other:?}"),
            }
        }
    }
}

#[tokio::test]
async fn an_authorisation_without_3ds_checks_the_check_string_over_pay_times() {
    // A card not enrolled in 3-D Secure 2.0, authorised at ExecTran (ACS=0): the client checks
    // the CheckString over the echoed Method and PayTimes before the order is authorised.
    let world = offering(|b| b.tds2_type(Tds2Type::WithoutThreeDSecure)).await;
    let alice = customer("alice");
    let order_id = world.prepare(&alice, 9_000).await;
    let confirmation = world
        .payments
        .confirm(
            &alice,
            &order_id,
            with_card(&world, "4100000000000209", Method::Installments(6)),
        )
        .await
        .unwrap();
    let Confirmation::Completed { order } = confirmation else {
        panic!("not enrolled: authorised without 3-D Secure");
    };
    assert_eq!(order.method, Some(Method::Installments(6)));
    assert_eq!(
        world
            .sandbox
            .transaction(order_id.as_str())
            .unwrap()
            .pay_times,
        "6"
    );
}

fn risk_data() -> RiskData {
    let home = Address::new("1-2-3 Jingumae", "Shibuya-ku", "1500001")
        .state("13")
        .country("392");
    RiskData::new()
        .email("alice@example.jp")
        .unwrap()
        .mobile_phone("81", "9012345678")
        .unwrap()
        .billing_address(&home)
        .unwrap()
        .shipping_address(&home)
        .unwrap()
        .account_created(time::macros::date!(2021 - 04 - 01))
        .unwrap()
        .purchases_last_six_months(4)
        .unwrap()
}

#[tokio::test]
async fn risk_data_is_kept_with_the_order_and_sent_on_exec_tran() {
    let world = World::new().await;
    let alice = customer("alice");
    let order = world
        .payments
        .prepare_order(
            PrepareOrder::new(alice.clone(), Amount::new(4_000).unwrap()).risk_data(risk_data()),
        )
        .await
        .unwrap();
    let stored = world.store.order(&order.order_id).await.unwrap().unwrap();
    assert_eq!(&stored.risk_data, risk_data().tds2());
    assert!(!format!("{stored:?}").contains("alice@example.jp"));
    pay(&world, &alice, &order.order_id, Method::Lump).await;
    let sent = world
        .sandbox
        .transaction(order.order_id.as_str())
        .unwrap()
        .tds2_fields;
    let expected: std::collections::BTreeMap<String, String> = risk_data()
        .tds2()
        .iter()
        .map(|(f, v)| (f.name().to_owned(), v.to_owned()))
        .collect();
    assert_eq!(sent, expected);
    assert_eq!(sent.len(), 16);
    assert_eq!(
        risk_data().tds2().get(Tds2Field::AddrMatch),
        Some("Y"),
        "the same address twice"
    );
    // An order without risk data sends none: today's flows.
    let (plain, _) = world
        .checkout(&alice, 500, "4111111111111111", CHALLENGE_OTP)
        .await;
    assert!(
        world
            .sandbox
            .transaction(plain.as_str())
            .unwrap()
            .tds2_fields
            .is_empty()
    );
}
