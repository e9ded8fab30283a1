//! Extractors: the paying customer, the 3-D Secure return, GMO's notification, and the
//! per-request context the layers attach (throttle, message policy). All work in the merchant's
//! own handlers too.

use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use gmo_core::customer::{Customer, CustomerId};
use gmo_core::notification::{NotificationError, ResultNotification};
use gmo_core::web::routes::ORDER_ID_PARAM;
use gmo_core::web::three_ds::read_three_ds_return;
use gmo_core::web::{BodyError, CardAttempts, MAX_BODY_BYTES, RouteError};

use crate::body::read_limited;
use crate::response::Refusal;

/// The signed-in customer who pays: the merchant's own extractor `C` (its current-user type,
/// implementing [`Customer`]) and the id it gives.
///
/// Its rejection passes `C`'s through untouched, so a login redirect or a 401 of the merchant's
/// auth still works on the payment routes.
#[derive(Debug, Clone)]
pub struct PayingCustomer<C> {
    /// What the merchant's extractor gave.
    pub customer: C,
    /// Its customer id.
    pub id: CustomerId,
}

/// Why there is no paying customer.
#[derive(Debug)]
pub enum PayingCustomerRejection<R> {
    /// The merchant's extractor refused (not signed in, …): its own answer.
    Customer(R),
    /// The merchant's [`Customer::customer_id`] failed: a 500.
    InvalidId(Refusal),
}

impl<R: IntoResponse> IntoResponse for PayingCustomerRejection<R> {
    fn into_response(self) -> Response {
        match self {
            Self::Customer(rejection) => rejection.into_response(),
            Self::InvalidId(error) => error.into_response(),
        }
    }
}

impl<S, C> FromRequestParts<S> for PayingCustomer<C>
where
    S: Send + Sync,
    C: FromRequestParts<S> + Customer,
{
    type Rejection = PayingCustomerRejection<C::Rejection>;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let customer = C::from_request_parts(parts, state)
            .await
            .map_err(PayingCustomerRejection::Customer)?;
        let id = customer.customer_id().map_err(|e| {
            let error = RouteError::CustomerId(e);
            gmo_core::web::error::log_refusal("paying_customer", &error);
            PayingCustomerRejection::InvalidId(Refusal::from(error))
        })?;
        Ok(Self { customer, id })
    }
}

/// The browser's return from 3-D Secure: the order from the path parameter `{order_id}`, the
/// `AccessID` from the posted form or the query string. A forged or broken return is refused
/// with a JSON error (`missing_field`, `not_found`, `body_too_large`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreeDsReturn(pub gmo_core::flow::ThreeDsReturn);

impl<S: Send + Sync> FromRequest<S> for ThreeDsReturn {
    type Rejection = Refusal;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let params = RawPathParams::from_request_parts(&mut parts, state)
            .await
            .map_err(|_| gmo_core::PaymentError::NotFound)?;
        let order_id = params
            .iter()
            .find(|(name, _)| *name == ORDER_ID_PARAM)
            .map(|(_, value)| value.to_owned())
            .ok_or(gmo_core::PaymentError::NotFound)?;
        let body = read_limited(body, MAX_BODY_BYTES)
            .await
            .map_err(BodyError::from)?;
        let ret = read_three_ds_return(&order_id, &body, parts.uri.query())?;
        Ok(Self(ret))
    }
}

/// GMO's result notification: the raw body (Windows-31J form), at most 64 KiB. Hand it to
/// [`Payments::handle_notification`](gmo_core::Payments::handle_notification), or
/// [`GmoNotification::parse`] it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GmoNotification(pub Bytes);

impl GmoNotification {
    /// The notification's fields.
    pub fn parse(&self) -> Result<ResultNotification, NotificationError> {
        ResultNotification::parse(&self.0)
    }
}

impl<S: Send + Sync> FromRequest<S> for GmoNotification {
    type Rejection = Refusal;

    async fn from_request(request: Request, _: &S) -> Result<Self, Self::Rejection> {
        let body = read_limited(request.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(BodyError::from)?;
        Ok(Self(body))
    }
}

/// The card-testing throttle for this request, when a
/// [`CardTestingLayer`](crate::CardTestingLayer) put one there. Use it in the merchant's own
/// card-taking handlers like the library's routes do:
///
/// ```
/// use gmo_axum::{Refusal, CardThrottle};
/// use gmo_core::web::AttemptKind;
/// use gmo_core::customer::CustomerId;
///
/// async fn my_card_handler(CardThrottle(throttle): CardThrottle) -> Result<(), Refusal> {
///     let customer = CustomerId::from(7_u64);
///     let attempt = match &throttle {
///         Some(t) => Some(t.begin(&customer, AttemptKind::Payment).await?),
///         None => None,
///     };
///     let result: Result<gmo_core::flow::Confirmation, gmo_core::PaymentError> =
///         Err(gmo_core::PaymentError::GatewayUnavailable); // … a flow call …
///     if let Some(attempt) = attempt {
///         attempt.finish(&result).await;
///     }
///     result.map(|_| ()).map_err(Refusal::from)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct CardThrottle(pub Option<CardAttempts>);

impl<S: Send + Sync> FromRequestParts<S> for CardThrottle {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<CardAttempts>().cloned()))
    }
}
