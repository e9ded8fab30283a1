//! Payments services in process, on a sandbox, as the race and late-commit tests run them:
//! built the way an app builds them, and GMO's notifications served to them over HTTP.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use gmo_core::flow::PaymentsBuilder;
use gmo_core::store::PaymentStore;
use gmo_core::values::{ShopId, SiteId};
use gmo_core::{Environment, GmoClient, Payments, ShopPass, SitePass};
use gmo_sandbox::Sandbox;

/// A payments service on `store` for the sandbox, its GMO calls timing out after
/// `request_timeout`, with `settings` applied to the builder.
pub fn payments(
    sandbox: &Sandbox,
    store: Arc<dyn PaymentStore>,
    request_timeout: Duration,
    settings: impl FnOnce(PaymentsBuilder) -> PaymentsBuilder,
) -> Payments {
    let client = GmoClient::builder(Environment::Custom(sandbox.base_url().into()))
        .shop(
            ShopId::new(sandbox.shop_id()).expect("shop id"),
            ShopPass::new(sandbox.shop_pass()),
        )
        .site(
            SiteId::new(sandbox.site_id()).expect("site id"),
            SitePass::new(sandbox.site_pass()),
        )
        .request_timeout(request_timeout)
        .build()
        .expect("a client");
    settings(Payments::builder(client, store).public_url("https://shop.example"))
        .build()
        .expect("payments")
}

/// Serves GMO's notifications on a loopback port, each to the next instance in turn; answers
/// the URL.
pub async fn notification_receiver(instances: Vec<Payments>) -> String {
    let next = Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new().route(
        "/notify",
        axum::routing::post(move |body: axum::body::Bytes| {
            let n = next.fetch_add(1, Ordering::Relaxed);
            let payments = instances[n % instances.len()].clone();
            async move {
                match payments.handle_notification(&body).await {
                    Ok(_) => "0".to_owned(),
                    Err(e) => e.reason().to_owned(),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let url = format!(
        "http://{}/notify",
        listener.local_addr().expect("an address")
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}
