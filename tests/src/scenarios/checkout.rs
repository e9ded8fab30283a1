//! Checkout: every sandbox test card, saved cards, another customer's order, and prices the
//! browser tries to set.

use gmo_core::values::Status;
use gmo_sandbox::{Api, CHALLENGE_OTP, TEST_CARDS};
use serde_json::json;

use crate::driver::{RunningShop, ShopOptions, ShopUnderTest};
use crate::shopping::{buy, buy_and_pay, cards, order, pay, register_card};

/// What each test card comes to at checkout: the order's state.
const EXPECTED: &[(&str, &str, &str)] = &[
    ("4111111111111111", CHALLENGE_OTP, "authorized"),
    ("5555555555554444", CHALLENGE_OTP, "authorized"),
    ("3530111111111116", CHALLENGE_OTP, "authorized"),
    ("4100000000005000", CHALLENGE_OTP, "authorized"),
    ("4100000000005000", "000000", "failed"),
    ("4100000000000209", CHALLENGE_OTP, "authorized"),
    ("4100000000000308", CHALLENGE_OTP, "failed"),
    ("4100000000000407", CHALLENGE_OTP, "failed"),
    ("4100000000000506", CHALLENGE_OTP, "failed"),
    ("4100000000000605", CHALLENGE_OTP, "failed"),
    // The card network's error hides an authorisation that happened: the shop finds it.
    ("4100000000000704", CHALLENGE_OTP, "authorized"),
    ("4100000000000803", CHALLENGE_OTP, "authorized"),
    // Fails only validity checks (card registration), not payments.
    ("4100000000000902", CHALLENGE_OTP, "authorized"),
];

/// Every sandbox test card through the shop's checkout: the shopper lands on the order page,
/// which shows the state GMO agrees with; failures show no issuer reason.
pub async fn every_test_card<S: ShopUnderTest>() {
    for card in TEST_CARDS {
        assert!(
            EXPECTED.iter().any(|(number, ..)| *number == card.number),
            "the scenario has no expectation for test card {}",
            card.number
        );
    }
    let shop = RunningShop::start::<S>(ShopOptions::unthrottled()).await;
    let alice = shop.shopper("alice").await;
    for (card, otp, state) in EXPECTED {
        let (order_id, payment) = buy_and_pay(&shop, &alice, "matcha", card, otp).await;
        let context = format!("card {card} OTP {otp}: {}", payment.confirmation);
        assert_eq!(payment.confirmation.status, 200, "{context}");
        let landing = match &payment.returned {
            Some(returned) => {
                assert_eq!(returned.status, 303, "{context}: return {returned}");
                returned.location().expect("a Location")
            }
            None => {
                assert_eq!(
                    payment.confirmation.json()["status"],
                    "completed",
                    "{context}"
                );
                format!("/orders/{order_id}")
            }
        };
        assert_eq!(landing, format!("/orders/{order_id}"), "{context}");
        let page = alice.get(&landing).await;
        assert_eq!(page.status, 200, "{context}");
        let text = page.text();
        assert!(
            text.contains(&format!("data-state=\"{state}\"")),
            "{context}: the order page shows another state:\n{text}"
        );
        for reason in ["G02", "G83", "G44", "42G", "E2103"] {
            assert!(!text.contains(reason), "{context}: page shows {reason}");
        }
        assert_eq!(order(&alice, &order_id).await["state"], *state, "{context}");
        // GMO agrees: money moved exactly when the shop says the order is paid.
        let transaction = shop
            .sandbox
            .transaction(&order_id)
            .expect("registered at GMO");
        let paid = matches!(transaction.status, Status::Auth);
        let nothing = matches!(
            transaction.status,
            Status::Unprocessed | Status::Authenticated
        );
        match *state {
            "authorized" => assert!(paid, "{context}: GMO says {:?}", transaction.status),
            _ => assert!(nothing, "{context}: GMO says {:?}", transaction.status),
        }
        assert_eq!(transaction.amount, 1_500, "{context}: the catalogue price");
    }
}

