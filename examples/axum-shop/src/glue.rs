//! From axum's request to the shop's [`RequestHead`], from the shop's [`Reply`] to axum's
//! response.

use std::convert::Infallible;

use axum::body::{Body, Bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Path, Request};
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

/// How much of an oversized body is still read (and dropped) before the 413 is answered: a
/// client still sending when the server closes may never see the answer.
const DRAIN_LIMIT: usize = 2 * 1024 * 1024;

/// The body of one of the shop's own routes: at most 64 KiB, else `413 body_too_large` (JSON).
#[derive(Debug)]
pub(crate) struct ShopBody(pub(crate) Bytes);

impl<S: Send + Sync> FromRequest<S> for ShopBody {
    type Rejection = Answer;

    async fn from_request(req: Request, _: &S) -> Result<Self, Answer> {
        use http_body_util::BodyExt as _;
        let limit = gmo_core::web::MAX_BODY_BYTES;
        let mut body = req.into_body();
        let mut bytes = Vec::new();
        let mut seen = 0_usize;
        while let Some(Ok(frame)) = body.frame().await {
            let Ok(data) = frame.into_data() else {
                continue; // trailers
            };
            seen = seen.saturating_add(data.len());
            if seen <= limit {
                bytes.extend_from_slice(&data);
            } else if seen > DRAIN_LIMIT {
                break;
            }
        }
        if seen > limit {
            return Err(Answer(Reply::body_too_large()));
        }
        Ok(Self(Bytes::from(bytes)))
    }
}
