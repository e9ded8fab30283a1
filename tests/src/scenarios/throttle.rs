//! Card testing: failed attempts per customer and per address, and new cards per customer, are
//! limited; a refused attempt never reaches GMO and says only "too many attempts".

use gmo_sandbox::{Api, CHALLENGE_OTP};
use serde_json::json;

use crate::driver::{RunningShop, ShopOptions, ShopUnderTest};
use crate::shopping::{buy, buy_and_pay, order, register_card};

const DECLINED: &str = "4100000000000407";

/// The default limits: 5 failures per customer, 10 per address, 3 new cards per customer.
pub async fn card_testing_is_throttled<S: ShopUnderTest>() {
    let shop = RunningShop::start::<S>(ShopOptions::default()).await;
    let carol = shop.shopper("carol").await;
    for _ in 0..5 {
        let (order_id, payment) =
            buy_and_pay(&shop, &carol, "chopsticks", DECLINED, CHALLENGE_OTP).await;
        assert_eq!(payment.landing(), Some(format!("/orders/{order_id}")));
        assert_eq!(order(&carol, &order_id).await["state"], "failed");
    }
    let exec_before = shop.sandbox.calls(Api::ExecTran);
    let order_id = buy(&carol, "chopsticks").await;
    let answer = carol
        .post_json(
            &format!("/payments/checkout/{order_id}"),
            json!({"token": shop.token("4111111111111111")}),
        )
        .await;
    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (429, "too_many_attempts"),
        "{answer}"
    );
    let retry_after: u64 = answer
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
    let message = answer.json()["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        !message.contains("customer") && !message.contains("declin"),
        "{message}"
    );
    assert_eq!(shop.sandbox.calls(Api::ExecTran), exec_before);
    assert_eq!(order(&carol, &order_id).await["state"], "prepared");

    // Another customer from the same address: five more failures reach the address limit.
    let alice = shop.shopper("alice").await;
    for _ in 0..5 {
        let (order_id, _) = buy_and_pay(&shop, &alice, "chopsticks", DECLINED, CHALLENGE_OTP).await;
        assert_eq!(order(&alice, &order_id).await["state"], "failed");
    }
    let bob = shop.shopper("bob").await;
    let order_id = buy(&bob, "chopsticks").await;
    let answer = bob
        .post_json(
            &format!("/payments/checkout/{order_id}"),
            json!({"token": shop.token("4111111111111111")}),
        )
        .await;
    assert_eq!(answer.status, 429, "the address is blocked: {answer}");

    // New cards: three a day per customer, whatever their outcome.
    let shop = RunningShop::start::<S>(ShopOptions {
        registration: gmo_core::flow::CardRegistrationMode::Direct,
        ..ShopOptions::default()
    })
    .await;
    let alice = shop.shopper("alice").await;
    for card in ["4111111111111111", "5555555555554444", "3530111111111116"] {
        let (answer, _) = register_card(&shop, &alice, card, "").await;
        assert_eq!(answer.json()["status"], "registered", "{answer}");
    }
    let saves = shop.sandbox.calls(Api::SaveCard);
    let (answer, _) = register_card(&shop, &alice, "4111111111111111", "").await;
    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (429, "too_many_attempts")
    );
    assert_eq!(shop.sandbox.calls(Api::SaveCard), saves);
    // Paying is still allowed.
    let (order_id, payment) =
        buy_and_pay(&shop, &alice, "matcha", "4111111111111111", CHALLENGE_OTP).await;
    assert_eq!(payment.landing(), Some(format!("/orders/{order_id}")));
}
