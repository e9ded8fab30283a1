//! Responses: errors as `{"error": {"code", "message"}}` with the core's statuses, and the
//! success answers of the routes.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use gmo_core::flow::{Completion, NotificationAck};
use gmo_core::http::{ErrorResponse, MessagePolicy, RouteError};

/// An error of a payment route, answered as JSON (see [`gmo_core::http::error`] for the codes).
/// `?` turns the core's errors into it, so merchant handlers can use it too:
///
/// ```
/// use axum::extract::{Path, State};
/// use axum::Json;
/// use gmo_axum::{ApiError, PayingCustomer};
/// use gmo_core::flow::OrderSummary;
/// use gmo_core::types::OrderId;
/// use gmo_core::{PaymentError, Payments};
///
/// async fn my_order(
///     State(payments): State<Payments>,
///     customer: PayingCustomer<gmo_core::customer::CustomerId>,
///     Path(id): Path<String>,
/// ) -> Result<Json<OrderSummary>, ApiError> {
///     let id = OrderId::new(id).map_err(|_| PaymentError::NotFound)?;
///     Ok(Json(payments.order(&customer.id, &id).await?))
/// }
/// ```
#[derive(Debug)]
pub struct ApiError {
    error: RouteError,
    policy: MessagePolicy,
}

impl ApiError {
    /// The error, told under the default [`MessagePolicy`].
    pub fn new(error: impl Into<RouteError>) -> Self {
        Self {
            error: error.into(),
            policy: MessagePolicy::default(),
        }
    }

    /// Tells the error under `policy`.
    #[must_use]
    pub fn with_policy(mut self, policy: MessagePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The error.
    pub fn error(&self) -> &RouteError {
        &self.error
    }

    /// What the browser is told.
    pub fn answer(&self) -> ErrorResponse {
        ErrorResponse::from_error(&self.error, self.policy)
    }
}

impl<E: Into<RouteError>> From<E> for ApiError {
    fn from(error: E) -> Self {
        Self::new(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error_response(&self.answer())
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
