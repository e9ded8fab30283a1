//! # axum-shop
//!
//! A small shop on axum that takes card payments with gmo-axum: sign-in by choosing a user,
//! products with server-side prices, saved cards, checkout with a saved or a new card through
//! 3-D Secure, order history, admin capture, void and refund, and the order confirmations sent
//! from the payment events (an emails page). An ordinary axum app: its handlers
//! (`handlers/`), extractors ([`SignedIn`], the shop's small ones in `extract.rs`), sessions
//! with `tower-sessions` in the shop's database ([`session`]) and a CSRF middleware
//! (`csrf.rs`). The catalogue, pages, assets, settings and order book come from `shop-common`,
//! shared with actix-shop. See the README for the HTTP surface.
//!
//! [`app`] builds the router (tests serve it on `127.0.0.1:0`); the binary starts an embedded
//! sandbox, or talks to GMO with `GMO_*` variables.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod csrf;
mod extract;
mod handlers;
pub mod session;

use std::ops::Deref;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post};
use gmo_axum::{CardDataGuardLayer, CardTestingLayer, customer_routes, gateway_routes_with};
use gmo_core::Payments;
use gmo_core::guard::CardTestingThrottle;
use gmo_core::web::{NotificationRoute, TrustedProxies};
use shop_common::orders::OrderBook;
use shop_common::pages::CardFormConfig;
use shop_common::session_db::SessionLifetime;
use shop_common::shop::Shop;
use shop_common::signin::SignInPolicy;

use crate::handlers::{account, admin, assets, orders, pages};
pub use crate::session::{SessionRows, SignedIn};

/// What the handlers share, behind an `Arc`: every request's middleware and extractors clone
/// the state, so a clone is one count. Handlers take the part they need (`State<Payments>`,
/// `State<OrderBook>`, …: [`FromRef`]) or read it through `Deref`.
#[derive(Debug, Clone)]
pub struct AppState(Arc<ShopState>);

impl Deref for AppState {
    type Target = ShopState;

    fn deref(&self) -> &ShopState {
        &self.0
    }
}

/// The shop's state ([`AppState`] shares it).
#[derive(Debug)]
pub struct ShopState {
    /// The payments handle (gmo-axum's routes take it from here too).
    pub payments: Payments,
    /// What each order bought, the confirmations sent and "ready to ship".
    pub orders: OrderBook,
    /// token.js and the shop id, for the card form.
    pub card_form: CardFormConfig,
    /// The Content-Security-Policy of the pages.
    pub content_security_policy: String,
    /// Who may sign in and from where; whether the session cookie is `Secure`.
    pub sign_in: SignInPolicy,
    /// The sessions' rows in the shop's database.
    pub sessions: SessionRows,
    /// How long sessions live.
    pub session_lifetime: SessionLifetime,
    /// The card-testing throttle (the payments settle the attempts it admits).
    pub throttle: CardTestingThrottle,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: TrustedProxies,
    /// The notification route's settings (its allowed sources, read through the proxies).
    pub notification_route: NotificationRoute,
}

impl From<Shop> for AppState {
    fn from(shop: Shop) -> Self {
        Self(Arc::new(ShopState {
            notification_route: shop.notification_route(),
            sessions: SessionRows::new(&shop.session_db, shop.session_lifetime.idle),
            session_lifetime: shop.session_lifetime,
            payments: shop.payments,
            orders: shop.orders,
            card_form: shop.card_form,
            content_security_policy: shop.content_security_policy,
            sign_in: shop.sign_in_policy,
            throttle: shop.throttle,
            trusted_proxies: shop.trusted_proxies,
        }))
    }
}

impl FromRef<AppState> for Payments {
    fn from_ref(state: &AppState) -> Self {
        state.payments.clone()
    }
}

impl FromRef<AppState> for OrderBook {
    fn from_ref(state: &AppState) -> Self {
        state.orders.clone()
    }
}

impl FromRef<AppState> for CardFormConfig {
    fn from_ref(state: &AppState) -> Self {
        state.card_form.clone()
    }
}

impl FromRef<AppState> for SignInPolicy {
    fn from_ref(state: &AppState) -> Self {
        state.sign_in.clone()
    }
}

/// The shop's router, with its sessions. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()` so that the throttle sees client
/// addresses. The sessions' table must exist ([`SessionRows::migrate`]).
pub fn app(state: AppState) -> Router {
    // The signed-in part: pages, orders, admin, and the customer payment routes, all behind
    // the session's CSRF check.
    let signed_in = Router::new()
        .route("/", get(pages::home))
        .route("/session", get(account::session_info))
        .route("/signout", post(account::sign_out))
        .route("/orders", get(orders::orders).post(orders::create_order))
        .route("/orders/{order_id}", get(orders::order))
        .route("/checkout/{order_id}", get(orders::checkout_page))
        .route("/cards", get(account::cards_page))
        .route("/account/close", post(account::close_account))
        .route("/admin/orders", get(admin::admin_orders))
        .route("/admin/emails", get(admin::admin_emails))
        .route("/admin/metrics", get(admin::admin_metrics))
        .route(
            "/admin/charges",
            get(admin::admin_charge_page).post(admin::admin_charge),
        )
        .route(
            "/admin/orders/{order_id}/{action}",
            post(admin::admin_action),
        )
        .nest(
            state.payments.gateway_prefix(),
            customer_routes::<AppState, SignedIn>(),
        )
        // The shop's own 404, behind the CSRF check like every other path (a router merged in
        // later would otherwise replace axum's default fallback with its own).
        .fallback(|| async { StatusCode::NOT_FOUND })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            csrf::require_token,
        ));
    signed_in
        // Outside the CSRF check: signing in (guarded by its origin check), the assets, and
        // the routes the issuer's page and GMO call.
        .route("/signin", get(pages::sign_in_page).post(account::sign_in))
        .route("/assets/{name}", get(assets::asset))
        .merge(gateway_routes_with(
            state.payments.clone(),
            state.notification_route.clone(),
        ))
        .layer(
            CardTestingLayer::with_throttle(state.throttle.clone())
                .trusted_proxies(state.trusted_proxies.clone()),
        )
        .layer(CardDataGuardLayer::default())
        .layer(session::layer(
            state.sessions.clone(),
            state.sign_in.secure_cookies(),
        ))
        .layer(middleware::map_response_with_state(
            state.clone(),
            session::finish_cookies,
        ))
        .layer(middleware::map_response_with_state(
            state.clone(),
            security_headers,
        ))
        .with_state(state)
}

/// The shop's headers on every answer, over what the route set (the payment routes' and the
/// card-data guard's too): pages get the Content-Security-Policy and `no-store`; every answer
/// `nosniff` and no referrer beyond the shop (`shop_common::csp::security_headers`).
async fn security_headers(State(state): State<AppState>, mut response: Response) -> Response {
    let headers = response.headers_mut();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let extra = shop_common::csp::security_headers(content_type, &state.content_security_policy);
    for (name, value) in extra {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    response
}
