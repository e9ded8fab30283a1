//! `cargo run -p actix-shop`: the shop on 127.0.0.1 (`PORT`, default 3000), paying through an
//! embedded gmo-sandbox, or through GMO with `GMO_*` variables, its orders and sessions in
//! `data/shop.db` (see axum-shop's README: the settings are the same). The first line on stdout
//! is `Shop running at http://127.0.0.1:PORT/`.
//!
//! The payment integration, start to end: the gateway, the storage, the payments handle with
//! its fulfilment and card-testing throttle, reconciliation and event delivery, the sessions,
//! the app.

use std::sync::Arc;
use std::time::Duration;

use actix_shop::{AppState, ShopSessions};
use actix_web::HttpServer;
use gmo_core::guard::{CardTestingThrottle, SystemClock, ThrottleConfig};
use shop_common::fulfilment::Fulfilment;
use shop_common::gateway::PaymentGateway;
use shop_common::settings::ShopSettings;
use shop_common::signin::SignInPolicy;

/// How often expired sessions are deleted from the database.
const SWEEP_SESSIONS_EVERY: Duration = Duration::from_secs(60);

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    shop_common::startup::init_logging();
    let settings = ShopSettings::from_env()?;
    // GMO (or an embedded sandbox, without `GMO_*` settings).
    let gateway = PaymentGateway::start(&settings).await?;
    let listener = std::net::TcpListener::bind(("127.0.0.1", settings.port))?;
    let url = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
    let public_url = settings.public_url.as_deref().unwrap_or(&url);

    // Payments, orders, the throttle's counts and the sessions, in one database.
    let storage = settings.storage.open().await?;
    let limits = if settings.card_throttle {
        ThrottleConfig::default()
    } else {
        ThrottleConfig::unlimited()
    };
    // The counts live with the orders: instances on one database share the limits. The
    // payments settle the attempts the shop's throttle admits.
    let throttle = CardTestingThrottle::with_store(limits, storage.throttle, Arc::new(SystemClock));
    // Confirmations and "ready to ship" come from the payment events only, however the
    // payment completed.
    let fulfilment = Arc::new(Fulfilment::new(storage.orders.clone()));
    let payments = gateway.payments(public_url, storage.payments, |b| {
        b.reconcile_after(settings.reconcile_after)
            .payment_methods(settings.payment_methods.clone())
            .card_testing(throttle.clone())
            .event_handler(fulfilment)
    })?;
    // Settles orders left unfinished (a shopper who left, a crash, a lost answer), and hands
    // payment events to the fulfilment. Both stop with the process.
    let _reconciler = payments.reconcile_every(settings.reconcile_every);
    let _delivery = payments.deliver_events_every(settings.deliver_every);

    let sessions = ShopSessions::open(storage.sessions).await?;
    let _sweeper = sessions.store.delete_expired_every(SWEEP_SESSIONS_EVERY);
    let state = AppState {
        notification_route: settings
            .notify_sources
            .clone()
            .trusted_proxies(settings.trusted_proxies.clone()),
        card_form: gateway.card_form.clone(),
        content_security_policy: gateway.content_security_policy(),
        sign_in_policy: SignInPolicy::new(public_url, settings.admin_sign_in.clone()),
        orders: storage.orders,
        session_lifetime: settings.sessions,
        throttle,
        trusted_proxies: settings.trusted_proxies.clone(),
        payments,
    };
    shop_common::startup::announce(&url, &settings, &gateway)?;

    // Built once, outside `HttpServer::new`: the workers share the state and its throttle.
    // actix stops on Ctrl-C by itself.
    HttpServer::new(move || actix_shop::app(state.clone(), sessions.clone()))
        .listen(listener)?
        .run()
        .await?;
    Ok(())
}
