//! The routers and their handlers: each extracts, makes one call of
//! [`gmo_core::web::handlers`], and maps the answer.

use axum::Router;
use axum::extract::rejection::PathRejection;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRef, FromRequest, FromRequestParts, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use gmo_core::Payments;
use gmo_core::customer::Customer;
use gmo_core::web::{BodyError, MAX_BODY_BYTES, NotificationRoute, handlers, routes};

use crate::body::read_limited;
use crate::extract::{CardThrottle, GmoNotification, PayingCustomer, ThreeDsReturn};
use crate::layer::{CardDataGuardLayer, CardTestingLayer};
use crate::response::{self, Refusal};

/// The customer routes: `GET`/`POST /cards`, `PUT`/`DELETE /cards/{card_seq}`,
/// `PUT`/`POST /cards/{card_seq}/default`, `POST /checkout/{order_id}`. Nest them under a prefix
/// of the merchant's choice (usually the payments' [gateway prefix](Payments::gateway_prefix),
/// beside the gateway routes), **inside** its session, authentication and CSRF layers.
///
/// `C` is the merchant's extractor of the signed-in customer; `S` its state, which must give
/// the [`Payments`] handle (`FromRef`): a missing piece does not compile.
pub fn customer_routes<S, C>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Payments: FromRef<S>,
    C: FromRequestParts<S> + Customer + Send + Sync + 'static,
{
    Router::new()
        .route(routes::CARDS, get(list_cards::<C>).post(register_card::<C>))
        .route(
            routes::CARD,
            axum::routing::delete(delete_card::<C>).put(replace_card::<C>),
        )
        .route(
            routes::DEFAULT_CARD,
            axum::routing::put(set_default_card::<C>).post(set_default_card::<C>),
        )
        .route(routes::CHECKOUT, post(checkout::<C>))
}

/// The gateway routes: `POST`/`GET /3ds/{order_id}` (the browser's return from 3-D Secure) and
/// `POST /notify` (GMO's result notification), with the [`Payments`] handle baked in, already
/// under the payments' [gateway prefix](Payments::gateway_prefix), where the return URL GMO is
/// given points. **Merge** them into the app (not nest), **outside** session and CSRF layers:
/// the return is a cross-site navigation and the notification comes from GMO's servers.
///
/// Notifications are accepted from any source; [`gateway_routes_with`] limits them to GMO's
/// networks.
pub fn gateway_routes<S>(payments: Payments) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    gateway_routes_with(payments, NotificationRoute::default())
}

/// [`gateway_routes`] with the notification route's settings: the source networks allowed to
/// post notifications (GMO's published addresses), the proxies trusted to name the source, and
/// the lookup cool-down. Serve the app with `into_make_service_with_connect_info::<SocketAddr>()`
/// when sources are listed: without the peer's address every notification is refused.
pub fn gateway_routes_with<S>(payments: Payments, notify: NotificationRoute) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let prefix = payments.gateway_prefix().to_owned();
    Router::new()
        .route(
            &format!("{prefix}{}", routes::THREE_DS_RETURN),
            get(three_ds_return).post(three_ds_return),
        )
        .route(&format!("{prefix}{}", routes::NOTIFY), post(notify_handler))
        .with_state(Gateway {
            payments,
            notify: Arc::new(notify),
        })
}

/// The gateway routes' state.
#[derive(Clone)]
struct Gateway {
    payments: Payments,
    notify: Arc<NotificationRoute>,
}

impl FromRef<Gateway> for Payments {
    fn from_ref(gateway: &Gateway) -> Payments {
        gateway.payments.clone()
    }
}

/// Both route sets under the payments' [gateway prefix](Payments::gateway_prefix), with the
/// card-data guard and a card-testing throttle of default limits, for an app without session
/// or CSRF layers in the way. Merge it into the app.
///
/// The throttle is this router's own; to share one throttle with other routes, build the
/// routers and layers separately.
pub fn routes<S, C>(payments: Payments) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Payments: FromRef<S>,
    C: FromRequestParts<S> + Customer + Send + Sync + 'static,
{
    let prefix = payments.gateway_prefix().to_owned();
    let customer = customer_routes::<S, C>();
    let customer = if prefix.is_empty() {
        customer
    } else {
        Router::new().nest(&prefix, customer)
    };
    customer
        .merge(gateway_routes(payments))
        .layer(CardTestingLayer::default())
        .layer(CardDataGuardLayer::default())
}

