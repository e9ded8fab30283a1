//! The card-data guard as a tower layer.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use gmo_core::guard::{CardDataGuard, GuardConfig};
use gmo_core::http::{BodyError, ErrorResponse, MAX_BODY_BYTES, MessagePolicy, RouteError};
use http::{Request, Response, header};
use http_body::Body;
use tower::{Layer, Service};

use crate::body::read_limited;

/// Refuses, with `400 card_data_refused`, any request whose path, query string or body carries a
/// card number (see [`gmo_core::guard`] for what counts), before the inner service sees it. The
/// refusal is logged with the location and field, never the value.
///
/// Bodies are read into memory up to a limit (64 KiB by default, `413 body_too_large` beyond)
/// and handed on unchanged. Put it around every route that takes customer input — the whole app,
/// ideally:
///
/// ```
/// use axum::{Router, routing::post};
/// use gmo_axum::CardDataGuardLayer;
///
/// let app: Router = Router::new()
///     .route("/orders", post(|| async { "ok" }))
///     .layer(CardDataGuardLayer::default());
/// ```
#[derive(Debug, Clone)]
pub struct CardDataGuardLayer {
    guard: CardDataGuard,
    max_body_bytes: usize,
}

impl Default for CardDataGuardLayer {
    fn default() -> Self {
        Self::new(CardDataGuard::new(GuardConfig::default()))
    }
}

impl CardDataGuardLayer {
    /// A layer with `guard` and the default body limit.
    pub fn new(guard: CardDataGuard) -> Self {
        Self {
            guard,
            max_body_bytes: MAX_BODY_BYTES,
        }
    }

    /// The largest body read (and so accepted).
    #[must_use]
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }
}

impl<S> Layer<S> for CardDataGuardLayer {
    type Service = CardDataGuardService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CardDataGuardService {
            inner,
            guard: self.guard.clone(),
            max_body_bytes: self.max_body_bytes,
        }
    }
}

/// The service of [`CardDataGuardLayer`].
#[derive(Debug, Clone)]
pub struct CardDataGuardService<S> {
    inner: S,
    guard: CardDataGuard,
    max_body_bytes: usize,
}

impl<S, B, ResBody> Service<Request<B>> for CardDataGuardService<S>
where
    S: Service<Request<B>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Body + From<Bytes> + Send + 'static,
    B::Data: Send,
    ResBody: From<String>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The clone that was polled ready serves this request.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let guard = self.guard.clone();
        let limit = self.max_body_bytes;
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let declared = parts
                .headers
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            if declared.is_some_and(|n| n > limit as u64) {
                crate::body::drain(body).await;
                return Ok(refusal(BodyError::TooLarge { limit }.into()));
            }
            let bytes = if body.is_end_stream() {
                Bytes::new()
            } else {
                match read_limited(body, limit).await {
                    Ok(bytes) => bytes,
                    Err(e) => return Ok(refusal(BodyError::from(e).into())),
                }
            };
            let content_type = parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok());
            if let Err(found) = gmo_core::http::scan_request(
                &guard,
                parts.uri.path(),
                parts.uri.query(),
                content_type,
                &bytes,
            ) {
                return Ok(refusal(found.into()));
            }
            inner.call(Request::from_parts(parts, B::from(bytes))).await
        })
    }
}

/// A JSON error answer in the inner service's body type.
pub(crate) fn refusal<ResBody: From<String>>(error: RouteError) -> Response<ResBody> {
    let answer = ErrorResponse::from_error(&error, MessagePolicy::default());
    let mut builder = Response::builder()
        .status(answer.status())
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CACHE_CONTROL, "no-store");
    if let Some(secs) = answer.retry_after() {
        builder = builder.header(header::RETRY_AFTER, secs);
    }
    builder
        .body(ResBody::from(answer.to_json()))
        .unwrap_or_else(|_| Response::new(ResBody::from(String::new())))
}
