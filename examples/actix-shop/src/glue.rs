//! From actix's request to the shop's [`RequestHead`], from the shop's [`Reply`] to actix's
//! response.

use std::convert::Infallible;
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{FromRequest, HttpRequest, HttpResponse, Responder};
use futures_util::StreamExt as _;
use futures_util::future::LocalBoxFuture;
use shop_common::reply::Reply;
use shop_common::request::RequestHead;

/// The request's head, as the shop's routes read it.
#[derive(Debug, Clone)]
pub(crate) struct Head(pub(crate) RequestHead);

pub(crate) fn head_of(req: &HttpRequest) -> RequestHead {
    RequestHead::new(
        req.method().as_str(),
        req.path(),
        req.uri().query(),
        req.headers()
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes())),
    )
}

impl FromRequest for Head {
    type Error = Infallible;
    type Future = Ready<Result<Self, Infallible>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self(head_of(req))))
    }
}

/// A shop reply as an actix response.
#[derive(Debug)]
pub(crate) struct Answer(pub(crate) Reply);

impl Answer {
    pub(crate) fn into_response(self) -> HttpResponse {
        let Reply {
            status,
            headers,
            body,
        } = self.0;
        let mut response = HttpResponse::build(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        );
        for (name, value) in headers {
            response.append_header((name, value));
        }
        response.body(body)
    }
}

impl Responder for Answer {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        self.into_response()
    }
}

/// The body of one of the shop's own routes: at most 64 KiB, else `413 body_too_large` (JSON,
/// like every error of the shop; actix's own payload limit answers plain text).
#[derive(Debug)]
pub(crate) struct ShopBody(pub(crate) Bytes);

impl FromRequest for ShopBody {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(_: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let mut payload = payload.take();
        Box::pin(async move {
            let limit = gmo_core::web::MAX_BODY_BYTES;
            let mut body = BytesMut::new();
            while let Some(chunk) = payload.next().await {
                match chunk {
                    Ok(chunk) if body.len() + chunk.len() <= limit => {
                        body.extend_from_slice(&chunk)
                    }
                    // Too large, or broken (then nobody reads the answer).
                    _ => {
                        let answer = Answer(Reply::body_too_large()).into_response();
                        return Err(actix_web::error::InternalError::from_response(
                            "the request body is too large",
                            answer,
                        )
                        .into());
                    }
                }
            }
            Ok(Self(body.freeze()))
        })
    }
}
