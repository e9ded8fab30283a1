//! The card-data guard as a tower layer.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::BoxError;
use bytes::{Buf, Bytes, BytesMut};
use gmo_core::guard::{BodyScanner, CardDataGuard, GuardConfig};
use gmo_core::web::{BodyError, ErrorResponse, MessagePolicy, RouteError};
use http::{Request, Response, header};
use http_body::{Body, Frame};
use http_body_util::BodyExt;
use tower::{Layer, Service};

/// Refuses, with `400 card_data_refused`, any request whose path, query string, headers,
/// cookies or body carries a card number (see [`gmo_core::guard`] for what counts), before the
/// inner service sees it. The refusal is logged with the location and field, never the value.
///
/// Bodies up to [`GuardConfig::max_body_bytes`] (64 KiB by default) are read into memory,
/// scanned whole and handed on unchanged. A larger body (a file upload) is handed on as it
/// arrives, never buffered whole, and scanned on the way: a card number in it cuts the body off
/// with an error, so the app's read of it fails. A compressed body (`Content-Encoding`) is
/// handed on unscanned, or refused with `415 body_not_scannable` when
/// [`GuardConfig::refuse_unscannable`] is set. Put it around every route that takes customer
/// input — the whole app, ideally:
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
}

impl Default for CardDataGuardLayer {
    fn default() -> Self {
        Self::new(CardDataGuard::new(GuardConfig::default()))
    }
}

impl CardDataGuardLayer {
    /// A layer with `guard` (and its body limit, [`GuardConfig::max_body_bytes`]).
    pub fn new(guard: CardDataGuard) -> Self {
        Self { guard }
    }

    /// The largest body buffered and scanned whole before the app sees it; larger ones are
    /// scanned as they stream through.
    #[must_use]
    pub fn max_body_bytes(self, limit: usize) -> Self {
        let mut config = self.guard.config().clone();
        config.max_body_bytes = limit;
        Self::new(CardDataGuard::new(config))
    }
}

impl<S> Layer<S> for CardDataGuardLayer {
    type Service = CardDataGuardService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CardDataGuardService {
            inner,
            guard: self.guard.clone(),
        }
    }
}

/// The service of [`CardDataGuardLayer`]. The inner service gets the request with an
/// [`axum::body::Body`].
#[derive(Debug, Clone)]
pub struct CardDataGuardService<S> {
    inner: S,
    guard: CardDataGuard,
}

impl<S, B, ResBody> Service<Request<B>> for CardDataGuardService<S>
where
    S: Service<Request<axum::body::Body>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
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
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let headers = parts
                .headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_bytes()));
            if let Err(found) =
                gmo_core::web::scan_head(&guard, parts.uri.path(), parts.uri.query(), headers)
            {
                return Ok(refusal(found.into()));
            }
            let header = |name| parts.headers.get(name).and_then(|v| v.to_str().ok());
            let content_type = header(header::CONTENT_TYPE);
            if !gmo_core::web::is_scannable_encoding(header(header::CONTENT_ENCODING)) {
                if guard.config().refuse_unscannable {
                    crate::body::drain(body).await;
                    return Ok(refusal(BodyError::NotScannable.into()));
                }
                let body = axum::body::Body::new(body.map_err(Into::into));
                return inner.call(Request::from_parts(parts, body)).await;
            }
            let limit = guard.config().max_body_bytes;
            let (prefix, rest) = match read_prefix(Box::pin(body), limit).await {
                Ok(read) => read,
                Err(e) => return Ok(refusal(e.into())),
            };
            let body = match rest {
                None => {
                    if let Err(found) =
                        gmo_core::web::scan_request(&guard, "", None, content_type, &prefix)
                    {
                        return Ok(refusal(found.into()));
                    }
                    axum::body::Body::from(prefix)
                }
                Some(rest) => {
                    // Too large to buffer: scanned as it streams through.
                    let mut scanner = guard.body_scanner(content_type);
                    if let Err(found) = scanner.feed(&prefix) {
                        gmo_core::web::guard::log_refusal(&found);
                        return Ok(refusal(found.into()));
                    }
                    axum::body::Body::new(ScanningBody {
                        prefix: Some(prefix),
                        rest,
                        scanner: Some(scanner),
                    })
                }
            };
            inner.call(Request::from_parts(parts, body)).await
        })
    }
}

/// Reads `body` until its end or until more than `limit` bytes came: the bytes read, and the
/// rest of the body when it did not end.
async fn read_prefix<B>(body: B, limit: usize) -> Result<(Bytes, Option<B>), BodyError>
where
    B: Body + Unpin,
{
    let mut body = body;
    let mut bytes = BytesMut::new();
    if body.is_end_stream() {
        return Ok((bytes.freeze(), None));
    }
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| BodyError::Unreadable)?;
        let Ok(mut data) = frame.into_data() else {
            continue; // trailers
        };
        while data.has_remaining() {
            let chunk = data.chunk();
            let n = chunk.len();
            bytes.extend_from_slice(chunk);
            data.advance(n);
        }
        if bytes.len() > limit {
            return Ok((bytes.freeze(), Some(body)));
        }
    }
    Ok((bytes.freeze(), None))
}

/// A body handed on as it arrives, every chunk scanned on the way; the first card number ends it
/// with an error.
struct ScanningBody<B> {
    prefix: Option<Bytes>,
    rest: B,
    scanner: Option<BodyScanner>,
}

impl<B> Body for ScanningBody<B>
where
    B: Body + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        if let Some(prefix) = this.prefix.take() {
            return Poll::Ready(Some(Ok(Frame::data(prefix))));
        }
        let Some(scanner) = this.scanner.as_mut() else {
            return Poll::Ready(None);
        };
        let refused = |found: gmo_core::guard::CardDataFound| {
            gmo_core::web::guard::log_refusal(&found);
            Poll::Ready(Some(Err(BoxError::from(found))))
        };
        match Pin::new(&mut this.rest).poll_frame(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                Ok(mut data) => {
                    let data = data.copy_to_bytes(data.remaining());
                    if let Err(found) = scanner.feed(&data) {
                        this.scanner = None;
                        return refused(found);
                    }
                    Poll::Ready(Some(Ok(Frame::data(data))))
                }
                Err(frame) => match frame.into_trailers() {
                    Ok(trailers) => Poll::Ready(Some(Ok(Frame::trailers(trailers)))),
                    Err(_) => Poll::Ready(Some(Ok(Frame::data(Bytes::new())))),
                },
            },
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => match this.scanner.take().map(BodyScanner::finish) {
                Some(Err(found)) => refused(found),
                _ => Poll::Ready(None),
            },
        }
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
