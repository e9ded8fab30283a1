//! The shop's small extractors: whether the client wants JSON, and a body that may be a form
//! or a JSON object (every route that takes a form takes the same fields as JSON, for
//! scripts).

use std::convert::Infallible;
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::header::{ACCEPT, CONTENT_TYPE, HeaderMap};
use actix_web::web::{Bytes, BytesMut};
use actix_web::{Error, FromRequest, HttpRequest};
use futures_util::StreamExt as _;
use futures_util::future::LocalBoxFuture;
use gmo_core::web::{ErrorResponse, MAX_BODY_BYTES};
use shop_common::forms;

use crate::respond;

fn header<'h>(
    headers: &'h HeaderMap,
    name: &actix_web::http::header::HeaderName,
) -> Option<&'h str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// Whether the client wants JSON rather than a page (`shop_common::forms::wants_json`).
pub(crate) fn wants_json(headers: &HeaderMap) -> bool {
    forms::wants_json(header(headers, &ACCEPT), header(headers, &CONTENT_TYPE))
}

/// Whether the client wants JSON rather than a page: it accepts JSON and not HTML, or it
/// sent JSON.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WantsJson(pub(crate) bool);

impl FromRequest for WantsJson {
    type Error = Infallible;
    type Future = Ready<Result<Self, Infallible>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self(wants_json(req.headers()))))
    }
}

/// A form or JSON object body of at most 64 KiB (else `413 body_too_large`, in JSON like every
/// error of the shop: actix's own payload limit answers plain text). Its fields are read by
/// [`FormOrJson::fields`], when the handler gets to them.
#[derive(Debug)]
pub(crate) struct FormOrJson {
    content_type: Option<String>,
    body: Bytes,
}

impl FormOrJson {
    /// The fields as text pairs, or the refusal (`400 malformed_body`,
    /// `415 unsupported_media_type`).
    pub(crate) fn fields(&self) -> Result<Vec<(String, String)>, ErrorResponse> {
        forms::fields(self.content_type.as_deref(), &self.body)
    }
}

impl FromRequest for FormOrJson {
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self, Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type = header(req.headers(), &CONTENT_TYPE).map(str::to_owned);
        let mut payload = payload.take();
        Box::pin(async move {
            let mut body = BytesMut::new();
            while let Some(chunk) = payload.next().await {
                match chunk {
                    Ok(chunk) if body.len() + chunk.len() <= MAX_BODY_BYTES => {
                        body.extend_from_slice(&chunk);
                    }
                    // Too large, or broken (then nobody reads the answer).
                    _ => {
                        let answer = respond::error(&forms::body_too_large(MAX_BODY_BYTES));
                        return Err(InternalError::from_response("body too large", answer).into());
                    }
                }
            }
            Ok(Self {
                content_type,
                body: body.freeze(),
            })
        })
    }
}
