//! Saved cards beyond registration: the default card (and the checkout page choosing it),
//! replacing a card from a new token, and closing the payment account.

use std::time::Duration;

use gmo_core::flow::CardRegistrationMode;
use gmo_sandbox::{Api, CHALLENGE_OTP, Fault, FaultKind};
use serde_json::{Value, json};

use crate::driver::{Answer, Body, Client, RunningShop, ShopOptions, ShopUnderTest};
use crate::shopping::{buy, cards, order, pay, return_from_acs};

const VISA: &str = "4111111111111111";
const MASTERCARD: &str = "5555555555554444";
const JCB: &str = "3530111111111116";
const JSON: (&str, &str) = ("accept", "application/json");

/// Registers `card` for `client` and checks that it is saved.
async fn saved(shop: &RunningShop, client: &Client, card: &str) {
    crate::shopping::save_card(shop, client, card, CHALLENGE_OTP).await;
}

/// The card numbers of the customer's saved cards, in order.
fn seqs(list: &[Value]) -> Vec<u64> {
    list.iter()
        .map(|c| c["card_seq"].as_u64().expect("a card_seq"))
        .collect()
}

/// The saved cards marked default.
fn defaults(list: &[Value]) -> Vec<u64> {
    list.iter()
        .filter(|c| c["default"] == true)
        .map(|c| c["card_seq"].as_u64().expect("a card_seq"))
        .collect()
}

