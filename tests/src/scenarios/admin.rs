//! The shop owner's actions (capture, void, refund) and GMO's result notifications.

use std::time::Duration;

use gmo_core::types::Status;
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
