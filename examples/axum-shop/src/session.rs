//! The session cookie, the signed-in extractor (the shop's "current user", which is also the
//! paying customer of gmo-axum's routes), and the CSRF check.

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use gmo_core::customer::{Customer, CustomerId};
use gmo_core::http::{ErrorResponse, MAX_BODY_BYTES};
use gmo_core::types::InvalidValue;
use shop_common::sessions::{self, CSRF_FIELD, CSRF_HEADER, Session};

use crate::ShopState;

/// The session a request's cookie names, if any.
pub(crate) fn session_of(headers: &HeaderMap, state: &ShopState) -> Option<(String, Session)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|cookies| sessions::cookie_value(cookies, sessions::COOKIE))
        .and_then(|id| state.sessions.get(id).map(|s| (id.to_owned(), s)))
}

/// Whether the client wants JSON rather than a page.
pub(crate) fn wants_json(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    (accept.contains("application/json") && !accept.contains("text/html"))
        || content_type.starts_with("application/json")
}

/// A JSON error answer.
pub(crate) fn json_error(status: u16, code: &'static str, message: &'static str) -> Response {
    let answer = ErrorResponse::new(status, code, message);
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        [(header::CONTENT_TYPE, "application/json")],
        answer.to_json(),
    )
        .into_response()
}

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
        match session_of(&parts.headers, state) {
            Some((_, session)) => Ok(Self { session }),
            None if wants_json(&parts.headers) || parts.uri.path().starts_with("/payments/") => {
                Err(json_error(401, "not_signed_in", "sign in first"))
            }
            None => Err(Redirect::to("/signin").into_response()),
        }
    }
}

/// The signed-in user, if any (for pages anyone may see).
#[derive(Debug, Clone)]
pub(crate) struct MaybeSignedIn(pub(crate) Option<Session>);

impl FromRequestParts<ShopState> for MaybeSignedIn {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ShopState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(session_of(&parts.headers, state).map(|(_, s)| s)))
    }
}

/// State-changing requests of a signed-in session must carry its CSRF token: the
/// `X-CSRF-Token` header (scripts) or the `_csrf` form field (pages). Without a session there is
/// nothing to forge; the route's own extractor refuses it.
pub(crate) async fn require_csrf_token(
    State(state): State<ShopState>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let Some((_, session)) = session_of(request.headers(), &state) else {
        return next.run(request).await;
    };
    if let Some(token) = request
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        return if session.csrf_matches(token) {
            next.run(request).await
        } else {
            csrf_refused()
        };
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return csrf_refused();
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return json_error(413, "body_too_large", "the request body is too large");
    };
    let presented = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.into_owned());
    match presented {
        Some(token) if session.csrf_matches(&token) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => csrf_refused(),
    }
}

fn csrf_refused() -> Response {
    json_error(
        403,
        "csrf_failed",
        "the request lacks this session's CSRF token; reload the page",
    )
}
