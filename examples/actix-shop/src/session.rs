//! The signed-in extractor (the shop's "current user", which is also the paying customer of
//! gmo-actix's routes) and the CSRF check, over `shop_common::sessions`.

use std::future::{Ready, ready};

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, Data};
use actix_web::{Error, FromRequest, HttpRequest};
use gmo_core::customer::{Customer, CustomerId};
use gmo_core::values::InvalidValue;
use gmo_core::web::MAX_BODY_BYTES;
use shop_common::reply::Reply;
use shop_common::request::body_too_large;
use shop_common::routes::sign_in_first;
use shop_common::sessions::{CsrfCheck, Session, csrf_refused, form_carries_token};
use shop_common::shop::Shop;

use crate::glue::{Answer, head_of};

/// The signed-in session: the shop's "current user", and the paying customer of gmo-actix's
/// routes. Without a session: pages redirect to `/signin`, JSON clients and the payment routes
/// get 401. (actix's `FromRequest` cannot be implemented for `Session` itself, a type of
/// shop-common's.)
#[derive(Debug, Clone)]
pub struct SignedIn(pub Session);

impl Customer for SignedIn {
    fn customer_id(&self) -> Result<CustomerId, InvalidValue> {
        self.0.customer_id()
    }
}

impl FromRequest for SignedIn {
    type Error = Error;
    type Future = Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let head = head_of(req);
        let session = req
            .app_data::<Data<Shop>>()
            .and_then(|shop| shop.session(&head));
        ready(match session {
            Some(session) => Ok(Self(session)),
            None => Err(InternalError::from_response(
                "not signed in",
                Answer(sign_in_first(&head)).into_response(),
            )
            .into()),
        })
    }
}

/// State-changing requests of a signed-in session must carry its CSRF token
/// (`shop_common::sessions::Sessions::csrf_check`).
pub(crate) async fn require_csrf_token(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let check = match req.app_data::<Data<Shop>>() {
        Some(shop) => shop.sessions.csrf_check(&head_of(req.request())),
        None => CsrfCheck::Refuse,
    };
    let session = match check {
        CsrfCheck::Pass => return Ok(next.call(req).await?.map_into_boxed_body()),
        CsrfCheck::Refuse => return Ok(answer(req, Reply::error(&csrf_refused()))),
        CsrfCheck::ReadForm(session) => session,
    };
    // Within the card-data guard's limit, which has already read the body.
    let Ok(body) = req.extract::<Bytes>().await else {
        return Ok(answer(req, Reply::error(&body_too_large(MAX_BODY_BYTES))));
    };
    if !form_carries_token(&session, &body) {
        return Ok(answer(req, Reply::error(&csrf_refused())));
    }
    req.set_payload(Payload::from(body));
    Ok(next.call(req).await?.map_into_boxed_body())
}

fn answer(req: ServiceRequest, reply: Reply) -> ServiceResponse {
    req.into_response(Answer(reply).into_response())
}