/// A payment route's body, at most [`MAX_BODY_BYTES`], with its content type.
struct PaymentBody {
    content_type: Option<String>,
    bytes: bytes::Bytes,
}

impl<S: Send + Sync> FromRequest<S> for PaymentBody {
    type Rejection = Refusal;

    async fn from_request(request: Request, _: &S) -> Result<Self, Refusal> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = read_limited(request.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(BodyError::from)?;
        Ok(Self {
            content_type,
            bytes,
        })
    }
}

async fn list_cards<C: Customer>(
    State(payments): State<Payments>,
    customer: PayingCustomer<C>,
) -> Result<Response, Refusal> {
    let cards = handlers::list_cards(&payments, &customer.id).await?;
    Ok(response::json(StatusCode::OK, cards))
}

async fn register_card<C: Customer>(
    State(payments): State<Payments>,
    customer: PayingCustomer<C>,
    CardThrottle(attempts): CardThrottle,
    body: PaymentBody,
) -> Result<Response, Refusal> {
    let registration = handlers::register_card(
        &payments,
        &customer.id,
        body.content_type.as_deref(),
        &body.bytes,
        attempts.as_ref(),
    )
    .await?;
    Ok(response::json(StatusCode::OK, registration))
}

async fn replace_card<C: Customer>(
    State(payments): State<Payments>,
    customer: PayingCustomer<C>,
    CardThrottle(attempts): CardThrottle,
    card_seq: Result<Path<String>, PathRejection>,
    body: PaymentBody,
) -> Result<Response, Refusal> {
    let registration = handlers::replace_card(
        &payments,
        &customer.id,
        &path_param(card_seq),
        body.content_type.as_deref(),
        &body.bytes,
        attempts.as_ref(),
    )
    .await?;
    Ok(response::json(StatusCode::OK, registration))
}

async fn set_default_card<C: Customer>(
    State(payments): State<Payments>,
    customer: PayingCustomer<C>,
    card_seq: Result<Path<String>, PathRejection>,
    body: PaymentBody,
) -> Result<Response, Refusal> {
    let card = handlers::set_default_card(
        &payments,
        &customer.id,
        &path_param(card_seq),
        body.content_type.as_deref(),
        &body.bytes,
    )
    .await?;
    Ok(response::json(StatusCode::OK, card))
}

async fn delete_card<C: Customer>(
    State(payments): State<Payments>,
    customer: PayingCustomer<C>,
    card_seq: Result<Path<String>, PathRejection>,
) -> Result<Response, Refusal> {
    handlers::delete_card(&payments, &customer.id, &path_param(card_seq)).await?;
    Ok(response::no_store(StatusCode::NO_CONTENT.into_response()))
}

async fn checkout<C: Customer>(
    State(payments): State<Payments>,
    customer: PayingCustomer<C>,
    CardThrottle(attempts): CardThrottle,
    order_id: Result<Path<String>, PathRejection>,
    body: PaymentBody,
) -> Result<Response, Refusal> {
    let confirmation = handlers::checkout(
        &payments,
        &customer.id,
        &path_param(order_id),
        body.content_type.as_deref(),
        &body.bytes,
        attempts.as_ref(),
    )
    .await?;
    Ok(response::json(StatusCode::OK, confirmation))
}

/// A path parameter; one that is not UTF-8 once percent-decoded is empty, so that the handler
/// answers it like any id that names nothing: `404 not_found` (as gmo-actix does), not axum's
/// plain-text 400.
fn path_param(path: Result<Path<String>, PathRejection>) -> String {
    path.map(|Path(value)| value).unwrap_or_default()
}

async fn three_ds_return(
    State(payments): State<Payments>,
    ThreeDsReturn(ret): ThreeDsReturn,
) -> Result<Response, Refusal> {
    let completion = handlers::three_ds_return(&payments, ret).await?;
    Ok(response::completion(&completion))
}

async fn notify_handler(
    State(gateway): State<Gateway>,
    request: Request,
) -> Result<Response, Refusal> {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    let forwarded: Vec<String> = request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    let GmoNotification(notification) = GmoNotification::from_request(request, &()).await?;
    let ack = handlers::notification(
        &gateway.payments,
        &gateway.notify,
        peer,
        forwarded.iter().map(String::as_str),
        &notification,
    )
    .await?;
    Ok(response::notification_ack(ack))
}
