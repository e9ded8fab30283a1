//! The card-data guard as actix middleware.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::Method;
use actix_web::http::header::UPGRADE;
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage};
use futures_util::future::LocalBoxFuture;
use gmo_core::guard::{CardDataGuard, GuardConfig};
use gmo_core::http::{BodyError, ErrorResponse, MAX_BODY_BYTES, MessagePolicy, RouteError};

use crate::body::{content_type, declared_body, declared_over, read_limited};
use crate::response::error_response;

/// Refuses, with `400 card_data_refused`, any request whose path, query string or body carries a
/// card number (see [`gmo_core::guard`] for what counts), before the inner service sees it. The
/// refusal is logged with the location and field, never the value.
///
/// Bodies are read into memory up to a limit (64 KiB by default, `413 body_too_large` beyond)
/// and handed on unchanged. Put it around every route that takes customer input — the whole app,
/// ideally. It is stateless: building it inside `HttpServer::new` is fine.
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
    max_body_bytes: usize,
}

impl Default for CardDataGuardMiddleware {
    fn default() -> Self {
        Self::new(CardDataGuard::new(GuardConfig::default()))
    }
}

impl CardDataGuardMiddleware {
    /// A middleware with `guard` and the default body limit.
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
        let limit = self.config.max_body_bytes;
        Box::pin(async move {
            if declared_over(req.headers(), limit) {
                return Ok(refusal(req, BodyError::TooLarge { limit }.into()));
            }
            let streaming = body_is_the_connection(&req);
            let body = if streaming {
                Bytes::new()
            } else {
                match read_limited(req.take_payload(), limit).await {
                    Ok(body) => body,
                    Err(e) => return Ok(refusal(req, e.into())),
                }
            };
            let scanned = gmo_core::http::scan_request(
                &guard,
                req.path(),
                req.uri().query(),
                content_type(req.headers()),
                &body,
            );
            if let Err(found) = scanned {
                return Ok(refusal(req, found.into()));
            }
            if !streaming {
                req.set_payload(Payload::from(body));
            }
            let response = service.call(req).await?;
            Ok(response.map_into_left_body())
        })
    }
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
