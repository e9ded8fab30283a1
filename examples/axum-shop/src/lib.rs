//! # axum-shop
//!
//! A small shop on axum that takes card payments with gmo-axum: sign-in by choosing a user,
//! products with server-side prices, saved cards, checkout with a saved or a new card through
//! 3-D Secure, order history, admin capture, void and refund, and the order confirmations sent
//! from the payment events (an emails page). Its routes, pages and assets come from
//! `shop-common` (shared with actix-shop); this crate is the axum glue. See the README for the
//! HTTP surface.
//!
//! [`app`] builds the router (tests serve it on `127.0.0.1:0`); the binary starts an embedded
//! sandbox, or talks to GMO with `GMO_*` variables.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod glue;
mod handlers;
mod session;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post};
use gmo_axum::{CardDataGuardLayer, CardTestingLayer, customer_routes, gateway_routes_with};
use gmo_core::Payments;
use shop_common::sessions::Session;
use shop_common::shop::Shop;

/// The router's state: the shared [`Shop`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ShopState {
    /// The shop: payments, sessions, orders, throttle, page settings.
    pub shop: Shop,
}

impl From<Shop> for ShopState {
    fn from(shop: Shop) -> Self {
        Self { shop }
    }
}

impl FromRef<ShopState> for Payments {
    fn from_ref(state: &ShopState) -> Payments {
        state.shop.payments.clone()
    }
}

/// The shop's router. Serve it with `into_make_service_with_connect_info::<SocketAddr>()` so
/// that the throttle sees client addresses.
pub fn app(state: ShopState) -> Router {
    let shop = &state.shop;
    // The signed-in part: pages, order creation, admin, and the customer payment routes, all
    // behind the session's CSRF check.
    let signed_in = Router::new()
        .route("/", get(handlers::home))
        .route("/session", get(handlers::session_info))
        .route("/signout", post(handlers::sign_out))
        .route(
            "/orders",
            get(handlers::orders).post(handlers::create_order),
        )
        .route("/orders/{order_id}", get(handlers::order))
        .route("/checkout/{order_id}", get(handlers::checkout_page))
        .route("/cards", get(handlers::cards_page))
        .route("/account/close", post(handlers::close_account))
        .route("/admin/orders", get(handlers::admin_orders))
        .route("/admin/emails", get(handlers::admin_emails))
        .route("/admin/metrics", get(handlers::admin_metrics))
        .route(
            "/admin/charges",
            get(handlers::admin_charge_page).post(handlers::admin_charge),
        )
        .route(
            "/admin/orders/{order_id}/{action}",
            post(handlers::admin_action),
        )
        .nest(
            shop.payments.gateway_prefix(),
            customer_routes::<ShopState, Session>(),
        )
        // The shop's own 404, behind the CSRF check like every other path (a router merged in
        // later would otherwise replace axum's default fallback with its own).
        .fallback(|| async { axum::http::StatusCode::NOT_FOUND })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::require_csrf_token,
        ));
    signed_in
        // Outside the CSRF check: signing in (there is no session yet), the assets, and the
        // routes the issuer's page and GMO call.
        .route(
            "/signin",
            get(handlers::sign_in_page).post(handlers::sign_in),
        )
        .route("/assets/{name}", get(handlers::asset))
        .merge(gateway_routes_with(
            shop.payments.clone(),
            shop.notification_route(),
        ))
        .layer(
            CardTestingLayer::with_throttle(shop.throttle.clone())
                .trusted_proxies(shop.trusted_proxies.clone()),
        )
        .layer(CardDataGuardLayer::default())
        .layer(middleware::map_response_with_state(
            state.clone(),
            security_headers,
        ))
        .with_state(state)
}

/// The shop's headers on every answer (`shop_common::reply::security_headers`).
async fn security_headers(State(state): State<ShopState>, mut response: Response) -> Response {
    let headers = response.headers_mut();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let extra =
        shop_common::reply::security_headers(content_type, &state.shop.content_security_policy);
    for (name, value) in extra {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    response
}
