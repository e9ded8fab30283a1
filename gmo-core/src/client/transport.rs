//! One HTTP exchange with GMO, and the classification of its failures.

// API names travel as `&Cow<'static, str>` so that errors can own them without allocating
// (they are `'static` for every typed API).
#![allow(clippy::ptr_arg)]

use std::borrow::Cow;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_TYPE};

use crate::error::{TransportError, TransportFailure};

/// POSTs a form body and answers the body of a 2xx answer.
pub(super) async fn post(
    http: &reqwest::Client,
    url: &str,
    api: &Cow<'static, str>,
    body: Bytes,
    timeout: Duration,
) -> Result<Bytes, TransportError> {
    let response = http
        .post(url)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(ACCEPT, "*/*")
        .timeout(timeout)
        .body(body)
        .send()
        .await
        .map_err(|e| sending_failed(api, e))?;
    let status = response.status();
    if !status.is_success() {
        return Err(TransportError::new(
            api.clone(),
            TransportFailure::HttpStatus(status.as_u16()),
            None,
        ));
    }
    response.bytes().await.map_err(|e| {
        let failure = if e.is_timeout() {
            TransportFailure::TimedOut
        } else {
            TransportFailure::BodyUnreadable
        };
        TransportError::new(api.clone(), failure, Some(Box::new(e.without_url())))
    })
}

/// Sorts a failure of `send()`: only a failure to connect (DNS, refused, TCP or TLS set-up) or
/// to build the request proves that nothing left; anything later may have reached GMO.
fn sending_failed(api: &Cow<'static, str>, error: reqwest::Error) -> TransportError {
    let failure = if error.is_builder() || error.is_connect() {
        TransportFailure::NotSent
    } else if error.is_timeout() {
        TransportFailure::TimedOut
    } else {
        TransportFailure::ConnectionLost
    };
    // The URL holds no secret, but a caller's base URL might; keep it out of messages.
    TransportError::new(api.clone(), failure, Some(Box::new(error.without_url())))
}
