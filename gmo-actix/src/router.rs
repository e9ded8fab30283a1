//! Mounting: [`PaymentRoutes`] for everything at once, [`customer_scope`] and [`gateway_scope`]
//! for merchants who place the two route sets under their own middleware. The handlers each
//! extract, make one call of [`gmo_core::web::handlers`], and map the answer.

use actix_web::dev::Payload;
use actix_web::guard::{Guard, GuardContext};
use actix_web::web::{self, Data, ServiceConfig};
use actix_web::{FromRequest, HttpRequest, HttpResponse, Scope};
use futures_util::future::LocalBoxFuture;
use gmo_core::Payments;
use gmo_core::customer::Customer;
use gmo_core::web::routes;
use gmo_core::web::{ErrorResponse, MAX_BODY_BYTES, NotificationRoute, handlers};
use std::future::{Ready, ready};

use crate::body::{content_type, read_limited};
use crate::extract::{CardThrottle, GmoNotification, PayingCustomer, ThreeDsReturn};
use crate::middleware::{CardDataGuardMiddleware, CardTestingMiddleware};
use crate::response::{self, Refusal};

/// Every payment route under one prefix, with the card-data guard and the card-testing
/// throttle, and the [`Payments`] handle registered as `web::Data<Payments>` (so the merchant's
/// own handlers can extract it too). For an app without session or CSRF middleware in the way;
/// otherwise mount [`customer_scope`] and [`gateway_scope`] yourself.
///
/// **Build it once, outside `HttpServer::new`**, and clone it into the closure: the closure
/// runs once per worker, and the clones share one throttle.
///
/// ```no_run
/// # use std::sync::Arc;
/// # use actix_web::{App, HttpServer};
/// # use gmo_core::{store::MemoryStore, Environment, GmoClient, Payments, ShopPass, values::ShopId};
/// # async fn serve() -> Result<(), Box<dyn std::error::Error>> {
/// # let client = GmoClient::builder(Environment::Custom("http://127.0.0.1:9".into()))
/// #     .shop(ShopId::new("tshop00000001")?, ShopPass::new("pass")).build()?;
/// # struct CurrentUser;
/// # impl actix_web::FromRequest for CurrentUser {
/// #     type Error = actix_web::Error;
/// #     type Future = std::future::Ready<Result<Self, actix_web::Error>>;
/// #     fn from_request(_: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
/// #         std::future::ready(Ok(CurrentUser))
/// #     }
/// # }
/// # impl gmo_actix::Customer for CurrentUser {
/// #     fn customer_id(&self) -> Result<gmo_core::customer::CustomerId, gmo_core::values::InvalidValue> {
/// #         Ok(1_u64.into())
/// #     }
/// # }
/// use gmo_actix::PaymentRoutes;
///
/// let payments = Payments::builder(client, Arc::new(MemoryStore::new()))
///     .public_url("https://shop.example")
///     .build()?;
/// let payment_routes = PaymentRoutes::new(payments); // under /payments
/// HttpServer::new(move || {
///     // `CurrentUser` is the merchant's current-user extractor.
///     App::new().configure(payment_routes.configure::<CurrentUser>())
/// })
/// .bind(("127.0.0.1", 8080))?
/// .run()
/// .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PaymentRoutes {
    payments: Payments,
    notify: NotificationRoute,
    guard: CardDataGuardMiddleware,
    throttle: CardTestingMiddleware,
}

impl PaymentRoutes {
    /// The routes under the payments' [gateway prefix](Payments::gateway_prefix) (`/payments`
    /// unless set), where the return URL GMO is given points, with the default guard and the
    /// payments' card-testing throttle ([`CardTestingMiddleware::for_payments`]).
    pub fn new(payments: Payments) -> Self {
        Self {
            throttle: CardTestingMiddleware::for_payments(&payments),
            payments,
            notify: NotificationRoute::default(),
            guard: CardDataGuardMiddleware::default(),
        }
    }

