//! Reading a body with a size limit, for the routes and the layers.

use bytes::{Buf, Bytes, BytesMut};
use gmo_core::web::BodyError;
use http_body_util::BodyExt;

/// How much of an oversized body is still read (and dropped) before the refusal is answered: a
/// client that is still sending when the server closes the connection may never see the answer.
/// Past this, the connection is simply closed.
const DRAIN_LIMIT: usize = 2 * 1024 * 1024;

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// Over the limit.
    TooLarge(usize),
    /// The client went away or sent garbage framing.
    Broken,
}

impl From<ReadError> for BodyError {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::TooLarge(limit) => BodyError::TooLarge { limit },
            ReadError::Broken => BodyError::Unreadable,
        }
    }
}

/// Reads at most `limit` bytes of `body`. A longer body is refused, after reading and dropping
/// up to [`DRAIN_LIMIT`] bytes of it.
pub(crate) async fn read_limited<B>(body: B, limit: usize) -> Result<Bytes, ReadError>
where
    B: http_body::Body,
{
    let mut body = std::pin::pin!(body);
    let mut bytes = BytesMut::new();
    let mut seen = 0_usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Err(ReadError::Broken);
        };
        let Ok(mut data) = frame.into_data() else {
            continue; // trailers
        };
        seen = seen.saturating_add(data.remaining());
        if seen > DRAIN_LIMIT {
            break;
        }
        if seen <= limit {
            while data.has_remaining() {
                let chunk = data.chunk();
                let n = chunk.len();
                bytes.extend_from_slice(chunk);
                data.advance(n);
            }
        }
    }
    if seen > limit {
        return Err(ReadError::TooLarge(limit));
    }
    Ok(bytes.freeze())
}

/// Reads and drops what is left of an oversized body, up to [`DRAIN_LIMIT`].
pub(crate) async fn drain<B: http_body::Body>(body: B) {
    let _ = read_limited(body, 0).await;
}
