//! From actix's request to the shop's [`RequestHead`], from the shop's [`Reply`] to actix's
//! response.

use std::convert::Infallible;
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, Responder};
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
