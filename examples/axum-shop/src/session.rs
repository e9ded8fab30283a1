//! The session as an extractor (the shop's "current user", and the paying customer of
//! gmo-axum's routes) and the CSRF check, over `shop_common::sessions`.

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gmo_core::web::MAX_BODY_BYTES;
use shop_common::reply::Reply;
use shop_common::request::body_too_large;
use shop_common::routes::sign_in_first;
use shop_common::sessions::{CsrfCheck, Session, csrf_refused, form_carries_token};

use crate::ShopState;
use crate::glue::{Answer, head_of};

/// The signed-in session: the shop's "current user", and the paying customer of gmo-axum's
/// routes (`Session` is a `Customer`). Without a session: pages redirect to `/signin`, JSON
/// clients and the payment routes get 401.
impl FromRequestParts<ShopState> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &ShopState) -> Result<Self, Response> {
        let head = head_of(parts);
        state
            .shop
            .session(&head)
            .ok_or_else(|| Answer(sign_in_first(&head)).into_response())
    }
}

/// State-changing requests of a signed-in session must carry its CSRF token
/// (`shop_common::sessions::Sessions::csrf_check`).
pub(crate) async fn require_csrf_token(
    State(state): State<ShopState>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let session = match state.shop.sessions.csrf_check(&head_of(&parts)) {
        CsrfCheck::Pass => return next.run(Request::from_parts(parts, body)).await,
        CsrfCheck::Refuse => return refused(),
        CsrfCheck::ReadForm(session) => session,
    };
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return Answer(Reply::error(&body_too_large(MAX_BODY_BYTES))).into_response();
    };
    if form_carries_token(&session, &bytes) {
        next.run(Request::from_parts(parts, Body::from(bytes)))
            .await
    } else {
        refused()
    }
}

fn refused() -> Response {
    Answer(Reply::error(&csrf_refused())).into_response()
}
