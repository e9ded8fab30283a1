//! The signed-in extractor (the shop's "current user", which is also the paying customer of
//! gmo-axum's routes) and the CSRF check, over `shop_common::sessions`.

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gmo_core::customer::{Customer, CustomerId};
use gmo_core::http::MAX_BODY_BYTES;
use gmo_core::types::InvalidValue;
use shop_common::reply::Reply;
use shop_common::request::body_too_large;
use shop_common::routes::sign_in_first;
use shop_common::sessions::{CsrfCheck, Session, csrf_refused, form_carries_token};

use crate::ShopState;
use crate::glue::{Answer, head_of};

/// The signed-in user. Without a session: pages redirect to `/signin`, JSON clients get 401.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The session.
    pub session: Session,
}

impl Customer for SignedIn {
    fn customer_id(&self) -> Result<CustomerId, InvalidValue> {
        CustomerId::new(self.session.user.id)
    }
}

impl FromRequestParts<ShopState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &ShopState) -> Result<Self, Response> {
        let head = head_of(parts);
        match state.shop.session(&head) {
            Some(session) => Ok(Self { session }),
            None => Err(Answer(sign_in_first(&head)).into_response()),
        }
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
