//! `GET /assets/{name}`: the page assets, embedded in the binary, revalidated on each use.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use shop_common::assets::{CARD_FORM_JS, STYLE_CSS};

use crate::extract::PathText;

/// `GET /assets/{name}`.
pub(crate) async fn asset(PathText(name): PathText<String>) -> Response {
    let (content_type, body) = match name.as_str() {
        "card-form.js" => ("application/javascript; charset=utf-8", CARD_FORM_JS),
        "style.css" => ("text/css; charset=utf-8", STYLE_CSS),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}
