//! Reading a body with a size limit, for the routes and the layers.

use bytes::Bytes;
use gmo_core::http::BodyError;
use http_body_util::{BodyExt, LengthLimitError, Limited};

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

/// Reads at most `limit` bytes of `body`.
pub(crate) async fn read_limited<B>(body: B, limit: usize) -> Result<Bytes, ReadError>
where
    B: http_body::Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<LengthLimitError>() => Err(ReadError::TooLarge(limit)),
        Err(_) => Err(ReadError::Broken),
    }
}