    /// Uses this card-data guard.
    #[must_use]
    pub fn card_data_guard(mut self, guard: CardDataGuardMiddleware) -> Self {
        self.guard = guard;
        self
    }

    /// Uses this card-testing throttle (one shared with the merchant's other routes, say).
    #[must_use]
    pub fn card_testing(mut self, throttle: CardTestingMiddleware) -> Self {
        self.throttle = throttle;
        self
    }

    /// The notification route's settings (allowed source networks, trusted proxies, cool-down).
    /// Default: every source accepted.
    pub fn notification_route(mut self, route: NotificationRoute) -> Self {
        self.notify = route;
        self
    }

    /// The throttle in use.
    pub fn throttle(&self) -> &CardTestingMiddleware {
        &self.throttle
    }

    /// The function to give `App::configure` (or `Scope::configure`). `C` is the merchant's
    /// extractor of the signed-in customer.
    pub fn configure<C>(&self) -> impl FnOnce(&mut ServiceConfig) + 'static
    where
        C: FromRequest + Customer + 'static,
    {
        let this = self.clone();
        move |config| {
            let prefix = this.payments.gateway_prefix().to_owned();
            config.app_data(Data::new(this.payments));
            config.app_data(Data::new(this.notify));
            config.service(
                web::scope(&prefix)
                    .configure(customer_routes::<C>)
                    .configure(gateway_routes)
                    .wrap(this.throttle)
                    .wrap(this.guard),
            );
        }
    }
}

/// The customer routes under `prefix`: `GET`/`POST /cards`, `PUT`/`DELETE /cards/{card_seq}`,
/// `PUT`/`POST /cards/{card_seq}/default`, `POST /checkout/{order_id}`. `.wrap` the scope in the merchant's session, authentication and
/// CSRF middleware. `C` is the merchant's extractor of the signed-in customer.
///
/// The handlers find [`Payments`] as `web::Data<Payments>`: register it with
/// `.app_data(web::Data::new(payments.clone()))` (without it they answer
/// `500 payments_not_configured` and log why).
///
/// It may share its prefix with [`gateway_scope`]: each scope serves only its own paths, so
/// they can be registered in either order.
pub fn customer_scope<C>(prefix: &str) -> Scope
where
    C: FromRequest + Customer + 'static,
{
    web::scope(trimmed(prefix))
        .guard(RouteSet::new(prefix, false))
        .configure(customer_routes::<C>)
}

/// The gateway routes under the payments' [gateway prefix](Payments::gateway_prefix), where the
/// return URL GMO is given points: `POST`/`GET /3ds/{order_id}` (the browser's return from
/// 3-D Secure) and `POST /notify` (GMO's result notification). Mount it **outside** session and
/// CSRF middleware: the return is a cross-site navigation and the notification comes from
/// GMO's servers. It carries the [`Payments`] handle; it finds the notification route's
/// settings as `web::Data<NotificationRoute>` in the app (without one, notifications are
/// accepted from every source).
pub fn gateway_scope(payments: &Payments) -> Scope {
    let prefix = payments.gateway_prefix();
    web::scope(prefix)
        .guard(RouteSet::new(prefix, true))
        .app_data(Data::new(payments.clone()))
        .configure(gateway_routes)
}

fn trimmed(prefix: &str) -> &str {
    prefix.trim_end_matches('/')
}

fn customer_routes<C>(config: &mut ServiceConfig)
where
    C: FromRequest + Customer + 'static,
{
    config
        .service(
            web::resource(routes::CARDS)
                .route(get_or_head().to(list_cards::<C>))
                .post(register_card::<C>),
        )
        .service(
            web::resource(routes::CARD)
                .delete(delete_card::<C>)
                .put(replace_card::<C>),
        )
        .service(
            web::resource(routes::DEFAULT_CARD)
                .put(set_default_card::<C>)
                .post(set_default_card::<C>),
        )
        .service(web::resource(routes::CHECKOUT).post(checkout::<C>));
}

