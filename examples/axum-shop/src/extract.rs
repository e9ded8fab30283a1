//! The shop's small extractors: whether the client wants JSON, the fields of a form or JSON
//! body, a path parameter that may not be text, the first value of a query parameter.

use std::convert::Infallible;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, RawQuery, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use gmo_core::web::MAX_BODY_BYTES;
use serde::de::DeserializeOwned;
use shop_common::forms;

use crate::handlers::error;

/// Whether the client wants JSON rather than a page: it accepts JSON and not HTML, or it sent
/// JSON ([`forms::wants_json`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct WantsJson(pub(crate) bool);

impl WantsJson {
    pub(crate) fn of(headers: &HeaderMap) -> Self {
        let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
        Self(forms::wants_json(
            text(header::ACCEPT),
            text(header::CONTENT_TYPE),
        ))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for WantsJson {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Self::of(&parts.headers))
    }
}

/// How much of an oversized body is still read (and dropped) before the 413 is answered: a
/// client still sending when the server closes may never see the answer.
const DRAIN_LIMIT: usize = 2 * 1024 * 1024;

/// A body of at most [`MAX_BODY_BYTES`] (64 KiB, as the payment routes read), else `None`.
pub(crate) async fn read_body(body: axum::body::Body) -> Option<Bytes> {
    use http_body_util::BodyExt as _;
    let mut body = body;
    let mut bytes = Vec::new();
    let mut seen = 0_usize;
    while let Some(Ok(frame)) = body.frame().await {
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        seen = seen.saturating_add(data.len());
        if seen <= MAX_BODY_BYTES {
            bytes.extend_from_slice(&data);
        } else if seen > DRAIN_LIMIT {
            break;
        }
    }
    (seen <= MAX_BODY_BYTES).then(|| Bytes::from(bytes))
}

/// The fields of a form or JSON object body (every route that takes a form takes the same
/// fields as JSON, for scripts). Refused as [`forms::fields`] says, and `413 body_too_large`
/// over 64 KiB.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fields(pub(crate) Vec<(String, String)>);

impl Fields {
    /// The first value of field `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        forms::field(&self.0, name)
    }

    /// Every field as text pairs.
    pub(crate) fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl<S: Send + Sync> FromRequest<S> for Fields {
    type Rejection = Response;

    async fn from_request(request: Request, _: &S) -> Result<Self, Response> {
        let (parts, body) = request.into_parts();
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let Some(body) = read_body(body).await else {
            return Err(error(&forms::body_too_large(MAX_BODY_BYTES)));
        };
        forms::fields(content_type, &body)
            .map(Self)
            .map_err(|refusal| error(&refusal))
    }
}

/// A path parameter; one that is not UTF-8 once percent-decoded names nothing of the shop's:
/// it is empty (`T::default()`), and the route answers "not found".
#[derive(Debug, Clone, Default)]
pub(crate) struct PathText<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned + Default + Send> FromRequestParts<S> for PathText<T> {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        Ok(Self(
            Path::<T>::from_request_parts(parts, state)
                .await
                .map(|Path(value)| value)
                .unwrap_or_default(),
        ))
    }
}

/// The query string, read leniently: the first value of a parameter, repeated or not.
#[derive(Debug, Clone, Default)]
pub(crate) struct QueryText(Option<String>);

impl QueryText {
    /// The first value of parameter `name`.
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.0.as_deref()?.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for QueryText {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        let RawQuery(query) = RawQuery::from_request_parts(parts, state).await?;
        Ok(Self(query))
    }
}
