//! The card-data guard as actix middleware.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::error::PayloadError;
use actix_web::http::Method;
use actix_web::http::header::CONTENT_ENCODING;
use actix_web::http::header::UPGRADE;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{Error, HttpMessage};
use futures_util::future::LocalBoxFuture;
use futures_util::{Stream, StreamExt};
use gmo_core::guard::{BodyScanner, CardDataGuard, GuardConfig};
use gmo_core::web::{BodyError, ErrorResponse, MessagePolicy, RouteError};

use crate::body::{content_type, declared_body};
use crate::response::error_response;

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
/// input — the whole app, ideally. It is stateless: building it inside `HttpServer::new` is fine.
///
/// ```
/// use actix_web::{App, web};
/// use gmo_actix::CardDataGuardMiddleware;
///
/// let app = App::new()
///     .route("/orders", web::post().to(|| async { "ok" }))
///     .wrap(CardDataGuardMiddleware::default());
/// ```
///
/// The body is scanned as sent: put it outside (`.wrap` it after) any middleware that would
/// decompress request bodies. A WebSocket upgrade's body is the connection itself: its path and
/// query are scanned, its messages are not.
#[derive(Debug, Clone)]
pub struct CardDataGuardMiddleware {
    guard: CardDataGuard,
}

impl Default for CardDataGuardMiddleware {
    fn default() -> Self {
        Self::new(CardDataGuard::new(GuardConfig::default()))
    }
}

impl CardDataGuardMiddleware {
    /// A middleware with `guard` (and its body limit, [`GuardConfig::max_body_bytes`]).
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

impl<S, B> Transform<S, ServiceRequest> for CardDataGuardMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = CardDataGuardService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CardDataGuardService {
            service: Rc::new(service),
            config: self.clone(),
        }))
    }
}

/// The service of [`CardDataGuardMiddleware`].
#[derive(Debug)]
pub struct CardDataGuardService<S> {
    service: Rc<S>,
    config: CardDataGuardMiddleware,
}

impl<S, B> Service<ServiceRequest> for CardDataGuardService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let guard = self.config.guard.clone();
        let limit = guard.config().max_body_bytes;
        Box::pin(async move {
            let headers = req
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_bytes()));
            if let Err(found) =
                gmo_core::web::scan_head(&guard, req.path(), req.uri().query(), headers)
            {
                return Ok(refusal(req, found.into()));
            }
            let encoding = req
                .headers()
                .get(CONTENT_ENCODING)
                .and_then(|v| v.to_str().ok());
            let scannable = gmo_core::web::is_scannable_encoding(encoding);
            if !scannable && guard.config().refuse_unscannable {
                return Ok(refusal(req, BodyError::NotScannable.into()));
            }
            if scannable && !body_is_the_connection(&req) {
                let mut payload = req.take_payload();
                let (prefix, ended) = match read_prefix(&mut payload, limit).await {
                    Ok(read) => read,
                    Err(e) => return Ok(refusal(req, e.into())),
                };
                let content_type = content_type(req.headers());
                if ended {
                    if let Err(found) =
                        gmo_core::web::scan_request(&guard, "", None, content_type, &prefix)
                    {
                        return Ok(refusal(req, found.into()));
                    }
                    req.set_payload(Payload::from(prefix));
                } else {
                    // Too large to buffer: scanned as it streams through.
                    let mut scanner = guard.body_scanner(content_type);
                    if let Err(found) = scanner.feed(&prefix) {
                        gmo_core::web::guard::log_refusal(&found);
                        return Ok(refusal(req, found.into()));
                    }
                    let rest: std::pin::Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> =
                        Box::pin(scanned(prefix, payload, scanner));
                    req.set_payload(Payload::from(rest));
                }
            }
            let response = service.call(req).await?;
            Ok(response.map_into_left_body())
        })
    }
}

/// Reads `payload` until its end or until more than `limit` bytes came: the bytes read, and
/// whether the payload ended.
async fn read_prefix<S>(payload: &mut S, limit: usize) -> Result<(Bytes, bool), BodyError>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        body.extend_from_slice(&chunk.map_err(|_| BodyError::Unreadable)?);
        if body.len() > limit {
            return Ok((body.freeze(), false));
        }
    }
    Ok((body.freeze(), true))
}

/// The payload handed on: `prefix` (already scanned), then the rest, each chunk scanned on the
/// way; the first card number ends it with an error.
fn scanned<S>(
    prefix: Bytes,
    rest: S,
    scanner: BodyScanner,
) -> impl Stream<Item = Result<Bytes, PayloadError>>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    let refused = |found: gmo_core::guard::CardDataFound| {
        gmo_core::web::guard::log_refusal(&found);
        PayloadError::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, found))
    };
    futures_util::stream::once(async move { Ok(prefix) }).chain(futures_util::stream::unfold(
        (rest, Some(scanner)),
        move |(mut rest, scanner)| async move {
            let mut scanner = scanner?;
            match rest.next().await {
                Some(Ok(chunk)) => match scanner.feed(&chunk) {
                    Ok(()) => Some((Ok(chunk), (rest, Some(scanner)))),
                    Err(found) => Some((Err(refused(found)), (rest, None))),
                },
                Some(Err(e)) => Some((Err(e), (rest, None))),
                None => match scanner.finish() {
                    Ok(()) => None,
                    Err(found) => Some((Err(refused(found)), (rest, None))),
                },
            }
        },
    ))
}

/// Whether actix hands the request's connection to the handler as its body: a WebSocket
/// upgrade (unless chunked) or a `CONNECT` without a body (what actix-http's HTTP/1 decoder reads
/// as a stream). That body ends only with the connection, so waiting for it would hang the
/// handshake; such requests are scanned by path and query only.
fn body_is_the_connection(req: &ServiceRequest) -> bool {
    if req.chunked().unwrap_or(false) {
        return false;
    }
    let websocket = req
        .headers()
        .get(UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("websocket"));
    let connect = req.method() == Method::CONNECT && !declared_body(req.headers());
    websocket || connect
}

/// The JSON error answer to `req`.
fn refusal<B>(req: ServiceRequest, error: RouteError) -> ServiceResponse<EitherBody<B>> {
    let answer = ErrorResponse::from_error(&error, MessagePolicy::default());
    req.into_response(error_response(&answer))
        .map_into_right_body()
}