/// A card saved through 3-D Secure (verified registration), paid with by its number, then
/// deleted; and a card saved directly (direct mode).
pub async fn saved_cards<S: ShopUnderTest>() {
    let shop = RunningShop::start::<S>(ShopOptions::default()).await;
    let bob = shop.shopper("bob").await;
    let (answer, returned) = register_card(&shop, &bob, "4100000000005000", CHALLENGE_OTP).await;
    assert_eq!(answer.status, 200, "{answer}");
    let returned = returned.expect("verified registration goes through 3-D Secure");
    assert_eq!(returned.status, 303, "{returned}");
    let landing = returned.location().expect("Location");
    assert!(landing.starts_with("/cards?registered="), "{landing}");
    // GMO's notification may be attaching the card at the moment the shopper lands: the page
    // then says it is being saved, and a reload shows it saved.
    let mut page = bob.get(&landing).await;
    for _ in 0..50 {
        if !page.text().contains("Your card is being saved.") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        page = bob.get(&landing).await;
    }
    assert!(page.text().contains("Your card is saved."), "{page}");
    let saved = cards(&bob).await;
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert_eq!(saved[0]["masked_number"], "*************000");
    let seq = saved[0]["card_seq"].as_u64().expect("card_seq");

    // Carol has no cards, and cannot pay with Bob's.
    let carol = shop.shopper("carol").await;
    assert!(cards(&carol).await.is_empty());
    let carols = buy(&carol, "matcha").await;
    let payment = pay(&carol, &carols, json!({"card_seq": seq}), CHALLENGE_OTP).await;
    assert_eq!(payment.confirmation.status, 404, "{}", payment.confirmation);

    let order_id = buy(&bob, "furoshiki").await;
    let payment = pay(&bob, &order_id, json!({"card_seq": seq}), CHALLENGE_OTP).await;
    assert_eq!(payment.landing(), Some(format!("/orders/{order_id}")));
    assert_eq!(order(&bob, &order_id).await["state"], "authorized");

    // The checkout page offers the saved card, and its fields are never named.
    let checkout = buy(&bob, "matcha").await;
    let page = bob.get(&format!("/checkout/{checkout}")).await.text();
    assert!(page.contains(&format!("id=\"source-{seq}\"")), "{page}");
    for id in ["card-number", "card-expiry", "card-cvc"] {
        let at = page.find(&format!("id=\"{id}\"")).expect("a card field");
        let tag_start = page[..at].rfind('<').expect("tag");
        let tag_end = at + page[at..].find('>').expect("tag end");
        assert!(
            !page[tag_start..tag_end].contains("name="),
            "{id} has a name"
        );
    }

    let deleted = bob
        .request(
            "DELETE",
            &format!("/payments/cards/{seq}"),
            crate::driver::Body::Empty,
            &[],
        )
        .await;
    assert_eq!(deleted.status, 204, "{deleted}");
    assert!(cards(&bob).await.is_empty());

    let direct = RunningShop::start::<S>(ShopOptions {
        registration: gmo_core::flow::CardRegistrationMode::Direct,
        ..ShopOptions::default()
    })
    .await;
    let alice = direct.shopper("alice").await;
    let (answer, returned) = register_card(&direct, &alice, "4111111111111111", "").await;
    assert!(returned.is_none());
    assert_eq!(answer.json()["status"], "registered", "{answer}");
    assert_eq!(cards(&alice).await.len(), 1);
    // The validity-check card is refused: told only "declined".
    let (answer, _) = register_card(&direct, &alice, "4100000000000902", "").await;
    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (402, "declined"),
        "{answer}"
    );
    assert_eq!(cards(&alice).await.len(), 1);
}

