//! The shop owner's actions (capture, void, refund) and GMO's result notifications.

use std::time::Duration;

use gmo_core::values::Status;
use gmo_sandbox::CHALLENGE_OTP;
use serde_json::json;

use crate::driver::{RunningShop, ShopOptions, ShopUnderTest};
use crate::shopping::{buy_and_pay, order};

/// Capture, void and refund from the admin page; repeated or impossible actions are refused;
/// the customer's history shows each state; every notification GMO sent was acknowledged.
pub async fn admin_actions_and_notifications<S: ShopUnderTest>() {
    let shop = RunningShop::start::<S>(ShopOptions::default()).await;
    let alice = shop.shopper("alice").await;
    let (first, _) = buy_and_pay(&shop, &alice, "teapot", "4111111111111111", CHALLENGE_OTP).await;
    let (second, _) = buy_and_pay(&shop, &alice, "matcha", "5555555555554444", CHALLENGE_OTP).await;
    assert_eq!(order(&alice, &first).await["state"], "authorized");

    let owner = shop.shopper("owner").await;
    let page = owner.get("/admin/orders").await;
    assert_eq!(page.status, 200);
    let text = page.text();
    assert!(
        text.contains(&format!("/admin/orders/{first}/capture")),
        "{text}"
    );
    assert!(
        text.contains(&format!("/admin/orders/{second}/void")),
        "{text}"
    );

    let captured = owner
        .post_form(&format!("/admin/orders/{first}/capture"), &[])
        .await;
    assert_eq!(
        (captured.status, captured.location().as_deref()),
        (303, Some("/admin/orders")),
        "{captured}"
    );
    assert_eq!(order(&alice, &first).await["state"], "captured");
    assert_eq!(
        shop.sandbox.transaction(&first).map(|t| t.status),
        Some(Status::Sales)
    );

    let again = owner
        .post_json(&format!("/admin/orders/{first}/capture"), json!({}))
        .await;
    assert_eq!(
        (again.status, again.error_code().as_str()),
        (409, "invalid_state"),
        "{again}"
    );

    let refunded = owner
        .post_json(&format!("/admin/orders/{first}/refund"), json!({}))
        .await;
    assert_eq!(refunded.status, 200, "{refunded}");
    assert_eq!(refunded.json()["state"], "refunded");
    assert_eq!(
        shop.sandbox.transaction(&first).map(|t| t.status),
        Some(Status::Return)
    );

    let voided = owner
        .post_json(&format!("/admin/orders/{second}/void"), json!({}))
        .await;
    assert_eq!(voided.json()["state"], "voided", "{voided}");
    assert_eq!(
        shop.sandbox.transaction(&second).map(|t| t.status),
        Some(Status::Void)
    );
    let capture_voided = owner
        .post_json(&format!("/admin/orders/{second}/capture"), json!({}))
        .await;
    assert_eq!(capture_voided.status, 409, "{capture_voided}");
    // Without the session's CSRF token, nothing happens.
    let forged = owner
        .without_csrf()
        .request(
            "POST",
            &format!("/admin/orders/{second}/refund"),
            crate::driver::Body::Form(vec![]),
            &[],
        )
        .await;
    assert_eq!(
        (forged.status, forged.error_code().as_str()),
        (403, "csrf_failed")
    );

    let history = alice.get("/orders").await.text();
    for state in ["refunded", "cancelled"] {
        assert!(history.contains(state), "history lacks {state}: {history}");
    }

    assert!(
        shop.sandbox
            .notifications_settled(Duration::from_secs(10))
            .await
    );
    let deliveries = shop.sandbox.notifications();
    assert!(deliveries.len() >= 4, "{deliveries:?}");
    for delivery in deliveries {
        assert!(
            delivery.url.ends_with("/payments/notify"),
            "{}",
            delivery.url
        );
        assert_eq!(
            delivery.outcome,
            gmo_sandbox::DeliveryOutcome::Delivered,
            "{delivery:?}"
        );
    }
}

