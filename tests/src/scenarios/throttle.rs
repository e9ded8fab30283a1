//! Card testing: failed attempts per customer and per address, and new cards per customer, are
//! limited; a refused attempt never reaches GMO and says only "too many attempts".

use gmo_core::guard::ThrottleConfig;
use gmo_sandbox::{Api, CHALLENGE_OTP};
use serde_json::json;

use crate::driver::{RunningShop, ShopOptions, ShopUnderTest};
use crate::shopping::{
    authenticate_at_acs, buy, buy_and_pay, eventually, order, pay, register_card,
};

const DECLINED: &str = "4100000000000407";

/// The default limits: 5 failures per customer, 10 per address, 3 new cards per customer (the
/// address here blocking from the first customer on, `ip_lock_min_customers = 1`: the shop has
/// three demo customers; the default rule is `a_shared_address_does_not_lock_out_clean_customers`).
pub async fn card_testing_is_throttled<S: ShopUnderTest>() {
    let mut limits = ThrottleConfig::default();
    limits.ip_lock_min_customers = 1;
    let shop = RunningShop::start::<S>(ShopOptions {
        throttle: limits,
        ..ShopOptions::default()
    })
    .await;
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

/// Behind the shop's local reverse proxy (trusted by default, `SHOP_TRUSTED_PROXIES`), each
/// shopper is counted at the address the proxy forwarded, not the proxy's; and an address where
/// two customers failed ten times in all does not lock out a third whose own attempts are clean.
pub async fn a_shared_address_does_not_lock_out_clean_customers<S: ShopUnderTest>() {
    let office = "203.0.113.50";
    // The default rule: Bob, at the office with clean attempts of his own, pays.
    let shop = RunningShop::start::<S>(ShopOptions::default()).await;
    fill_with_declines(&shop, office).await;
    assert!(
        pays(&shop, "bob", office).await,
        "a clean customer was locked out"
    );

    // Addresses are the forwarded ones: with an address limit for everyone, Bob is refused at
    // the office and pays from home (were the proxy not trusted, both would be the proxy's).
    let mut limits = ThrottleConfig::default();
    limits.ip_lock_min_customers = 1;
    let strict = RunningShop::start::<S>(ShopOptions {
        throttle: limits,
        ..ShopOptions::default()
    })
    .await;
    fill_with_declines(&strict, office).await;
    assert!(
        !pays(&strict, "bob", office).await,
        "the office is over its limit"
    );
    assert!(
        pays(&strict, "bob", "198.51.100.99").await,
        "Bob at home is another address"
    );
}

/// Carol and Alice fail five times each at `address`: the address is at its limit (10).
async fn fill_with_declines(shop: &RunningShop, address: &str) {
    for user in ["carol", "alice"] {
        let shopper = shop.shopper(user).await.behind_proxy(address);
        for _ in 0..5 {
            let (order_id, _) =
                buy_and_pay(shop, &shopper, "chopsticks", DECLINED, CHALLENGE_OTP).await;
            assert_eq!(order(&shopper, &order_id).await["state"], "failed");
        }
    }
}

/// Whether `user` at `address` pays (else the throttle refused: 429).
async fn pays(shop: &RunningShop, user: &str, address: &str) -> bool {
    let shopper = shop.shopper(user).await.behind_proxy(address);
    let order_id = buy(&shopper, "matcha").await;
    let token = shop.token("4111111111111111");
    let payment = pay(
        &shopper,
        &order_id,
        json!({ "token": token }),
        CHALLENGE_OTP,
    )
    .await;
    if payment.confirmation.status == 429 {
        return false;
    }
    assert_eq!(payment.landing(), Some(format!("/orders/{order_id}")));
    true
}

/// A shopper whose card was declined and who posts the card form again to the same order (a
/// second card, a reload) is told the payment ended and to check out again: no GMO call, no
/// failure counted. Five such posts after one decline leave the shopper free to pay a new order
/// (counted, they would have reached the limit of five failures).
pub async fn posting_again_after_a_decline_costs_nothing<S: ShopUnderTest>() {
    let shop = RunningShop::start::<S>(ShopOptions::default()).await;
    let bob = shop.shopper("bob").await;
    let (failed, _) = buy_and_pay(&shop, &bob, "chopsticks", DECLINED, CHALLENGE_OTP).await;
    assert_eq!(order(&bob, &failed).await["state"], "failed");
    let exec_trans = shop.sandbox.calls(Api::ExecTran);
    for _ in 0..5 {
        let again = bob
            .post_json(
                &format!("/payments/checkout/{failed}"),
                json!({"token": shop.token("4111111111111111")}),
            )
            .await;
        assert_eq!(
            (again.status, again.error_code().as_str()),
            (409, "order_closed"),
            "{again}"
        );
    }
    assert_eq!(shop.sandbox.calls(Api::ExecTran), exec_trans, "no GMO call");
    let (paid, _) = buy_and_pay(&shop, &bob, "chopsticks", "4111111111111111", CHALLENGE_OTP).await;
    assert_eq!(order(&bob, &paid).await["state"], "authorized");
}

/// A card tester who passes the issuer's page and never comes back: the shop's reconciliation
/// finalizes each payment, the issuer declines it, and those declines count like any other, on
/// the customer the attempts were admitted for: the sixth card is refused before GMO is called.
pub async fn declines_finalized_by_reconciliation_count<S: ShopUnderTest>() {
    let shop = RunningShop::start::<S>(ShopOptions {
        reconcile_after: Some(std::time::Duration::from_secs(4)),
        ..ShopOptions::default()
    })
    .await;
    let tester = shop.shopper("carol").await;
    let mut tried = Vec::new();
    for _ in 0..5 {
        let order_id = buy(&tester, "chopsticks").await;
        let confirmation = tester
            .post_json(
                &format!("/payments/checkout/{order_id}"),
                json!({"token": shop.token(DECLINED)}),
            )
            .await;
        let url = confirmation.json()["url"]
            .as_str()
            .unwrap_or_else(|| panic!("3-D Secure is asked: {confirmation}"))
            .to_owned();
        // Authenticates, and never posts the return.
        let _ = authenticate_at_acs(&url, CHALLENGE_OTP).await;
        tried.push(order_id);
    }
    let settled = eventually(std::time::Duration::from_secs(40), || async {
        for order_id in &tried {
            let state = order(&tester, order_id).await["state"].clone();
            if state != "failed" {
                return Err(format!("{order_id} is {state}"));
            }
        }
        Ok(())
    })
    .await;
    settled.unwrap_or_else(|e| panic!("reconciliation did not finalize the declines: {e}"));
    for order_id in &tried {
        assert_eq!(shop.sandbox.calls_of(Api::SecureTran2, order_id), 1);
    }
    let exec_before = shop.sandbox.calls(Api::ExecTran);
    let order_id = buy(&tester, "chopsticks").await;
    let refused = tester
        .post_json(
            &format!("/payments/checkout/{order_id}"),
            json!({"token": shop.token("4111111111111111")}),
        )
        .await;
    assert_eq!(
        (refused.status, refused.error_code().as_str()),
        (429, "too_many_attempts"),
        "{refused}"
    );
    let retry_after: u64 = refused
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!(
        retry_after > 60,
        "counted failures, not attempts in flight: {retry_after}"
    );
    assert_eq!(shop.sandbox.calls(Api::ExecTran), exec_before);
}