fn gateway_routes(config: &mut ServiceConfig) {
    config
        .service(
            web::resource(routes::THREE_DS_RETURN)
                .route(get_or_head().to(three_ds_return))
                .post(three_ds_return),
        )
        .service(web::resource(routes::NOTIFY).post(notify));
}

/// A GET route that answers HEAD too (actix drops the body), as HTTP asks and as gmo-axum does.
fn get_or_head() -> actix_web::Route {
    web::route().guard(actix_web::guard::Any(actix_web::guard::Get()).or(actix_web::guard::Head()))
}

/// Lets a customer and a gateway scope share a prefix: actix gives a request to the first scope
/// whose prefix matches, and would answer 404 there for the other scope's routes. The guard
/// sends each request to the scope that serves it: the gateway's paths end in
/// `{prefix}/3ds/{order_id}` or `{prefix}/notify`, every other path is the customer scope's.
/// (The guard sees the path as sent; a gateway path spelt with needless percent-escapes goes to
/// the customer scope and is not found there.)
struct RouteSet {
    prefix: String,
    gateway: bool,
}

impl RouteSet {
    fn new(prefix: &str, gateway: bool) -> Self {
        Self {
            prefix: trimmed(prefix).to_owned(),
            gateway,
        }
    }
}

impl Guard for RouteSet {
    fn check(&self, ctx: &GuardContext<'_>) -> bool {
        is_gateway_path(ctx.head().uri.path(), &self.prefix) == self.gateway
    }
}

fn is_gateway_path(path: &str, prefix: &str) -> bool {
    let ends_with_prefix = |rest: &str| rest.ends_with(prefix);
    let notify = path
        .strip_suffix(routes::NOTIFY)
        .is_some_and(ends_with_prefix);
    let three_ds = path
        .rsplit_once('/')
        .filter(|(_, order_id)| !order_id.is_empty())
        .and_then(|(parent, _)| parent.strip_suffix("/3ds"))
        .is_some_and(ends_with_prefix);
    notify || three_ds
}

/// The [`Payments`] handle registered as `web::Data<Payments>`; without it, a JSON 500 and an
/// error log that says what is missing.
struct Handle(Payments);

impl FromRequest for Handle {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match req.app_data::<Data<Payments>>() {
            Some(payments) => Ok(Self(payments.get_ref().clone())),
            None => {
                tracing::error!(
                    path = req.path(),
                    "no web::Data<Payments> in the app: mount the routes with PaymentRoutes::configure \
                     or register .app_data(web::Data::new(payments))"
                );
                let answer = ErrorResponse::new(
                    500,
                    "payments_not_configured",
                    "the payment routes are not configured",
                );
                Err(actix_web::error::InternalError::from_response(
                    "payments not configured",
                    response::error_response(&answer),
                )
                .into())
            }
        })
    }
}

/// A payment route's body, at most [`MAX_BODY_BYTES`], with its content type.
struct PaymentBody {
    content_type: Option<String>,
    bytes: web::Bytes,
}

impl FromRequest for PaymentBody {
    type Error = Refusal;
    type Future = LocalBoxFuture<'static, Result<Self, Refusal>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type = content_type(req.headers()).map(str::to_owned);
        let payload = payload.take();
        Box::pin(async move {
            let bytes = read_limited(payload, MAX_BODY_BYTES).await?;
            Ok(Self {
                content_type,
                bytes,
            })
        })
    }
}

async fn list_cards<C: Customer>(
    Handle(payments): Handle,
    customer: PayingCustomer<C>,
) -> Result<HttpResponse, Refusal> {
    let cards = handlers::list_cards(&payments, &customer.id).await?;
    Ok(response::json(cards))
}

async fn register_card<C: Customer>(
    Handle(payments): Handle,
    customer: PayingCustomer<C>,
    CardThrottle(attempts): CardThrottle,
    body: PaymentBody,
) -> Result<HttpResponse, Refusal> {
    let registration = handlers::register_card(
        &payments,
        &customer.id,
        body.content_type.as_deref(),
        &body.bytes,
        attempts.as_ref(),
    )
    .await?;
    Ok(response::json(registration))
}