/// Another customer's order is not found, whatever the route; so is an order id that cannot
/// be one. Nothing reaches GMO.
pub async fn another_customers_order<S: ShopUnderTest>() {
    let shop = RunningShop::start::<S>(ShopOptions::default()).await;
    let alice = shop.shopper("alice").await;
    let mallory = shop.shopper("bob").await;
    let order_id = buy(&alice, "teapot").await;
    let too_long = "x".repeat(40);
    for id in [
        order_id.as_str(),
        "o-does-not-exist",
        "not%20an%20id",
        too_long.as_str(),
    ] {
        let answer = mallory.get_json(&format!("/orders/{id}")).await;
        assert_eq!(
            (answer.status, answer.error_code().as_str()),
            (404, "not_found"),
            "{id}: {answer}"
        );
        let page = mallory.get(&format!("/checkout/{id}")).await;
        assert_eq!(page.status, 404, "{id}");
        let answer = mallory
            .post_json(
                &format!("/payments/checkout/{id}"),
                json!({"token": shop.token("4111111111111111")}),
            )
            .await;
        assert_eq!(
            (answer.status, answer.error_code().as_str()),
            (404, "not_found"),
            "{id}: {answer}"
        );
    }
    // The admin pages are not there for a customer.
    let answer = mallory.get_json("/admin/orders").await;
    assert_eq!(answer.status, 404);
    let answer = mallory
        .post_json(&format!("/admin/orders/{order_id}/void"), json!({}))
        .await;
    assert_eq!(answer.status, 404);
    // Signed out: a JSON client is told to sign in, a page is sent to the sign-in page.
    let anonymous = shop.client();
    let answer = anonymous.get_json(&format!("/orders/{order_id}")).await;
    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (401, "not_signed_in")
    );
    let answer = anonymous.get(&format!("/orders/{order_id}")).await;
    assert_eq!(
        (answer.status, answer.location().as_deref()),
        (303, Some("/signin"))
    );
    let answer = anonymous
        .post_json(
            &format!("/payments/checkout/{order_id}"),
            json!({"card_seq": 0}),
        )
        .await;
    assert_eq!(answer.status, 401, "{answer}");
    assert_eq!(shop.sandbox.calls_for_order(&order_id), 0);
    // Alice's order is still hers to pay.
    assert_eq!(order(&alice, &order_id).await["state"], "prepared");
}

/// The browser cannot set the price: price fields are refused when the order is made and when
/// it is paid, and GMO is asked for the catalogue's price.
pub async fn prices_come_from_the_server<S: ShopUnderTest>() {
    let shop = RunningShop::start::<S>(ShopOptions::default()).await;
    let alice = shop.shopper("alice").await;
    let answer = alice
        .post_json("/orders", json!({"product": "teapot", "amount": 1}))
        .await;
    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (400, "price_not_accepted"),
        "{answer}"
    );
    let answer = alice
        .post_form("/orders", &[("product", "teapot"), ("price", "1")])
        .await;
    assert_eq!(answer.status, 400, "{answer}");
    let answer = alice
        .post_json("/orders", json!({"product": "teapot", "quantity": 2}))
        .await;
    assert_eq!(answer.status, 201, "{answer}");
    assert_eq!(answer.json()["amount"], 12_800);
    let order_id = answer.json()["order_id"].as_str().expect("id").to_owned();

    let path = format!("/payments/checkout/{order_id}");
    for tampered in [
        json!({"token": shop.token("4111111111111111"), "amount": 1}),
        json!({"token": shop.token("4111111111111111"), "Price": "1"}),
        json!({"token": shop.token("4111111111111111"), "job_cd": "CAPTURE"}),
    ] {
        let answer = alice.post_json(&path, tampered.clone()).await;
        assert_eq!(
            (answer.status, answer.error_code().as_str()),
            (400, "price_not_accepted"),
            "{tampered}: {answer}"
        );
    }
    let answer = alice
        .post_form(&path, &[("token", "x"), ("amount", "1")])
        .await;
    assert_eq!(answer.status, 400, "{answer}");
    assert_eq!(shop.sandbox.calls_for_order(&order_id), 0);

    let payment = pay(
        &alice,
        &order_id,
        json!({"token": shop.token("4111111111111111")}),
        CHALLENGE_OTP,
    )
    .await;
    assert_eq!(payment.landing(), Some(format!("/orders/{order_id}")));
    let transaction = shop.sandbox.transaction(&order_id).expect("at GMO");
    assert_eq!(
        (transaction.amount, transaction.status),
        (12_800, Status::Auth)
    );
    assert_eq!(shop.sandbox.calls(Api::EntryTran), 1);
}

