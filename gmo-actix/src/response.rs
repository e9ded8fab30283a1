//! Responses: errors as `{"error": {"code", "message"}}` with the core's statuses, and the
//! success answers of the routes. The same statuses, headers and bodies as gmo-axum.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use actix_web::{HttpResponse, HttpResponseBuilder, ResponseError};
use gmo_core::flow::{Completion, NotificationAck};
use gmo_core::web::ErrorResponse;

/// A refused request, answered as JSON (see [`gmo_core::web::error`] for the codes): the
/// core's [`gmo_core::web::Refusal`] as an actix [`ResponseError`]. `?` turns the core's
/// errors into it, so merchant handlers can use it too:
///
/// ```
/// use actix_web::web::{Data, Json, Path};
/// use gmo_actix::{PayingCustomer, Refusal};
/// use gmo_core::customer::CustomerId;
/// use gmo_core::flow::OrderSummary;
/// use gmo_core::values::OrderId;
/// use gmo_core::{PaymentError, Payments};
///
/// async fn my_order(
///     payments: Data<Payments>,
///     customer: PayingCustomer<CustomerId>,
///     id: Path<String>,
/// ) -> Result<Json<OrderSummary>, Refusal> {
///     let id = OrderId::new(id.into_inner()).map_err(|_| PaymentError::NotFound)?;
///     Ok(Json(payments.order(&customer.id, &id).await?))
/// }
/// ```
#[derive(Debug)]
pub struct Refusal(pub gmo_core::web::Refusal);

impl<E: Into<gmo_core::web::Refusal>> From<E> for Refusal {
    fn from(error: E) -> Self {
        Self(error.into())
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl ResponseError for Refusal {
    fn status_code(&self) -> StatusCode {
        status(&self.0.answer())
    }

    fn error_response(&self) -> HttpResponse {
        error_response(&self.0.answer())
    }
}

fn status(answer: &ErrorResponse) -> StatusCode {
    StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// An [`ErrorResponse`] as an actix response: JSON, never cached, `Retry-After` when throttled.
pub(crate) fn error_response(answer: &ErrorResponse) -> HttpResponse {
    let mut response = no_store(HttpResponse::build(status(answer)));
    if let Some(secs) = answer.retry_after() {
        response.insert_header((RETRY_AFTER, secs));
    }
    response
        .insert_header((CONTENT_TYPE, "application/json"))
        .body(answer.to_json())
}

/// Payment answers are never cached.
fn no_store(mut builder: HttpResponseBuilder) -> HttpResponseBuilder {
    builder.insert_header((CACHE_CONTROL, "no-store"));
    builder
}

/// A JSON answer (200), never cached.
pub(crate) fn json<T: serde::Serialize>(value: T) -> HttpResponse {
    no_store(HttpResponse::Ok()).json(value)
}

/// An empty answer (204), never cached.
pub(crate) fn no_content() -> HttpResponse {
    no_store(HttpResponse::NoContent()).finish()
}

/// The 3-D Secure return's answer: `303 See Other` to the completion page.
pub(crate) fn completion(completion: &Completion) -> HttpResponse {
    no_store(HttpResponse::SeeOther())
        .insert_header((LOCATION, completion.redirect_to.as_str()))
        .finish()
}

/// The notification's answer: `0`, which tells GMO the notification is safely stored.
pub(crate) fn notification_ack(_: NotificationAck) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/plain; charset=utf-8"))
        .body(NotificationAck::BODY)
}
