//! `gmo-bench-shop <axum|actix> <STORE>`: an example shop as its binary serves it (the same
//! start-up as `axum-shop`/`actix-shop`'s `main.rs`, settings from the same environment
//! variables: `PORT`, `GMO_BASE_URL`, …), with a store chosen on the command line: `memory`,
//! `sqlite://path/to/file.db` or `postgres://…`. The load driver `gmo-load` spawns it against
//! a separately running gmo-sandbox, so that the shop's memory is the shop's alone.
//!
//! The first line on stdout is `Shop running at http://127.0.0.1:PORT/`.
#![forbid(unsafe_code)]

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use gmo_core::store::{MemoryStore, PaymentStore};
use gmo_sqlx::{PostgresStore, SqliteStore};
use shop_common::gateway::PaymentGateway;
use shop_common::settings::ShopSettings;
use shop_common::shop::Shop;

type BoxError = Box<dyn Error + Send + Sync>;

async fn open_store(spec: &str) -> Result<Arc<dyn PaymentStore>, BoxError> {
    if spec == "memory" {
        Ok(Arc::new(MemoryStore::new()))
    } else if spec.starts_with("sqlite:") {
        let store = SqliteStore::connect(spec).await?;
        store.migrate().await?;
        Ok(Arc::new(store))
    } else if spec.starts_with("postgres:") || spec.starts_with("postgresql:") {
        let store = PostgresStore::connect(spec).await?;
        store.migrate().await?;
        Ok(Arc::new(store))
    } else {
        Err(format!("unknown store {spec:?}: memory, sqlite://… or postgres://…").into())
    }
}

fn main() -> Result<(), BoxError> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: gmo-bench-shop <axum|actix> <memory|sqlite://…|postgres://…>";
    let framework = args.next().ok_or(usage)?;
    let store = args.next().ok_or(usage)?;
    shop_common::startup::init_logging();
    match framework.as_str() {
        "axum" => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(axum_main(&store)),
        "actix" => actix_web::rt::System::new().block_on(actix_main(&store)),
        _ => Err(usage.into()),
    }
}

/// `axum-shop`'s `main`, with the store given.
async fn axum_main(store: &str) -> Result<(), BoxError> {
    let settings = ShopSettings::from_env()?;
    let gateway = PaymentGateway::start(&settings.gateway).await?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", settings.port)).await?;
    let url = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
    let public_url = settings.public_url.clone().unwrap_or_else(|| url.clone());
    let payments = gateway.payments(&public_url, open_store(store).await?, |b| b)?;
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
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await?;
    Ok(())
}

/// `actix-shop`'s `main`, with the store given.
async fn actix_main(store: &str) -> Result<(), BoxError> {
    let settings = ShopSettings::from_env()?;
    let gateway = PaymentGateway::start(&settings.gateway).await?;
    let listener = std::net::TcpListener::bind(("127.0.0.1", settings.port))?;
    let url = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
    let public_url = settings.public_url.clone().unwrap_or_else(|| url.clone());
    let payments = gateway.payments(&public_url, open_store(store).await?, |b| b)?;
    let _reconciler = payments.reconcile_every(Duration::from_secs(60));
    let shop = Shop::new(
        payments,
        gateway.card_form.clone(),
        &gateway.content_security_policy(),
    );
    shop_common::startup::announce(&url, &gateway)?;
    actix_web::HttpServer::new(move || actix_shop::app(shop.clone()))
        .listen(listener)?
        .run()
        .await?;
    Ok(())
}
