//! The HTTP face of the sandbox (axum): the protocol APIs, the token endpoint and the ACS pages.

mod acs;
mod multipart;
mod token_js;
mod tokens;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};

pub use acs::ReturnForm;

use crate::sandbox::{ApiCall, CallMethod, RESPONSE_CONTENT_TYPE, Sandbox};

/// The routes of a sandbox.
pub(crate) fn router(sandbox: Sandbox) -> Router {
    Router::new()
        .route("/payment/{api}", any(payment))
        .route("/sandbox/tokens", post(tokens::issue))
        .route("/ext/js/token.js", get(token_js::serve))
        .route("/acs/start", get(acs::start))
        .route(
            "/acs/challenge",
            get(acs::challenge_page).post(acs::challenge_submit),
        )
        .route(
            "/acs/challenge/{trans_id}/{t}",
            get(acs::challenge_page_by_path),
        )
        .fallback(fallback)
        .with_state(sandbox)
}

const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// A GMO answer: HTTP 200, Windows-31J text.
fn gmo_answer(body: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, RESPONSE_CONTENT_TYPE)],
        body,
    )
        .into_response()
}

async fn payment(
    State(sandbox): State<Sandbox>,
    method: Method,
    Path(segment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let method = match method {
        Method::POST => CallMethod::Post,
        Method::GET => CallMethod::Get,
        _ => CallMethod::Other,
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let url_encoded = content_type.and_then(|ct| multipart::as_url_encoded(ct, &body));
    let (content_type, body) = match &url_encoded {
        Some(form) => (Some(FORM_CONTENT_TYPE), form.as_bytes()),
        None => (content_type, &body[..]),
    };
    let body = sandbox
        .call(ApiCall {
            method,
            segment: &segment,
            content_type,
            body,
        })
        .await;
    gmo_answer(body)
}

/// Unknown paths: under `/payment/` GMO's "no such API", elsewhere a plain 404.
async fn fallback(method: Method, uri: Uri) -> Response {
    if uri.path().starts_with("/payment/") {
        let info = if method == Method::GET {
            "E31500014"
        } else {
            "E91099997"
        };
        let body = crate::api::Answer::error(info).to_body();
        return gmo_answer(body);
    }
    (StatusCode::NOT_FOUND, "not found").into_response()
}
