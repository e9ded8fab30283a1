//! The CSRF check of the signed-in part (`shop_common::csrf`: the synchronizer token in the
//! session). A state-changing request of a signed-in session must carry the session's token
//! in the `X-CSRF-Token` header (scripts) or, for urlencoded forms, the `_csrf` field (pages).
//! Without a session there is nothing to forge: the route itself asks to sign in.

use actix_session::SessionExt as _;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::CONTENT_TYPE;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{Error, HttpResponse};
use gmo_core::web::MAX_BODY_BYTES;
use shop_common::{csrf, forms};

use crate::respond;
use crate::signed_in::{SignedIn, lifetime};

/// The middleware (`from_fn(require_csrf_token)`), inside the session middleware.
pub(crate) async fn require_csrf_token(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if !csrf::is_state_changing(req.method().as_str()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let Some(user) = SignedIn::of(&req.get_session(), lifetime(req.request())) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let headers = req.headers();
    let presented = headers.get(csrf::HEADER).and_then(|v| v.to_str().ok());
    let is_form = forms::is_form(headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()));
    match presented {
        Some(token) if csrf::matches(&user.csrf_token, token) => {}
        Some(_) => return Ok(refuse(req, respond::error(&csrf::refused()))),
        None if is_form => {
            // The form is read here and handed on to the route. Within the card-data guard's
            // limit, which has already read the body.
            let Ok(body) = req.extract::<Bytes>().await else {
                let too_large = forms::body_too_large(MAX_BODY_BYTES);
                return Ok(refuse(req, respond::error(&too_large)));
            };
            let carried = csrf::form_token(&body)
                .is_some_and(|token| csrf::matches(&user.csrf_token, &token));
            if !carried {
                return Ok(refuse(req, respond::error(&csrf::refused())));
            }
            req.set_payload(Payload::from(body));
        }
        None => return Ok(refuse(req, respond::error(&csrf::refused()))),
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

fn refuse(req: ServiceRequest, answer: HttpResponse) -> ServiceResponse {
    req.into_response(answer)
}
