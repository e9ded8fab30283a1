//! # actix-shop
//!
//! axum-shop's twin on actix-web: the same shop (sign-in by choosing a user, products with
//! server-side prices, saved cards, checkout with a saved or a new card through 3-D Secure,
//! order history, admin capture, void and refund), the same HTTP surface and pages, with card
//! payments by gmo-actix. Its routes, pages and assets come from `shop-common`; this crate is
//! the actix glue. The HTTP surface is in axum-shop's README.
//!
//! [`app`] builds the app for `HttpServer::new` (tests serve it on `127.0.0.1:0`); the binary
//! starts an embedded sandbox, or talks to GMO with `GMO_*` variables.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod glue;
mod handlers;
mod session;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::web::{self, Data, PayloadConfig};
use actix_web::{App, Error, guard};
use gmo_actix::{CardDataGuardMiddleware, CardTestingMiddleware, customer_scope, gateway_scope};
use gmo_core::web::MAX_BODY_BYTES;
use shop_common::shop::Shop;

pub use session::SignedIn;

/// The shop's app: give it to `HttpServer::new` (`move || app(shop.clone())`; the clones share
/// the shop's state, its throttle included).
pub fn app(
    shop: Shop,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    let throttle = CardTestingMiddleware::with_throttle(shop.throttle.clone())
        .trusted_proxies(shop.trusted_proxies.clone());
    let gateway = gateway_scope(&shop.payments);
    let customer = customer_scope::<SignedIn>(shop.payments.gateway_prefix());
    App::new()
        .app_data(Data::new(shop.payments.clone()))
        .app_data(Data::new(shop.notification_route()))
        .app_data(Data::new(shop))
        .app_data(PayloadConfig::new(MAX_BODY_BYTES))
        // Outside the CSRF check: signing in (there is no session yet), the assets, and the
        // routes the issuer's page and GMO call.
        .service(
            web::resource("/signin")
                .route(get_or_head().to(handlers::sign_in_page))
                .post(handlers::sign_in),
        )
        .service(web::resource("/assets/{name}").route(get_or_head().to(handlers::asset)))
        .service(gateway)
        // The signed-in part: pages, order creation, admin, and the customer payment routes,
        // all behind the session's CSRF check. Registered last: its empty prefix matches every
        // path.
        .service(
            web::scope("")
                .service(web::resource("/").route(get_or_head().to(handlers::home)))
                .service(web::resource("/session").route(get_or_head().to(handlers::session_info)))
                .service(web::resource("/signout").post(handlers::sign_out))
                .service(
                    web::resource("/orders")
                        .route(get_or_head().to(handlers::orders))
                        .post(handlers::create_order),
                )
                .service(
                    web::resource("/orders/{order_id}").route(get_or_head().to(handlers::order)),
                )
                .service(
                    web::resource("/checkout/{order_id}")
                        .route(get_or_head().to(handlers::checkout_page)),
                )
                .service(web::resource("/cards").route(get_or_head().to(handlers::cards_page)))
                .service(web::resource("/account/close").post(handlers::close_account))
                .service(
                    web::resource("/admin/orders").route(get_or_head().to(handlers::admin_orders)),
                )
                .service(
                    web::resource("/admin/emails").route(get_or_head().to(handlers::admin_emails)),
                )
                .service(
                    web::resource("/admin/metrics")
                        .route(get_or_head().to(handlers::admin_metrics)),
                )
                .service(
                    web::resource("/admin/charges")
                        .route(get_or_head().to(handlers::admin_charge_page))
                        .post(handlers::admin_charge),
                )
                .service(
                    web::resource("/admin/orders/{order_id}/{action}").post(handlers::admin_action),
                )
                .service(customer)
                .wrap(from_fn(session::require_csrf_token)),
        )
        // actix runs the last `.wrap` first: the headers, then the guard, then the throttle.
        .wrap(throttle)
        .wrap(CardDataGuardMiddleware::default())
        .wrap(from_fn(security_headers))
}

/// A GET route that answers HEAD too (actix drops the body), as HTTP asks and as axum does.
fn get_or_head() -> actix_web::Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// The shop's headers on every answer (`shop_common::reply::security_headers`).
async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let shop = req.app_data::<Data<Shop>>().cloned();
    // Handlers' and extractors' errors are already responses here (actix turns them into
    // responses where they happen); the shop's middleware answers its refusals itself.
    let mut response = next.call(req).await?.map_into_boxed_body();
    let csp = shop
        .as_ref()
        .map_or("default-src 'self'", |s| &s.content_security_policy);
    let headers = response.headers_mut();
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    for (name, value) in shop_common::reply::security_headers(content_type, csp) {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    Ok(response)
}
