//! Reading a body with a size limit, for the routes, the extractors and the guard middleware.

use actix_web::error::PayloadError;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap};
use actix_web::web::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use gmo_core::web::BodyError;

/// Reads at most `limit` bytes of `payload`: more is [`BodyError::TooLarge`], a broken stream
/// (the client went away, bad framing) [`BodyError::Unreadable`].
pub(crate) async fn read_limited<S>(mut payload: S, limit: usize) -> Result<Bytes, BodyError>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| BodyError::Unreadable)?;
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The length the request declares (`Content-Length`).
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

/// Whether the request declares (`Content-Length`) a non-empty body.
pub(crate) fn declared_body(headers: &HeaderMap) -> bool {
    declared_length(headers).is_some_and(|n| n > 0)
}

/// The `Content-Type` header, when it is text.
pub(crate) fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok())
}
