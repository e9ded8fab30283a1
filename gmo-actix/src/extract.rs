//! Extractors: the paying customer, the 3-D Secure return, GMO's notification, and the
//! per-request context (throttle, message policy). All work in the merchant's own handlers too.

use std::convert::Infallible;
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use gmo_core::PaymentError;
use gmo_core::customer::{Customer, CustomerId};
use gmo_core::notification::{NotificationError, ResultNotification};
use gmo_core::web::routes::ORDER_ID_PARAM;
use gmo_core::web::three_ds::read_three_ds_return;
use gmo_core::web::{CardAttempts, MAX_BODY_BYTES, RouteError};

use crate::body::read_limited;
use crate::response::Refusal;

/// The signed-in customer who pays: the merchant's own extractor `C` (its current-user type,
/// implementing [`Customer`]) and the id it gives.
///
/// When `C` refuses, its own error is answered untouched, so a login redirect or a 401 of the
/// merchant's auth still works on the payment routes. When `C`'s
/// [`customer_id`](Customer::customer_id) fails (the merchant's bug), the answer is
/// `500 customer_id_invalid`.
#[derive(Debug, Clone)]
pub struct PayingCustomer<C> {
    /// What the merchant's extractor gave.
    pub customer: C,
    /// Its customer id.
    pub id: CustomerId,
}

impl<C> FromRequest for PayingCustomer<C>
where
    C: FromRequest + Customer + 'static,
{
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let customer = C::from_request(req, payload);
        Box::pin(async move {
            let customer = customer.await.map_err(Into::into)?;
            let id = customer.customer_id().map_err(|e| {
                let error = RouteError::CustomerId(e);
                gmo_core::web::error::log_refusal("paying_customer", &error);
                Refusal::from(error)
            })?;
            Ok(Self { customer, id })
        })
    }
}

/// The browser's return from 3-D Secure: the order from the path parameter `{order_id}`, the
/// `AccessID` from the posted form or the query string. A forged or broken return is refused
/// with a JSON error (`missing_field`, `not_found`, `body_too_large`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreeDsReturn(pub gmo_core::flow::ThreeDsReturn);

impl FromRequest for ThreeDsReturn {
    type Error = Refusal;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let order_id = req.match_info().get(ORDER_ID_PARAM).map(str::to_owned);
        let query = req.uri().query().map(str::to_owned);
        let payload = payload.take();
        Box::pin(async move {
            let order_id = order_id.ok_or(PaymentError::NotFound)?;
            let body = read_limited(payload, MAX_BODY_BYTES).await?;
            let ret = read_three_ds_return(&order_id, &body, query.as_deref())?;
            Ok(Self(ret))
        })
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

impl FromRequest for GmoNotification {
    type Error = Refusal;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(_: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let payload = payload.take();
        Box::pin(async move { Ok(Self(read_limited(payload, MAX_BODY_BYTES).await?)) })
    }
}

/// The card-testing throttle for this request, when a
/// [`CardTestingMiddleware`](crate::CardTestingMiddleware) put one there. Use it in the
/// merchant's own card-taking handlers like the library's routes do:
///
/// ```
/// use gmo_actix::{Refusal, CardThrottle};
/// use gmo_core::customer::CustomerId;
/// use gmo_core::web::AttemptKind;
///
/// async fn my_card_handler(CardThrottle(throttle): CardThrottle) -> Result<&'static str, Refusal> {
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
///     result.map(|_| "paid").map_err(Refusal::from)
/// }
/// # let _ = actix_web::web::post().to(my_card_handler);
/// ```
#[derive(Debug, Clone)]
pub struct CardThrottle(pub Option<CardAttempts>);

impl FromRequest for CardThrottle {
    type Error = Infallible;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self(req.extensions().get::<CardAttempts>().cloned())))
    }
}
