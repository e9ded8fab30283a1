//! From axum's request to the shop's [`RequestHead`], from the shop's [`Reply`] to axum's
//! response.

use std::convert::Infallible;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, OriginalUri, Path};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use shop_common::reply::Reply;
use shop_common::request::RequestHead;

/// The request's head, as the shop's routes read it.
#[derive(Debug, Clone)]
pub(crate) struct Head(pub(crate) RequestHead);

pub(crate) fn head_of(parts: &Parts) -> RequestHead {
    // Inside a nested router (gmo-axum's routes under /payments) `parts.uri` lacks the prefix.
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map_or(&parts.uri, |original| &original.0);
    RequestHead::new(
        parts.method.as_str(),
        uri.path(),
        uri.query(),
        parts
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes())),
    )
}

impl<S: Send + Sync> FromRequestParts<S> for Head {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Self(head_of(parts)))
    }
}

/// A path parameter as text. One that is not UTF-8 once percent-decoded names nothing of the
/// shop's: it is empty, and the route answers "not found" (as actix-shop does).
pub(crate) fn param<T: Default>(path: Result<Path<T>, PathRejection>) -> T {
    path.map(|Path(value)| value).unwrap_or_default()
}

/// A shop reply as an axum response.
#[derive(Debug)]
pub(crate) struct Answer(pub(crate) Reply);

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let Reply {
            status,
            headers,
            body,
        } = self.0;
        let mut response = Response::new(Body::from(body));
        *response.status_mut() =
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        for (name, value) in headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response
                    .headers_mut()
                    .append(HeaderName::from_static(name), value);
            }
        }
        response
    }
}
