//! The shop's fulfilment, driven by payment events only: a paid order gets one confirmation
//! message (on the owner's emails page) and becomes ready to ship, however the payment was
//! completed (the shopper's return, or reconciliation after the shopper left); an unpaid one
//! gets neither.

use std::time::Duration;

use gmo_sandbox::{Api, CHALLENGE_OTP};
use serde_json::json;

use crate::driver::{Client, RunningShop, ShopOptions, ShopUnderTest};
use crate::shopping::{
    authenticate_at_acs, buy, buy_and_pay, confirmed_once, emails_by_order, eventually, order,
    ready_to_ship, wait_until_ready_to_ship,
};

/// A few delivery passes: long enough for an event handed over twice to show twice.
const MORE_PASSES: Duration = Duration::from_millis(600);

/// A paid checkout gets exactly one confirmation and becomes ready to ship; a declined one gets
/// none and is not; only the owner sees the emails page.
pub async fn paid_orders_are_confirmed_once<S: ShopUnderTest>() {
    let shop = RunningShop::start::<S>(ShopOptions::default()).await;
    let alice = shop.shopper("alice").await;
    let owner = shop.shopper("owner").await;
    let (declined, _) =
        buy_and_pay(&shop, &alice, "matcha", "4100000000000407", CHALLENGE_OTP).await;
    let (paid, _) = buy_and_pay(&shop, &alice, "teapot", "4111111111111111", CHALLENGE_OTP).await;
    assert_eq!(order(&alice, &paid).await["state"], "authorized");
    assert_eq!(order(&alice, &declined).await["state"], "failed");

    wait_until_ready_to_ship(&alice, &paid).await;
    stays_confirmed_once(&owner, &alice, &paid, &declined).await;

    let emails = owner.get_json("/admin/emails").await.json();
    let email = &emails["emails"][0];
    assert_eq!(email["customer"], "alice", "{emails}");
    assert!(
        email["subject"].as_str().is_some_and(|s| s.contains(&paid)),
        "{emails}"
    );
    let page = owner.get("/admin/emails").await;
    assert_eq!(page.status, 200, "{page}");
    assert!(page.text().contains(&format!(r#"data-order-id="{paid}""#)));
    assert!(!page.text().contains(&declined), "{page}");
    let order_page = alice.get(&format!("/orders/{paid}")).await.text();
    assert!(
        order_page.contains(r#"data-ready-to-ship="true">ready to ship<"#),
        "{order_page}"
    );
    // The buyers do not see the owner's emails.
    let refused = alice.get_json("/admin/emails").await;
    assert_eq!(refused.status, 404, "{refused}");
}

/// A shopper who authenticates at the issuer and never comes back: reconciliation finalises the
/// payment, and the order is still confirmed exactly once and ready to ship. An order whose
/// shopper never reached the issuer expires, unconfirmed.
pub async fn payments_finalized_by_reconciliation_are_confirmed_once<S: ShopUnderTest>() {
    let shop = RunningShop::start::<S>(ShopOptions {
        reconcile_after: Some(Duration::from_secs(4)),
        ..ShopOptions::default()
    })
    .await;
    let alice = shop.shopper("alice").await;
    let owner = shop.shopper("owner").await;
    let mut redirects = Vec::new();
    let (left, never_went) = (buy(&alice, "matcha").await, buy(&alice, "teapot").await);
    for order_id in [&left, &never_went] {
        let confirmation = alice
            .post_json(
                &format!("/payments/checkout/{order_id}"),
                json!({"token": shop.token("4111111111111111")}),
            )
            .await;
        assert_eq!(
            confirmation.json()["status"],
            "redirect_to",
            "{confirmation}"
        );
        redirects.push(confirmation.json()["url"].as_str().expect("url").to_owned());
    }
    // The shopper authenticates, then closes the tab: the return never reaches the shop.
    let _form = authenticate_at_acs(&redirects[0], CHALLENGE_OTP).await;
    assert!(
        !ready_to_ship(&alice, &left).await,
        "ready before it is paid"
    );

    let settled = eventually(Duration::from_secs(30), || async {
        let (a, b) = (order(&alice, &left).await, order(&alice, &never_went).await);
        match (a["state"].as_str(), b["state"].as_str()) {
            (Some("authorized"), Some("expired")) if a["fulfilment"] == "ready_to_ship" => Ok(()),
            _ => Err(format!("not settled and fulfilled yet: {a} / {b}")),
        }
    })
    .await;
    settled.unwrap_or_else(|e| panic!("{e}"));
    // Finalised by the shop's reconciliation: the shopper's return never came.
    assert_eq!(shop.sandbox.calls_of(Api::SecureTran2, &left), 1);
    stays_confirmed_once(&owner, &alice, &left, &never_went).await;
}

/// After a few more delivery passes, the owner's emails page (seen by `owner`) has exactly one
/// confirmation of `paid` and none of `unpaid`, which its buyer (`buyer`) sees not ready to ship.
async fn stays_confirmed_once(owner: &Client, buyer: &Client, paid: &str, unpaid: &str) {
    tokio::time::sleep(MORE_PASSES).await;
    let (paid, unpaid) = ([paid.to_owned()], [unpaid.to_owned()]);
    confirmed_once(&emails_by_order(owner).await, &paid, &unpaid).unwrap_or_else(|e| panic!("{e}"));
    assert!(!ready_to_ship(buyer, &unpaid[0]).await, "{unpaid:?}");
}
