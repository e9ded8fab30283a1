//! The HTTP face of the sandbox (axum): the protocol APIs, the token endpoint and the ACS pages.

mod acs;
mod control;
mod multipart;
mod payment;
mod token_js;
mod tokens;

use axum::Router;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};

pub use acs::ReturnForm;
pub(crate) use payment::ConnectionCloser;

use crate::sandbox::Sandbox;
use payment::{gmo_answer, payment};

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
        .merge(control::routes())
        .fallback(fallback)
        .with_state(sandbox)
}

/// Unknown paths: under `/payment/` GMO's "no such API", elsewhere a plain 404.
async fn fallback(State(sandbox): State<Sandbox>, method: Method, uri: Uri) -> Response {
    if uri.path().starts_with("/payment/") {
        let info = if method == Method::GET {
            "E31500014"
        } else {
            "E91099997"
        };
        let body = crate::api::Answer::error(info).to_body();
        return gmo_answer(&sandbox, body);
    }
    (StatusCode::NOT_FOUND, "not found").into_response()
}