/// The saved card the checkout page of `order_id` has chosen.
async fn preselected(client: &Client, order_id: &str, among: &[u64]) -> Vec<u64> {
    let page = client.get(&format!("/checkout/{order_id}")).await;
    assert_eq!(page.status, 200, "checkout page: {page}");
    let html = page.text();
    among
        .iter()
        .copied()
        .filter(|seq| html.contains(&format!(r#"id="source-{seq}" checked"#)))
        .collect()
}

async fn make_default(client: &Client, seq: u64, method: &str, body: Body) -> Answer {
    client
        .request(
            method,
            &format!("/payments/cards/{seq}/default"),
            body,
            &[JSON],
        )
        .await
}

/// A member with three cards switches the default twice (JSON `PUT`, then a form `POST`); the
/// list, the cards page and the checkout page's choice follow; another customer's card number
/// is not found and changes nothing.
pub async fn default_card<S: ShopUnderTest>() {
    let shop = RunningShop::start::<S>(ShopOptions::unthrottled()).await;
    let alice = shop.shopper("alice").await;
    for card in [VISA, MASTERCARD, JCB] {
        saved(&shop, &alice, card).await;
    }
    let listed = cards(&alice).await;
    let all = seqs(&listed);
    assert_eq!(all.len(), 3, "{listed:?}");
    assert_eq!(defaults(&listed), Vec::<u64>::new());
    let order_id = buy(&alice, "matcha").await;
    // No default: the first card is chosen.
    assert_eq!(preselected(&alice, &order_id, &all).await, vec![all[0]]);

    let answer = make_default(&alice, all[2], "PUT", Body::Empty).await;
    assert_eq!(answer.status, 200, "{answer}");
    assert_eq!(answer.json()["card_seq"], all[2]);
    assert_eq!(answer.json()["default"], true);
    assert_eq!(defaults(&cards(&alice).await), vec![all[2]]);
    assert_eq!(preselected(&alice, &order_id, &all).await, vec![all[2]]);

    let csrf = alice.csrf_token().expect("signed in");
    let form = Body::Form(vec![("_csrf".to_owned(), csrf)]);
    let answer = make_default(&alice, all[1], "POST", form).await;
    assert_eq!(answer.status, 200, "{answer}");
    assert_eq!(defaults(&cards(&alice).await), vec![all[1]]);
    assert_eq!(preselected(&alice, &order_id, &all).await, vec![all[1]]);
    let page = alice.get("/cards").await.text();
    for seq in [all[0], all[2]] {
        assert!(
            page.contains(&format!(r#"class="make-default" data-card-seq="{seq}""#)),
            "card {seq} can be made the default: {page}"
        );
    }
    assert!(!page.contains(&format!(
        r#"class="make-default" data-card-seq="{}""#,
        all[1]
    )));

    // Bob has one card: Alice's third is not his, and no number is a card.
    let bob = shop.shopper("bob").await;
    saved(&shop, &bob, VISA).await;
    for path_seq in [all[2].to_string(), "x".to_owned(), "99999".to_owned()] {
        let answer = bob
            .request(
                "PUT",
                &format!("/payments/cards/{path_seq}/default"),
                Body::Empty,
                &[JSON],
            )
            .await;
        assert_eq!(answer.status, 404, "{path_seq}: {answer}");
        assert_eq!(answer.error_code(), "not_found");
    }
    // A body with a price is refused, and without the CSRF token nothing happens.
    let answer = make_default(&alice, all[0], "PUT", Body::Json(json!({"amount": 1}))).await;
    assert_eq!(answer.status, 400, "{answer}");
    let forged = alice
        .without_csrf()
        .request(
            "PUT",
            &format!("/payments/cards/{}/default", all[0]),
            Body::Empty,
            &[JSON],
        )
        .await;
    assert_eq!(forged.status, 403, "{forged}");
    assert_eq!(defaults(&cards(&alice).await), vec![all[1]]);
}

/// Replacing a card with a new expiry, in both registration modes: the list shows the new
/// masked card and expiry (direct: under the same number; verified: after 3-D Secure, under the
/// number TradedCard gives, the old card gone); another customer's number is not found; a used
/// token is refused with the shop's card error.
pub async fn replace_card<S: ShopUnderTest>() {
    for registration in [CardRegistrationMode::Direct, CardRegistrationMode::Verified] {
        let options = ShopOptions {
            registration,
            ..ShopOptions::unthrottled()
        };
        let shop = RunningShop::start::<S>(options).await;
        let alice = shop.shopper("alice").await;
        saved(&shop, &alice, MASTERCARD).await;
        saved(&shop, &alice, VISA).await;
        let before = cards(&alice).await;
        assert_eq!(before.len(), 2, "{registration:?}: {before:?}");
        let old = seqs(&before)[1];
        let token = shop
            .sandbox
            .issue_token(VISA, "3001", "123")
            .expect("a token");
        let answer = alice
            .request(
                "PUT",
                &format!("/payments/cards/{old}"),
                Body::Json(json!({ "token": token })),
                &[JSON],
            )
            .await;
        assert_eq!(answer.status, 200, "{registration:?}: {answer}");
        if answer.json()["status"] == "redirect_to" {
            let url = answer.json()["url"].as_str().expect("url").to_owned();
            let returned = return_from_acs(&alice, &url, CHALLENGE_OTP).await;
            assert_eq!(returned.status, 303, "{returned}");
            let landing = returned.location().expect("a Location");
            assert!(landing.starts_with("/cards?registered="), "{landing}");
            // GMO's notification may be attaching the card on another request: the page says
            // so until it is done.
            let saved = crate::shopping::eventually(std::time::Duration::from_secs(5), || {
                let (alice, landing) = (alice.clone(), landing.clone());
                async move {
                    let page = alice.get(&landing).await.text();
                    if page.contains("Your card is saved.") {
                        Ok(())
                    } else {
                        Err(page)
                    }
                }
            })
            .await;
            assert!(saved.is_ok(), "{saved:?}");
        } else {
            assert_eq!(registration, CardRegistrationMode::Direct, "{answer}");
            assert_eq!(answer.json()["status"], "registered");
        }
        let after = cards(&alice).await;
        assert_eq!(after.len(), 2, "{registration:?}: {after:?}");
        assert_eq!(after[0], before[0], "the other card is untouched");
        let new = &after[1];
        assert_eq!(new["expiry"], "01/30", "{registration:?}: {new}");
        assert!(
            new["masked_number"]
                .as_str()
                .is_some_and(|m| m.ends_with("111"))
        );
        let new_seq = new["card_seq"].as_u64().expect("card_seq");
        match registration {
            CardRegistrationMode::Direct => assert_eq!(new_seq, old),
            _ => assert!(new_seq > old, "TradedCard saves under a new number"),
        }
        let page = alice.get("/cards").await.text();
        assert!(page.contains("(expires 01/30)"), "{page}");
        assert!(page.contains(&format!(
            r#"class="replace-card" data-card-seq="{new_seq}""#
        )));

        // The same token again: a clear error (the flow's `card_problem`, which the shop's
        // default message policy answers as every unusable card: `402 declined`, "could not be
        // used"), and nothing changed.
        let again = alice
            .request(
                "PUT",
                &format!("/payments/cards/{new_seq}"),
                Body::Json(json!({ "token": token })),
                &[JSON],
            )
            .await;
        assert_eq!(again.status, 402, "{registration:?}: {again}");
        assert_eq!(again.error_code(), "declined");
        assert!(again.text().contains("could not be used"), "{again}");
        assert_eq!(cards(&alice).await, after);

        // Bob's one card is number 0: Alice's second is not his (a form this time).
        let bob = shop.shopper("bob").await;
        saved(&shop, &bob, VISA).await;
        let fresh = shop.token(VISA);
        let answer = bob
            .request(
                "PUT",
                &format!("/payments/cards/{new_seq}"),
                Body::Form(vec![("token".to_owned(), fresh)]),
                &[JSON],
            )
            .await;
        assert_eq!(answer.status, 404, "{registration:?}: {answer}");
        assert_eq!(answer.error_code(), "not_found");
        assert_eq!(cards(&alice).await, after);
    }
}

/// Closing the payment account from the shop: a card registered and paid with, then the
/// closure (confirmed, with the CSRF token) deletes GMO's member and the cards; the paid order
/// stays; closing again is fine. Without the confirmation or the CSRF token nothing happens,
/// and while a payment's call is in flight the closure is refused with `409 in_progress`.
pub async fn account_closure<S: ShopUnderTest>() {
    let shop = RunningShop::start::<S>(ShopOptions::unthrottled()).await;
    let alice = shop.shopper("alice").await;
    saved(&shop, &alice, VISA).await;
    let seq = seqs(&cards(&alice).await)[0];
    let order_id = buy(&alice, "matcha").await;
    let payment = pay(&alice, &order_id, json!({ "card_seq": seq }), CHALLENGE_OTP).await;
    assert_eq!(payment.confirmation.status, 200, "{}", payment.confirmation);
    assert_eq!(order(&alice, &order_id).await["state"], "authorized");

    // Bob's payment is in flight (ExecTran slow): his closure waits.
    let bob = shop.shopper("bob").await;
    saved(&shop, &bob, VISA).await;
    let bobs_order = buy(&bob, "teapot").await;
    shop.sandbox.add_fault(
        Fault::new(FaultKind::Latency(Duration::from_millis(1500)))
            .on(Api::ExecTran)
            .times(1),
    );
    let paying = {
        let bob = bob.clone();
        let bobs_order = bobs_order.clone();
        tokio::spawn(async move {
            pay(&bob, &bobs_order, json!({ "card_seq": 0 }), CHALLENGE_OTP).await
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let refused = bob
        .post_json("/account/close", json!({ "confirm": "yes" }))
        .await;
    assert_eq!(refused.status, 409, "{refused}");
    assert_eq!(refused.error_code(), "in_progress");
    let payment = paying.await.expect("the payment finishes");
    assert_eq!(payment.confirmation.status, 200, "{}", payment.confirmation);
    assert_eq!(shop.sandbox.members().len(), 2);

    // Not confirmed, or forged: nothing happens.
    let unconfirmed = alice.post_json("/account/close", json!({})).await;
    assert_eq!(unconfirmed.status, 400, "{unconfirmed}");
    assert_eq!(unconfirmed.error_code(), "confirmation_required");
    let page = alice.post_form("/account/close", &[]).await;
    assert_eq!(page.status, 400, "{page}");
    let forged = alice
        .without_csrf()
        .request(
            "POST",
            "/account/close",
            Body::Form(vec![("confirm".to_owned(), "yes".to_owned())]),
            &[("accept", "text/html")],
        )
        .await;
    assert_eq!(forged.status, 403, "{forged}");
    assert_eq!(cards(&alice).await.len(), 1);

    // The cards page offers it; the form closes the account.
    let page = alice.get("/cards").await.text();
    assert!(page.contains(r#"action="/account/close""#), "{page}");
    let closed = alice
        .post_form("/account/close", &[("confirm", "yes")])
        .await;
    assert_eq!(closed.status, 303, "{closed}");
    assert_eq!(closed.location().as_deref(), Some("/cards?closed=1"));
    let page = alice.follow(&closed).await.text();
    assert!(page.contains(r#"id="account-closed""#), "{page}");
    assert!(page.contains(r#"id="no-cards""#), "{page}");
    assert!(cards(&alice).await.is_empty());
    // GMO keeps Bob's member only.
    let members = shop.sandbox.members();
    assert_eq!(members.len(), 1, "{members:?}");
    assert_eq!(members[0].cards.len(), 1);
    // The paid order stays, for the records; a second closure is fine.
    assert_eq!(order(&alice, &order_id).await["state"], "authorized");
    let again = alice
        .post_json("/account/close", json!({ "confirm": "yes" }))
        .await;
    assert_eq!(again.status, 200, "{again}");
    assert_eq!(again.json()["closed"], true);
}
