//! The shop's own routes, one module per area. Pages answer HTML; with `Accept:
//! application/json` (or a JSON body) the same routes answer JSON, so the shop can be driven
//! over plain HTTP. Errors are `{"error": {"code", "message"}}`, as the payment routes answer
//! theirs.

pub(crate) mod account;
pub(crate) mod admin;
pub(crate) mod assets;
pub(crate) mod orders;
pub(crate) mod pages;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use gmo_core::PaymentError;
use gmo_core::web::{ErrorResponse, MessagePolicy};
use shop_common::orders::OrderBookError;

use crate::session::SignedIn;

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// An error as JSON, never cached, with `Retry-After` when throttled.
pub(crate) fn error(answer: &ErrorResponse) -> Response {
    let mut response = (
        status(answer.status()),
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_TYPE, "application/json"),
        ],
        answer.to_json(),
    )
        .into_response();
    if let Some(secs) = answer.retry_after() {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// A page with `status` (the security headers, no-store among them, are added around the app).
pub(crate) fn page(code: u16, html: String) -> Response {
    (status(code), Html(html)).into_response()
}

/// A JSON answer.
pub(crate) fn json(code: u16, value: impl serde::Serialize) -> Response {
    (status(code), Json(value)).into_response()
}

/// A payment refusal as JSON.
pub(crate) fn payment_error(e: &PaymentError) -> Response {
    error(&ErrorResponse::from_payment_error(
        e,
        MessagePolicy::default(),
    ))
}

/// A payment refusal as an error page titled `title`.
pub(crate) fn payment_error_page(user: &SignedIn, title: &str, e: &PaymentError) -> Response {
    let answer = ErrorResponse::from_payment_error(e, MessagePolicy::default());
    page(
        answer.status(),
        shop_common::pages::error_page(&user.viewer(), title, answer.message()),
    )
}

/// `503 unavailable`: the order book's database failed (the cause is logged, not shown).
pub(crate) fn order_book_unavailable(e: &OrderBookError) -> Response {
    tracing::error!(error = %e, "order book");
    error(&ErrorResponse::new(
        503,
        "unavailable",
        "the shop cannot reach its orders; try again shortly",
    ))
}

/// `404`: no such order (or not the user's), as JSON or as a page.
pub(crate) fn not_found(user: &SignedIn, wants_json: bool) -> Response {
    if wants_json {
        return payment_error(&PaymentError::NotFound);
    }
    page(
        404,
        shop_common::pages::error_page(&user.viewer(), "Not found", "There is no such order."),
    )
}
