//! # axum-shop
//!
//! A small shop on axum that takes card payments with gmo-axum: sign-in by choosing a user,
//! products with server-side prices, saved cards, checkout with a saved or a new card through
//! 3-D Secure, order history, and admin capture, void and refund. Its pages and assets come
//! from `shop-common`; this crate is the axum glue. See the README for the HTTP surface.
//!
//! [`app`] builds the router (tests serve it on `127.0.0.1:0`); the binary starts an embedded
//! sandbox, or talks to GMO with `GMO_*` variables.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod handlers;
mod session;

use axum::Router;
use axum::extract::FromRef;
use axum::http::{HeaderValue, header};
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post};
use gmo_axum::{CardDataGuardLayer, CardTestingLayer, customer_routes, gateway_routes};
use gmo_core::Payments;
use gmo_core::guard::{CardTestingThrottle, ThrottleConfig};
use gmo_core::http::TrustedProxies;
use gmo_core::http::routes::DEFAULT_PREFIX;
use shop_common::orders::OrderBook;
use shop_common::pages::CardFormConfig;
use shop_common::sessions::Sessions;

pub use session::SignedIn;

/// Everything the shop's handlers share. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ShopState {
    /// The payments handle.
    pub payments: Payments,
    /// Signed-in sessions.
    pub sessions: Sessions,
    /// What each order bought.
    pub orders: OrderBook,
    /// token.js and the shop id, for the card form.
    pub card_form: CardFormConfig,
    /// The Content-Security-Policy of the pages.
    pub content_security_policy: HeaderValue,
    /// The card-testing throttle (shared with tests and an admin screen).
    pub throttle: CardTestingThrottle,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: TrustedProxies,
}

impl ShopState {
    /// A shop over `payments`, with the default throttle and no trusted proxy.
    pub fn new(
        payments: Payments,
        card_form: CardFormConfig,
        content_security_policy: &str,
    ) -> Self {
        Self {
            payments,
            sessions: Sessions::new(),
            orders: OrderBook::new(),
            card_form,
            content_security_policy: HeaderValue::from_str(content_security_policy)
                .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'")),
            throttle: CardTestingThrottle::new(ThrottleConfig::default()),
            trusted_proxies: TrustedProxies::none(),
        }
    }
}

impl FromRef<ShopState> for Payments {
    fn from_ref(state: &ShopState) -> Payments {
        state.payments.clone()
    }
}

/// The shop's router. Serve it with `into_make_service_with_connect_info::<SocketAddr>()` so
/// that the throttle sees client addresses.
pub fn app(state: ShopState) -> Router {
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
        .route("/admin/orders", get(handlers::admin_orders))
        .route(
            "/admin/orders/{order_id}/{action}",
            post(handlers::admin_action),
        )
        .nest(DEFAULT_PREFIX, customer_routes::<ShopState, SignedIn>())
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
        .route("/assets/card-form.js", get(handlers::card_form_js))
        .route("/assets/style.css", get(handlers::style_css))
        .nest(DEFAULT_PREFIX, gateway_routes(state.payments.clone()))
        .layer(
            CardTestingLayer::with_throttle(state.throttle.clone())
                .trusted_proxies(state.trusted_proxies.clone()),
        )
        .layer(CardDataGuardLayer::default())
        .layer(middleware::map_response_with_state(
            state.clone(),
            security_headers,
        ))
        .with_state(state)
}

/// Pages get the Content-Security-Policy; every answer gets `nosniff` and no referrer beyond the
/// shop.
async fn security_headers(
    axum::extract::State(state): axum::extract::State<ShopState>,
    mut response: Response,
) -> Response {
    let headers = response.headers_mut();
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            state.content_security_policy.clone(),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}
