//! `cargo run -p actix-shop`: the shop on 127.0.0.1 (`PORT`, default 3000), paying through an
//! embedded gmo-sandbox, or through GMO with `GMO_*` variables, its orders in `data/shop.db`
//! (see axum-shop's README: the settings are the same). The first line on stdout is
//! `Shop running at http://127.0.0.1:PORT/`.

use actix_web::HttpServer;
use shop_common::gateway::PaymentGateway;
use shop_common::settings::ShopSettings;

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    shop_common::startup::init_logging();
    let settings = ShopSettings::from_env()?;
    let gateway = PaymentGateway::start(&settings).await?;
    let listener = std::net::TcpListener::bind(("127.0.0.1", settings.port))?;
    let url = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
    // Built once, outside `HttpServer::new`: the workers share the shop and its throttle.
    let (shop, _tasks) = shop_common::startup::open_shop(&settings, &gateway, &url).await?;
    shop_common::startup::announce(&url, &settings, &gateway)?;

    // actix stops on Ctrl-C by itself.
    HttpServer::new(move || actix_shop::app(shop.clone()))
        .listen(listener)?
        .run()
        .await?;
    Ok(())
}
