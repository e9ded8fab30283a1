//! `cargo run -p actix-shop`: the shop on 127.0.0.1 (`PORT`, default 3000), paying through an
//! embedded gmo-sandbox, or through GMO with `GMO_*` variables (see axum-shop's README: the
//! settings are the same). The first line on stdout is `Shop running at http://127.0.0.1:PORT/`.

use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpServer;
use gmo_core::store::MemoryStore;
use shop_common::gateway::PaymentGateway;
use shop_common::settings::ShopSettings;
use shop_common::shop::Shop;

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    shop_common::startup::init_logging();
    let settings = ShopSettings::from_env()?;
    let gateway = PaymentGateway::start(&settings.gateway).await?;
    let listener = std::net::TcpListener::bind(("127.0.0.1", settings.port))?;
    let url = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
    let public_url = settings.public_url.clone().unwrap_or_else(|| url.clone());
    // The memory store: orders live as long as the process.
    let payments = gateway.payments(&public_url, Arc::new(MemoryStore::new()), |b| b)?;
    let _reconciler = payments.reconcile_every(Duration::from_secs(60));
    // Built once, outside `HttpServer::new`: the workers share the shop and its throttle.
    let shop = Shop::new(
        payments,
        gateway.card_form.clone(),
        &gateway.content_security_policy(),
    );
    shop_common::startup::announce(&url, &gateway)?;

    // actix stops on Ctrl-C by itself.
    HttpServer::new(move || actix_shop::app(shop.clone()))
        .listen(listener)?
        .run()
        .await?;
    Ok(())
}
