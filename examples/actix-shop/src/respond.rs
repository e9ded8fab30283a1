//! The shop's answers, alike on every route: pages, JSON, JSON errors (as the payment routes
//! answer theirs: never cached, `Retry-After` when throttled), redirects.

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use actix_web::{HttpResponse, HttpResponseBuilder};
use gmo_core::PaymentError;
use gmo_core::web::{ErrorResponse, MessagePolicy};
use shop_common::orders::OrderBookError;
use shop_common::pages;

use crate::signed_in::SignedIn;

const HTML: &str = "text/html; charset=utf-8";
const JSON: &str = "application/json";

fn status(code: u16) -> HttpResponseBuilder {
    HttpResponse::build(StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
}

/// An HTML page.
pub(crate) fn page(code: u16, html: String) -> HttpResponse {
    status(code).insert_header((CONTENT_TYPE, HTML)).body(html)
}

/// A JSON answer.
pub(crate) fn json(code: u16, value: &impl serde::Serialize) -> HttpResponse {
    match serde_json::to_string(value) {
        Ok(body) => status(code).insert_header((CONTENT_TYPE, JSON)).body(body),
        // The shop's values are plain data: this does not happen.
        Err(_) => error(&ErrorResponse::new(
            500,
            "internal",
            "the answer could not be written",
        )),
    }
}

/// A JSON error, `{"error": {"code", "message"}}`.
pub(crate) fn error(answer: &ErrorResponse) -> HttpResponse {
    let mut response = status(answer.status());
    response.insert_header((CACHE_CONTROL, "no-store"));
    response.insert_header((CONTENT_TYPE, JSON));
    if let Some(secs) = answer.retry_after() {
        response.insert_header((RETRY_AFTER, secs.to_string()));
    }
    response.body(answer.to_json())
}

/// `303 See Other` to `location`.
pub(crate) fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, location))
        .finish()
}

/// The answer, never cached: for every answer that carries a session or a CSRF token.
pub(crate) fn no_store(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    response
}

/// A refused payment call, as JSON.
pub(crate) fn payment_error(error: &PaymentError) -> HttpResponse {
    self::error(&ErrorResponse::from_payment_error(
        error,
        MessagePolicy::default(),
    ))
}

/// A refused payment call, as JSON or as an error page titled `title`.
pub(crate) fn refused(
    user: &SignedIn,
    wants_json: bool,
    title: &str,
    error: &PaymentError,
) -> HttpResponse {
    if wants_json {
        return payment_error(error);
    }
    let answer = ErrorResponse::from_payment_error(error, MessagePolicy::default());
    page(
        answer.status(),
        pages::error_page(&user.viewer(), title, answer.message()),
    )
}

/// `503 unavailable`: the order book's database failed (the cause is logged, not shown).
pub(crate) fn order_book_unavailable(error: &OrderBookError) -> HttpResponse {
    tracing::error!(%error, "order book");
    self::error(&ErrorResponse::new(
        503,
        "unavailable",
        "the shop cannot reach its orders; try again shortly",
    ))
}

/// No such order (or not theirs): `404 not_found` as JSON, or the error page.
pub(crate) fn not_found(user: &SignedIn, wants_json: bool) -> HttpResponse {
    if wants_json {
        return payment_error(&PaymentError::NotFound);
    }
    page(
        404,
        pages::error_page(&user.viewer(), "Not found", "There is no such order."),
    )
}