async fn replace_card<C: Customer>(
    Handle(payments): Handle,
    customer: PayingCustomer<C>,
    CardThrottle(attempts): CardThrottle,
    card_seq: web::Path<String>,
    body: PaymentBody,
) -> Result<HttpResponse, Refusal> {
    let registration = handlers::replace_card(
        &payments,
        &customer.id,
        &card_seq,
        body.content_type.as_deref(),
        &body.bytes,
        attempts.as_ref(),
    )
    .await?;
    Ok(response::json(registration))
}

async fn set_default_card<C: Customer>(
    Handle(payments): Handle,
    customer: PayingCustomer<C>,
    card_seq: web::Path<String>,
    body: PaymentBody,
) -> Result<HttpResponse, Refusal> {
    let card = handlers::set_default_card(
        &payments,
        &customer.id,
        &card_seq,
        body.content_type.as_deref(),
        &body.bytes,
    )
    .await?;
    Ok(response::json(card))
}

async fn delete_card<C: Customer>(
    Handle(payments): Handle,
    customer: PayingCustomer<C>,
    card_seq: web::Path<String>,
) -> Result<HttpResponse, Refusal> {
    handlers::delete_card(&payments, &customer.id, &card_seq).await?;
    Ok(response::no_content())
}

async fn checkout<C: Customer>(
    Handle(payments): Handle,
    customer: PayingCustomer<C>,
    CardThrottle(attempts): CardThrottle,
    order_id: web::Path<String>,
    body: PaymentBody,
) -> Result<HttpResponse, Refusal> {
    let confirmation = handlers::checkout(
        &payments,
        &customer.id,
        &order_id,
        body.content_type.as_deref(),
        &body.bytes,
        attempts.as_ref(),
    )
    .await?;
    Ok(response::json(confirmation))
}

async fn three_ds_return(
    Handle(payments): Handle,
    ThreeDsReturn(ret): ThreeDsReturn,
) -> Result<HttpResponse, Refusal> {
    let completion = handlers::three_ds_return(&payments, ret).await?;
    Ok(response::completion(&completion))
}

/// The notification route's settings: `web::Data<NotificationRoute>` when the app has one
/// ([`PaymentRoutes::notification_route`], or `.app_data(web::Data::new(route))`), else the
/// default (every source accepted).
async fn notify(
    Handle(payments): Handle,
    route: Option<Data<NotificationRoute>>,
    request: HttpRequest,
    notification: GmoNotification,
) -> Result<HttpResponse, Refusal> {
    let route = route.map_or_else(NotificationRoute::default, |r| r.as_ref().clone());
    let forwarded = request
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok());
    let peer = request.peer_addr().map(|addr| addr.ip());
    let ack = handlers::notification(&payments, &route, peer, forwarded, &notification.0).await?;
    Ok(response::notification_ack(ack))
}

#[cfg(test)]
mod tests {
    use super::is_gateway_path;

    #[test]
    fn gateway_paths_are_told_from_customer_paths() {
        for (path, prefix) in [
            ("/payments/3ds/o1", "/payments"),
            ("/payments/notify", "/payments"),
            ("/shop/payments/3ds/o1", "/payments"),
            ("/3ds/o1", ""),
            ("/x/3ds/3ds/o1", "/x/3ds"),
        ] {
            assert!(is_gateway_path(path, prefix), "{path} under {prefix}");
        }
        for (path, prefix) in [
            ("/payments/cards", "/payments"),
            ("/payments/cards/3", "/payments"),
            ("/payments/checkout/o1", "/payments"),
            ("/payments/3ds/", "/payments"),
            ("/payments/checkout/3ds", "/payments"),
            // A prefix that ends like a gateway path does not make its customer routes gateway.
            ("/x/3ds/cards", "/x/3ds"),
            ("/notify/cards", "/notify"),
            ("/pay/notify", "/payments"),
        ] {
            assert!(!is_gateway_path(path, prefix), "{path} under {prefix}");
        }
    }
}