/// Paying in instalments: the checkout page offers the shop's numbers of payments, the shopper
/// pays in 3 and the order shows Method 2 / PayTimes 3 at GMO and in the shop (page and JSON);
/// a number the shop does not offer is refused with a 4xx naming the field, before any GMO call.
/// The customer's e-mail and address went to GMO as 3-D Secure risk data.
pub async fn instalments<S: ShopUnderTest>() {
    let shop = RunningShop::start::<S>(ShopOptions::default()).await;
    let alice = shop.shopper("alice").await;

    let order_id = buy(&alice, "matcha").await;
    let page = alice.get(&format!("/checkout/{order_id}")).await.text();
    for offered in [
        "installments:3",
        "installments:6",
        "installments:12",
        "lump",
    ] {
        assert!(
            page.contains(&format!(r#"value="{offered}""#)),
            "the checkout page offers {offered}:\n{page}"
        );
    }
    assert!(!page.contains("revolving"), "not offered by this shop");

    // Not offered: refused, naming the field, nothing sent to GMO.
    for (body, field) in [
        (
            json!({"token": shop.token("4111111111111111"), "method": "installments", "pay_times": 5}),
            "pay_times",
        ),
        (
            json!({"token": shop.token("4111111111111111"), "method": "revolving"}),
            "method",
        ),
    ] {
        let refused = alice
            .post_json(&format!("/payments/checkout/{order_id}"), body)
            .await;
        assert!((400..500).contains(&refused.status), "{field}: {refused}");
        assert_eq!(
            refused.json()["error"]["code"],
            "method_not_offered",
            "{refused}"
        );
        assert!(
            refused.text().contains(field),
            "the error names `{field}`: {refused}"
        );
    }
    assert_eq!(shop.sandbox.calls_for_order(&order_id), 0);

    let payment = pay(
        &alice,
        &order_id,
        json!({"token": shop.token("4111111111111111"), "method": "installments", "pay_times": 3}),
        CHALLENGE_OTP,
    )
    .await;
    assert_eq!(
        payment.landing(),
        Some(format!("/orders/{order_id}")),
        "{}",
        payment.confirmation
    );
    let at_gmo = shop.sandbox.transaction(&order_id).expect("at GMO");
    assert_eq!(
        (at_gmo.method.as_str(), at_gmo.pay_times.as_str()),
        ("2", "3")
    );
    assert_eq!(at_gmo.status, Status::Auth);
    let shown = order(&alice, &order_id).await;
    assert_eq!(shown["state"], "authorized");
    assert_eq!(shown["method"], json!({"installments": 3}));
    let page = alice.get(&format!("/orders/{order_id}")).await.text();
    assert!(page.contains("In 3 instalments"), "{page}");
    // The shop's customer data went with ExecTran as risk data.
    assert_eq!(
        at_gmo.tds2_fields.get("Tds2Email").map(String::as_str),
        Some("alice@example.jp")
    );
    assert_eq!(
        at_gmo
            .tds2_fields
            .get("Tds2ShipAddrPostCode")
            .map(String::as_str),
        Some("1500001")
    );
    // A repeat with another method cannot switch it.
    let switched = alice
        .post_json(
            &format!("/payments/checkout/{order_id}"),
            json!({"token": shop.token("4111111111111111"), "method": "installments", "pay_times": 6}),
        )
        .await;
    assert_eq!(switched.status, 409, "{switched}");
    assert_eq!(shop.sandbox.calls_of(Api::ExecTran, &order_id), 1);
}
