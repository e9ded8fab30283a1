//! # actix-shop
//!
//! axum-shop's twin as an ordinary actix-web 4 app: the same shop (sign-in by choosing a user,
//! products with server-side prices, saved cards, checkout with a saved or a new card through
//! 3-D Secure, order history, admin capture, void and refund), the same HTTP surface and pages,
//! with card payments by gmo-actix. Its handlers (`handlers`), extractors ([`SignedIn`]) and
//! CSRF middleware are its own; sessions are actix-session's, kept in the shop's database by
//! [`session_store::ShopSessionStore`]. From `shop-common` come data: the catalogue, the pages,
//! the assets, the settings and the order book.
//!
//! [`app`] builds the app for `HttpServer::new` (tests serve it on `127.0.0.1:0`); the binary
//! starts an embedded sandbox, or talks to GMO with `GMO_*` variables.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod csrf;
mod extract;
mod handlers;
mod respond;
pub mod session_store;
mod signed_in;
mod state;

use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, CookieContentSecurity, TtlExtensionPolicy};
use actix_web::body::MessageBody;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::web::{self, Data, PayloadConfig};
use actix_web::{App, Error, guard};
use gmo_actix::{CardDataGuardMiddleware, CardTestingMiddleware, customer_scope, gateway_scope};
use gmo_core::web::MAX_BODY_BYTES;
use shop_common::session_db::SessionDb;

pub use session_store::ShopSessionStore;
pub use signed_in::SignedIn;
pub use state::AppState;

use handlers::{account, admin, cards, catalogue, orders};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "shop_session";

/// The sessions' store and the key the session cookie is encrypted with, both from the shop's
/// database ([`ShopSessions::open`]). Cheap to clone.
#[derive(Clone)]
pub struct ShopSessions {
    /// The store.
    pub store: ShopSessionStore,
    /// The cookie's key.
    pub cookie_key: Key,
}

impl std::fmt::Debug for ShopSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShopSessions")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl ShopSessions {
    /// The sessions on `db`: their table created if missing, the cookie key read (or made, by
    /// the first instance).
    pub async fn open(db: SessionDb) -> Result<Self, sqlx::Error> {
        let (store, cookie_key) = ShopSessionStore::open(db).await?;
        Ok(Self { store, cookie_key })
    }
}

/// The shop's app: give it to `HttpServer::new` (`move || app(state.clone(), sessions.clone())`;
/// the clones share the shop's state, its throttle included).
pub fn app(
    state: AppState,
    sessions: ShopSessions,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    let throttle = CardTestingMiddleware::with_throttle(state.throttle.clone())
        .trusted_proxies(state.trusted_proxies.clone());
    let session = session_middleware(&state, sessions);
    let gateway = gateway_scope(&state.payments);
    let customer = customer_scope::<SignedIn>(state.payments.gateway_prefix());
    App::new()
        .app_data(Data::new(state.payments.clone()))
        .app_data(Data::new(state.notification_route.clone()))
        .app_data(Data::new(state))
        .app_data(PayloadConfig::new(MAX_BODY_BYTES))
        // Outside the CSRF check: signing in (there is no session yet; its origin is checked
        // instead), the assets, and the routes the issuer's page and GMO call.
        .service(
            web::resource("/signin")
                .route(get_or_head().to(account::sign_in_page))
                .post(account::sign_in),
        )
        .service(web::resource("/assets/{name}").route(get_or_head().to(catalogue::asset)))
        .service(gateway)
        // The signed-in part: pages, order creation, admin, and the customer payment routes,
        // all behind the session's CSRF check. Registered last: its empty prefix matches every
        // path.
        .service(
            web::scope("")
                .service(web::resource("/").route(get_or_head().to(catalogue::home)))
                .service(web::resource("/session").route(get_or_head().to(account::session_info)))
                .service(web::resource("/signout").post(account::sign_out))
                .service(
                    web::resource("/orders")
                        .route(get_or_head().to(orders::orders))
                        .post(orders::create_order),
                )
                .service(web::resource("/orders/{order_id}").route(get_or_head().to(orders::order)))
                .service(
                    web::resource("/checkout/{order_id}")
                        .route(get_or_head().to(orders::checkout_page)),
                )
                .service(web::resource("/cards").route(get_or_head().to(cards::cards_page)))
                .service(web::resource("/account/close").post(cards::close_account))
                .service(web::resource("/admin/orders").route(get_or_head().to(admin::orders)))
                .service(web::resource("/admin/emails").route(get_or_head().to(admin::emails)))
                .service(web::resource("/admin/metrics").route(get_or_head().to(admin::metrics)))
                .service(
                    web::resource("/admin/charges")
                        .route(get_or_head().to(admin::charge_page))
                        .post(admin::charge),
                )
                .service(web::resource("/admin/orders/{order_id}/{action}").post(admin::action))
                .service(customer)
                .wrap(from_fn(csrf::require_csrf_token)),
        )
        // actix runs the last `.wrap` first: the headers, then the card-data guard, then the
        // throttle, then the session (loaded only for what the guards let through).
        .wrap(session)
        .wrap(throttle)
        .wrap(CardDataGuardMiddleware::default())
        .wrap(from_fn(security_headers))
}

/// actix-session's middleware: the cookie `shop_session` (`Path=/`, `HttpOnly`,
/// `SameSite=Lax` so that the browser's top-level return from 3-D Secure carries it, `Secure`
/// when the shop is served over HTTPS), the session's row kept for the idle time after each
/// write. The cookie lasts as long as the browser's session, as axum-shop's does; the idle and
/// maximum ages are checked on the server ([`SignedIn`]).
fn session_middleware(
    state: &AppState,
    sessions: ShopSessions,
) -> SessionMiddleware<ShopSessionStore> {
    let idle_secs = i64::try_from(state.session_lifetime.idle.as_secs()).unwrap_or(i64::MAX);
    let lifecycle = BrowserSession::default()
        .state_ttl(actix_web::cookie::time::Duration::seconds(idle_secs))
        .state_ttl_extension_policy(TtlExtensionPolicy::OnStateChanges);
    SessionMiddleware::builder(sessions.store, sessions.cookie_key)
        .cookie_name(SESSION_COOKIE.to_owned())
        .cookie_path("/".to_owned())
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_secure(state.sign_in_policy.secure_cookies())
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(lifecycle)
        .build()
}

/// A GET route that answers HEAD too (actix drops the body), as HTTP asks and as axum does.
fn get_or_head() -> actix_web::Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// The shop's headers on every answer (`shop_common::csp::security_headers`: the page policy,
/// `nosniff`, …).
async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let state = req.app_data::<Data<AppState>>().cloned();
    // Handlers' and extractors' errors are already responses here (actix turns them into
    // responses where they happen); the shop's middleware answers its refusals itself.
    let mut response = next.call(req).await?.map_into_boxed_body();
    let csp = state
        .as_ref()
        .map_or("default-src 'self'", |s| &s.content_security_policy);
    let headers = response.headers_mut();
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    for (name, value) in shop_common::csp::security_headers(content_type, csp) {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    Ok(response)
}
