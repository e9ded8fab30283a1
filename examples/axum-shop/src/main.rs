//! `cargo run -p axum-shop`: the shop on 127.0.0.1 (`PORT`, default 3000), paying through an
//! embedded gmo-sandbox, or through GMO with `GMO_*` variables, its orders and sessions in
//! `data/shop.db` (see the README). The first line on stdout is `Shop running at
//! http://127.0.0.1:PORT/`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum_shop::AppState;
use gmo_core::guard::{CardTestingThrottle, SystemClock, ThrottleConfig};
use shop_common::fulfilment::Fulfilment;
use shop_common::gateway::PaymentGateway;
use shop_common::settings::ShopSettings;
use shop_common::shop::Shop;
use shop_common::signin::SignInPolicy;

/// How often expired sessions' rows are deleted.
const DELETE_EXPIRED_SESSIONS_EVERY: Duration = Duration::from_secs(60);

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    shop_common::startup::init_logging();
    let settings = ShopSettings::from_env()?;
    let gateway = PaymentGateway::start(&settings).await?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", settings.port)).await?;
    let url = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
    let public_url = settings.public_url.as_deref().unwrap_or(&url);

    // The payments: on the shop's database, with the card-testing throttle (its counts beside
    // the orders, so that instances on one database share the limits) and the shop's
    // fulfilment handling their events.
    let storage = settings.storage.open().await?;
    let limits = if settings.card_throttle {
        ThrottleConfig::default()
    } else {
        ThrottleConfig::unlimited()
    };
    let throttle = CardTestingThrottle::with_store(limits, storage.throttle, Arc::new(SystemClock));
    let fulfilment = Arc::new(Fulfilment::new(storage.orders.clone()));
    let payments = gateway.payments(public_url, storage.payments, |b| {
        b.reconcile_after(settings.reconcile_after)
            .payment_methods(settings.payment_methods.clone())
            .card_testing(throttle)
            .event_handler(fulfilment)
    })?;
    // Settles orders left unfinished (a shopper who left, a crash, a lost answer), and hands
    // payment events to the fulfilment; both run until the shop stops.
    let _reconciler = payments.reconcile_every(settings.reconcile_every);
    let _delivery = payments.deliver_events_every(settings.deliver_every);

    let mut shop = Shop::new(
        payments,
        gateway.card_form.clone(),
        &gateway.content_security_policy(),
        storage.sessions,
    );
    shop.orders = storage.orders;
    shop.session_lifetime = settings.sessions;
    shop.sign_in_policy = SignInPolicy::new(public_url, settings.admin_sign_in.clone());
    shop.trusted_proxies = settings.trusted_proxies.clone();
    shop.notify_sources = settings.notify_sources.clone();
    let state = AppState::from(shop);

    // The sessions live in the same database: their table, and the deletion of expired rows.
    state.sessions.migrate().await?;
    let _expired_sessions = state
        .sessions
        .delete_expired_every(DELETE_EXPIRED_SESSIONS_EVERY);

    shop_common::startup::announce(&url, &settings, &gateway)?;
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
