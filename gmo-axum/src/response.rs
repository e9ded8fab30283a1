//! Responses: errors as `{"error": {"code", "message"}}` with the core's statuses, and the
//! success answers of the routes.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use gmo_core::flow::{Completion, NotificationAck};
use gmo_core::web::ErrorResponse;

/// A refused request, answered as JSON (see [`gmo_core::web::error`] for the codes): the
/// core's [`gmo_core::web::Refusal`] as an axum response. `?` turns the core's errors into it,
/// so merchant handlers can use it too:
///
/// ```
/// use axum::extract::{Path, State};
/// use axum::Json;
/// use gmo_axum::{PayingCustomer, Refusal};
/// use gmo_core::flow::OrderSummary;
/// use gmo_core::values::OrderId;
/// use gmo_core::{PaymentError, Payments};
///
/// async fn my_order(
///     State(payments): State<Payments>,
///     customer: PayingCustomer<gmo_core::customer::CustomerId>,
///     Path(id): Path<String>,
/// ) -> Result<Json<OrderSummary>, Refusal> {
///     let id = OrderId::new(id).map_err(|_| PaymentError::NotFound)?;
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

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        error_response(&self.0.answer())
    }
}

/// An [`ErrorResponse`] as an axum response.
pub(crate) fn error_response(answer: &ErrorResponse) -> Response {
    let status = StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        answer.to_json(),
    )
        .into_response();
    if let Some(secs) = answer.retry_after() {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    no_store(response)
}

/// Payment answers are never cached.
pub(crate) fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A JSON answer, never cached.
pub(crate) fn json<T: serde::Serialize>(status: StatusCode, value: T) -> Response {
    no_store((status, Json(value)).into_response())
}

/// The 3-D Secure return's answer: `303 See Other` to the completion page.
pub(crate) fn completion(completion: &Completion) -> Response {
    no_store(Redirect::to(&completion.redirect_to).into_response())
}

/// The notification's answer: `0`, which tells GMO the notification is safely stored.
pub(crate) fn notification_ack(_: NotificationAck) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        NotificationAck::BODY,
    )
        .into_response()
}
