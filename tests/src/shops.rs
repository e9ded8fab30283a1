//! The example shops as shops under test: [`AxumShop`] and [`ActixShop`], each served in
//! process on `127.0.0.1:0` over real HTTP, paying through the scenario's sandbox, with their
//! fulfilment handling the payment events. Both are built from the same
//! `shop_common::shop::Shop`; only the serving differs.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use gmo_core::guard::CardTestingThrottle;
use gmo_core::store::MemoryStore;
use gmo_sandbox::RunningSandbox;
use shop_common::fulfilment::Fulfilment;
use shop_common::gateway::PaymentGateway;
use shop_common::orders::OrderBook;
use shop_common::session_db::SessionDb;
use shop_common::shop::Shop;
use shop_common::startup::ShopTasks;

use crate::driver::{ShopOptions, ShopUnderTest};

/// How often the shops under test reconcile: often, so that the scenarios wait little.
const RECONCILE_EVERY: Duration = Duration::from_millis(250);

/// How often the shops under test hand payment events to their fulfilment.
const DELIVER_EVERY: Duration = Duration::from_millis(100);

/// What both shops start with: a listener on `127.0.0.1:0`, its URL, the gateway over
/// `sandbox`, the shop's state for `options` (its public URL the listener's unless the options
/// name another; its fulfilment the payments' event handler) and its background tasks.
async fn prepare(
    sandbox: RunningSandbox,
    options: ShopOptions,
) -> (std::net::TcpListener, String, Background, Shop) {
    let gateway = match options.reconcile_after {
        // Reconciliation may only settle orders older than twice any call in flight.
        Some(after) => PaymentGateway::over_sandbox(sandbox, after / 2),
        None => PaymentGateway::embedded(sandbox),
    }
    .expect("the gateway");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    let public_url = options.public_url.unwrap_or_else(|| url.clone());
    let throttle = CardTestingThrottle::new(options.throttle);
    let orders = OrderBook::new();
    let fulfilment = Arc::new(Fulfilment::new(orders.clone()));
    let payments = gateway
        .payments(&public_url, Arc::new(MemoryStore::new()), |b| {
            let b = b
                .card_registration(options.registration)
                .payment_methods(options.payment_methods)
                .card_testing(throttle)
                .event_handler(fulfilment);
            match options.reconcile_after {
                Some(after) => b.reconcile_after(after),
                None => b,
            }
        })
        .expect("payments");
    let tasks = ShopTasks::start(&payments, RECONCILE_EVERY, DELIVER_EVERY);
    let sessions = SessionDb::in_memory();
    let mut shop = Shop::new(
        payments,
        gateway.card_form.clone(),
        &gateway.content_security_policy(),
        sessions,
    );
    shop.orders = orders;
    shop.trusted_proxies = options.trusted_proxies;
    shop.sign_in_policy.admin = options.admin_sign_in;
    shop.session_lifetime = options.session_lifetime;
    (
        listener,
        url,
        Background {
            _gateway: gateway,
            _tasks: tasks,
        },
        shop,
    )
}

/// What runs beside a shop's server: the gateway (and its sandbox), reconciliation and event
/// delivery (stopped when dropped).
struct Background {
    _gateway: PaymentGateway,
    _tasks: ShopTasks,
}

/// Keeps the background alive while the shop runs; stops the server on drop.
struct Running<S: Stop> {
    server: S,
    _background: Background,
}

trait Stop: Send + Sync {
    fn stop(&self);
}

impl<S: Stop> Drop for Running<S> {
    fn drop(&mut self) {
        self.server.stop();
    }
}

impl Stop for tokio::task::JoinHandle<()> {
    fn stop(&self) {
        self.abort();
    }
}

impl Stop for actix_web::dev::ServerHandle {
    fn stop(&self) {
        // Sends the command at once; the returned future only waits for the workers to end.
        drop(actix_web::dev::ServerHandle::stop(self, false));
    }
}

/// axum-shop, served by `axum::serve` with client addresses.
#[derive(Debug)]
pub struct AxumShop;

impl ShopUnderTest for AxumShop {
    const NAME: &'static str = "axum-shop";

    async fn start(
        sandbox: RunningSandbox,
        options: ShopOptions,
    ) -> (String, Box<dyn Send + Sync>) {
        let (listener, url, background, shop) = prepare(sandbox, options).await;
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
        let state = axum_shop::AppState::from(shop);
        state.sessions.migrate().await.expect("the sessions' table");
        let service = axum_shop::app(state).into_make_service_with_connect_info::<SocketAddr>();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, service).await;
        });
        let running = Running {
            server,
            _background: background,
        };
        (url, Box::new(running))
    }
}

/// actix-shop, served by `HttpServer` with two workers.
#[derive(Debug)]
pub struct ActixShop;

impl ShopUnderTest for ActixShop {
    const NAME: &'static str = "actix-shop";

    async fn start(
        sandbox: RunningSandbox,
        options: ShopOptions,
    ) -> (String, Box<dyn Send + Sync>) {
        let (listener, url, background, shop) = prepare(sandbox, options).await;
        let sessions = actix_shop::ShopSessions::open(shop.session_db.clone())
            .await
            .expect("the session store");
        let state = actix_shop::AppState::from(shop);
        let server =
            actix_web::HttpServer::new(move || actix_shop::app(state.clone(), sessions.clone()))
                .workers(2)
                .disable_signals()
                .listen(listener)
                .expect("actix listens")
                .run();
        let handle = server.handle();
        tokio::spawn(server);
        let running = Running {
            server: handle,
            _background: background,
        };
        (url, Box::new(running))
    }
}
