//! `cargo run -p axum-shop`: the shop on 127.0.0.1 (`PORT`, default 3000), paying through an
//! embedded gmo-sandbox, or through GMO with `GMO_*` variables, its orders in `data/shop.db`
//! (see the README). The first line on stdout is `Shop running at http://127.0.0.1:PORT/`.

use std::net::SocketAddr;

use shop_common::gateway::PaymentGateway;
use shop_common::settings::ShopSettings;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    shop_common::startup::init_logging();
    let settings = ShopSettings::from_env()?;
    let gateway = PaymentGateway::start(&settings).await?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", settings.port)).await?;
    let url = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
    let (shop, _tasks) = shop_common::startup::open_shop(&settings, &gateway, &url).await?;
    shop_common::startup::announce(&url, &settings, &gateway)?;

    let app = axum_shop::app(axum_shop::ShopState::from(shop));
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
