//! Signing in and out, and the session for scripts.

use actix_session::Session;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header::HeaderMap;
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};
use gmo_core::web::ErrorResponse;
use shop_common::{forms, pages, users};

use crate::extract::{FormOrJson, WantsJson};
use crate::respond;
use crate::signed_in::{SignedIn, viewer};
use crate::state::AppState;

/// `GET /signin`: the users to choose from (the owner only in the demo; outside it, the
/// owner's sign-in with the operator's token when one is set).
pub(crate) async fn sign_in_page(state: Data<AppState>, user: Option<SignedIn>) -> HttpResponse {
    let policy = &state.sign_in_policy;
    let page = pages::signin_page(
        &viewer(user.as_ref()),
        policy.offers_owner(),
        policy.takes_admin_token(),
    );
    respond::page(200, page)
}

/// `POST /signin` with `user=<id>` (and `admin_token` for the owner outside the demo): a new
/// session, the request's old one ended, never cached. Refused with `403 cross_site_sign_in`
/// when a browser sends it from another site (login CSRF), `403 admin_token_required` for the
/// owner without the operator's token outside the demo, `400 unknown_user` for anyone else
/// unknown.
pub(crate) async fn sign_in(
    state: Data<AppState>,
    req: HttpRequest,
    session: Session,
    WantsJson(wants_json): WantsJson,
    body: FormOrJson,
) -> HttpResponse {
    let policy = &state.sign_in_policy;
    let headers = req.headers();
    let origin_check = policy.check_origin(
        header(headers, "sec-fetch-site"),
        header(headers, "origin"),
        header(headers, "referer"),
    );
    if let Err(refusal) = origin_check {
        return respond::error(&refusal.answer());
    }
    let fields = match body.fields() {
        Ok(fields) => fields,
        Err(refused) => return respond::error(&refused),
    };
    let Some(user) = forms::field(&fields, "user").and_then(users::user) else {
        return respond::error(&ErrorResponse::new(
            400,
            "unknown_user",
            "there is no such user",
        ));
    };
    if let Err(refusal) = policy.check_user(user, &fields) {
        return respond::error(&refusal.answer());
    }
    let signed_in = match SignedIn::sign_in(&session, user) {
        Ok(signed_in) => signed_in,
        Err(error) => {
            tracing::error!(%error, "sign-in");
            return respond::error(&ErrorResponse::new(
                500,
                "internal",
                "the session could not be started",
            ));
        }
    };
    // actix-session sets the new session's cookie on the way out.
    let answer = if wants_json {
        respond::json(200, &signed_in.to_json())
    } else {
        respond::redirect("/")
    };
    respond::no_store(answer)
}

/// `POST /signout`: the session ends (its row deleted) and the cookie is removed.
pub(crate) async fn sign_out(state: Data<AppState>, session: Session) -> HttpResponse {
    // actix-session removes the cookie of a session it loaded; one it did not (none, or
    // expired and swept) is removed here, so the browser forgets it either way.
    let loaded = !session.entries().is_empty();
    session.purge();
    let mut answer = respond::redirect("/signin");
    if !loaded {
        let mut removal = Cookie::build(crate::SESSION_COOKIE, "")
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(state.sign_in_policy.secure_cookies())
            .finish();
        removal.make_removal();
        // A cookie built here is always a valid header value.
        let _ = answer.add_cookie(&removal);
    }
    respond::no_store(answer)
}

/// `GET /session`: who is signed in, and the CSRF token for scripts (never cached).
pub(crate) async fn session_info(user: SignedIn) -> HttpResponse {
    respond::no_store(respond::json(200, &user.to_json()))
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}