/// A part refunded from the admin page, once however often the form is sent; a part taken off
/// an amount that changed meanwhile is refused; an amount changed; GMO agrees each time.
pub async fn admin_refunds_a_part_and_changes_the_amount<S: ShopUnderTest>() {
    let shop = RunningShop::start::<S>(ShopOptions::default()).await;
    let alice = shop.shopper("alice").await;
    // The teapot is 6,400 yen.
    let (order_id, _) =
        buy_and_pay(&shop, &alice, "teapot", "4111111111111111", CHALLENGE_OTP).await;
    let owner = shop.shopper("owner").await;
    let page = owner.get("/admin/orders").await.text();
    assert!(
        page.contains(&format!("/admin/orders/{order_id}/refund-part"))
            && page.contains(r#"name="seen" value="6400""#),
        "{page}"
    );
    let refund_part = format!("/admin/orders/{order_id}/refund-part");
    let gmo_amount = || shop.sandbox.transaction(&order_id).map(|t| t.amount);
    let changes = || {
        shop.sandbox
            .calls_of(gmo_sandbox::Api::ChangeTran, &order_id)
    };

    let refunded = owner
        .post_form(&refund_part, &[("part", "1400"), ("seen", "6400")])
        .await;
    assert_eq!(
        (refunded.status, refunded.location().as_deref()),
        (303, Some("/admin/orders")),
        "{refunded}"
    );
    assert_eq!(gmo_amount(), Some(5000));
    assert_eq!(order(&alice, &order_id).await["amount"], 5000);
    // Sent again (a double click, a reload): nothing more is refunded.
    let again = owner
        .post_json(&refund_part, json!({"part": 1400, "seen": 6400}))
        .await;
    assert_eq!(
        (again.status, again.json()["amount"].clone()),
        (200, json!(5000)),
        "{again}"
    );
    assert_eq!(changes(), 1);
    // Another part off the old amount: refused, nothing sent.
    let stale = owner
        .post_json(&refund_part, json!({"part": 400, "seen": 6400}))
        .await;
    assert_eq!(
        (stale.status, stale.error_code().as_str()),
        (409, "amount_changed"),
        "{stale}"
    );
    for bad in [
        json!({"part": 5000, "seen": 5000}),
        json!({"part": "x", "seen": 5000}),
        json!({"seen": 5000}),
    ] {
        let refused = owner.post_json(&refund_part, bad.clone()).await;
        assert_eq!(
            (refused.status, refused.error_code().as_str()),
            (400, "invalid_input"),
            "{bad}: {refused}"
        );
    }
    assert_eq!(changes(), 1);

    let changed = owner
        .post_json(
            &format!("/admin/orders/{order_id}/change-amount"),
            json!({"amount": 4200}),
        )
        .await;
    assert_eq!(
        (changed.status, changed.json()["amount"].clone()),
        (200, json!(4200)),
        "{changed}"
    );
    assert_eq!(gmo_amount(), Some(4200));
    // Only the owner may.
    let by_alice = alice
        .post_json(&refund_part, json!({"part": 100, "seen": 4200}))
        .await;
    assert_eq!(by_alice.status, 404, "{by_alice}");
    assert_eq!(gmo_amount(), Some(4200));
}

/// The owner charges a customer's default card from the admin page, once per form however
/// often it is sent; a customer without a default card is refused before GMO is asked.
pub async fn admin_charges_a_default_card_once<S: ShopUnderTest>() {
    let shop = RunningShop::start::<S>(ShopOptions::default()).await;
    let bob = shop.shopper("bob").await;
    let owner = shop.shopper("owner").await;
    let form = owner.get("/admin/charges").await;
    assert_eq!(form.status, 200, "{form}");
    let key = form_key(&form.text());

    // Bob has no default card yet.
    let fields =
        |key: &str| json!({"customer": "bob", "product": "matcha", "quantity": 2, "key": key});
    let refused = owner.post_json("/admin/charges", fields(&key)).await;
    assert_eq!(
        (refused.status, refused.error_code().as_str()),
        (409, "no_default_card"),
        "{refused}"
    );
    assert_eq!(shop.sandbox.calls_of(gmo_sandbox::Api::EntryTran, &key), 0);

    let listed = crate::shopping::save_card(&shop, &bob, "5555555555554444", CHALLENGE_OTP).await;
    let card = listed[0]["card_seq"].clone();
    let made_default = bob
        .post_json(&format!("/payments/cards/{card}/default"), json!({}))
        .await;
    assert_eq!(made_default.status, 200, "{made_default}");

    let charged = owner.post_json("/admin/charges", fields(&key)).await;
    assert_eq!(charged.status, 200, "{charged}");
    assert_eq!(charged.json()["amount"], 3000, "{charged}");
    assert_eq!(charged.json()["state"], "authorized", "{charged}");
    let again = owner
        .post_form(
            "/admin/charges",
            &[
                ("customer", "bob"),
                ("product", "matcha"),
                ("quantity", "2"),
                ("key", &key),
            ],
        )
        .await;
    assert_eq!(
        (again.status, again.location().as_deref()),
        (303, Some("/admin/orders")),
        "{again}"
    );
    assert_eq!(shop.sandbox.calls_of(gmo_sandbox::Api::ExecTran, &key), 1);
    assert_eq!(
        shop.sandbox.transaction(&key).map(|t| (t.status, t.amount)),
        Some((Status::Auth, 3000))
    );
    // Bob sees it among his orders; the admin page lists it.
    assert_eq!(order(&bob, &key).await["state"], "authorized");
    assert!(owner.get("/admin/orders").await.text().contains(&key));
    // The same key for another charge is refused.
    let reused = owner
        .post_json(
            "/admin/charges",
            json!({"customer": "bob", "product": "teapot", "key": key}),
        )
        .await;
    assert_eq!(
        (reused.status, reused.error_code().as_str()),
        (409, "idempotency_key_reused"),
        "{reused}"
    );
    // Customers cannot charge anyone.
    let by_bob = bob.post_json("/admin/charges", fields("other-key-1")).await;
    assert_eq!(by_bob.status, 404, "{by_bob}");
}

/// The idempotency key the charge form was drawn with.
fn form_key(page: &str) -> String {
    let marker = r#"name="key" value=""#;
    let start = page.find(marker).expect("the form's key") + marker.len();
    page[start..]
        .split('"')
        .next()
        .expect("a quoted key")
        .to_owned()
}

/// The owner's metrics: the GMO client's calls in flight, queued and turned away, and the
/// store's commits where the store counts them (SQLite; the scenarios' shops keep memory). A
/// customer gets 404.
pub async fn the_owner_reads_the_shop_s_metrics<S: ShopUnderTest>() {
    let shop = RunningShop::start::<S>(ShopOptions::default()).await;
    let alice = shop.shopper("alice").await;
    let owner = shop.shopper("owner").await;
    buy_and_pay(&shop, &alice, "matcha", "4111111111111111", CHALLENGE_OTP).await;
    let metrics = owner.get_json("/admin/metrics").await;
    assert_eq!(metrics.status, 200, "{metrics}");
    let metrics = metrics.json();
    // Nothing is in flight once the checkout is done; nothing waited past its turn.
    assert_eq!(metrics["gmo"]["in_flight"], 0, "{metrics}");
    assert_eq!(metrics["gmo"]["waiting"], 0, "{metrics}");
    assert_eq!(metrics["gmo"]["turned_away"], 0, "{metrics}");
    assert!(metrics["gmo"]["waited"].is_u64(), "{metrics}");
    assert!(metrics["store"]["sqlite_commits"].is_null(), "{metrics}");
    let refused = alice.get_json("/admin/metrics").await;
    assert_eq!(refused.status, 404, "{refused}");
}
