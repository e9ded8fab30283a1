//! `cargo run -p axum-shop`: the shop on 127.0.0.1 (`PORT`, default 3000), paying through an
//! embedded gmo-sandbox, or through GMO with `GMO_*` variables (see the README). The first line
//! on stdout is `Shop running at http://127.0.0.1:PORT/`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use gmo_core::store::MemoryStore;
use shop_common::gateway::PaymentGateway;
use shop_common::settings::ShopSettings;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    shop_common::startup::init_logging();
    let settings = ShopSettings::from_env()?;
    let gateway = PaymentGateway::start(&settings.gateway).await?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", settings.port)).await?;
    let port = listener.local_addr()?.port();
    let url = format!("http://127.0.0.1:{port}");
    let public_url = settings.public_url.clone().unwrap_or_else(|| url.clone());
    // The memory store: orders live as long as the process (gmo-sqlx will bring SQLite).
    let payments = gateway.payments(&public_url, Arc::new(MemoryStore::new()), |b| b)?;
    let _reconciler = payments.reconcile_every(Duration::from_secs(60));
    let state = axum_shop::ShopState::new(
        payments,
        gateway.card_form.clone(),
        &gateway.content_security_policy(),
    );

    shop_common::startup::announce(&url, &gateway)?;

    let app = axum_shop::app(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
