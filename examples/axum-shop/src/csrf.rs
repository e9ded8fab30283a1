//! The CSRF check of the signed-in part of the shop (the synchronizer token of
//! `shop_common::csrf`): a state-changing request of a signed-in session must carry the
//! session's token, in the `X-CSRF-Token` header (scripts, which read it from `GET /session`)
//! or, for a urlencoded form, its `_csrf` field (the pages put it in every form). Without a
//! session there is nothing to forge: the route itself asks to sign in.

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use gmo_core::web::MAX_BODY_BYTES;
use shop_common::csrf;
use shop_common::forms;
use tower_sessions::Session;

use crate::AppState;
use crate::extract::read_body;
use crate::handlers::error;
use crate::session::{signed_in, unavailable};

/// Lets a request through, or answers `403 csrf_failed`.
pub(crate) async fn require_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if !csrf::is_state_changing(request.method().as_str()) {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let user = match Session::from_request_parts(&mut parts, &state).await {
        Ok(session) => match signed_in(&session, &state.session_lifetime).await {
            Ok(user) => user,
            Err(e) => return unavailable(&e),
        },
        Err(_) => None,
    };
    let Some(user) = user else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let headers = &parts.headers;
    if let Some(presented) = headers.get(csrf::HEADER) {
        let presented = presented.to_str().unwrap_or_default();
        return if csrf::matches(&user.csrf_token, presented) {
            next.run(Request::from_parts(parts, body)).await
        } else {
            error(&csrf::refused())
        };
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if !forms::is_form(content_type) {
        return error(&csrf::refused());
    }
    // A form carries the token in its body: read it (within the routes' limit) and hand it on.
    let Some(bytes) = read_body(body).await else {
        return error(&forms::body_too_large(MAX_BODY_BYTES));
    };
    match csrf::form_token(&bytes) {
        Some(token) if csrf::matches(&user.csrf_token, &token) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => error(&csrf::refused()),
    }
}
