//! Signing in and out, the session for scripts, the saved cards page and closing the payment
//! account.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use gmo_core::Payments;
use gmo_core::web::ErrorResponse;
use serde_json::json;
use shop_common::pages::{self, CardFormConfig, CardsNotice};
use shop_common::signin::SignInPolicy;
use shop_common::users;
use tower_sessions::Session;

use super::orders::own_order;
use super::{error, json, page, payment_error, payment_error_page};
use crate::extract::{Fields, QueryText, WantsJson};
use crate::session::{self, SignedIn, removal_cookie, unavailable};

/// `{"user", "name", "admin", "csrf_token"}`.
fn session_json(user: &SignedIn) -> serde_json::Value {
    json!({
        "user": user.user.id,
        "name": user.user.name,
        "admin": user.user.admin,
        "csrf_token": user.csrf_token,
    })
}

/// `POST /signin` with `user=<id>` (and `admin_token` for the owner outside the demo): a new
/// session (ending the request's old one), never cached. Refused with `403
/// cross_site_sign_in` when a browser sends it from another site (login CSRF; see
/// `shop_common::signin`), `403 admin_token_required` for the owner without the operator's
/// token outside the demo, `400 unknown_user` for anyone else unknown.
pub(crate) async fn sign_in(
    State(policy): State<SignInPolicy>,
    session: Session,
    WantsJson(wants_json): WantsJson,
    headers: HeaderMap,
    fields: Result<Fields, Response>,
) -> Response {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let from_site = policy.check_origin(
        text("sec-fetch-site"),
        text(header::ORIGIN.as_str()),
        text(header::REFERER.as_str()),
    );
    if let Err(refusal) = from_site {
        return error(&refusal.answer());
    }
    let fields = match fields {
        Ok(fields) => fields,
        Err(refused) => return refused,
    };
    let Some(user) = fields.get("user").and_then(users::user) else {
        return error(&ErrorResponse::new(
            400,
            "unknown_user",
            "there is no such user",
        ));
    };
    if let Err(refusal) = policy.check_user(user, &fields.0) {
        return error(&refusal.answer());
    }
    let signed_in = match session::sign_in(&session, user).await {
        Ok(signed_in) => signed_in,
        Err(e) => return unavailable(&e),
    };
    let answer = if wants_json {
        json(200, session_json(&signed_in))
    } else {
        Redirect::to("/").into_response()
    };
    ([(header::CACHE_CONTROL, "no-store")], answer).into_response()
}

/// `POST /signout`: the session deleted, its cookie removed (also for a copy of the cookie:
/// the session is gone from the database).
pub(crate) async fn sign_out(State(policy): State<SignInPolicy>, session: Session) -> Response {
    if session.id().is_some()
        && let Err(e) = session.flush().await
    {
        return unavailable(&e);
    }
    let removal = removal_cookie(policy.secure_cookies()).to_string();
    (
        [
            (header::SET_COOKIE, removal.as_str()),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Redirect::to("/signin"),
    )
        .into_response()
}

/// `GET /session`: who is signed in, and the CSRF token for scripts (never cached).
pub(crate) async fn session_info(user: SignedIn) -> Response {
    (
        [(header::CACHE_CONTROL, "no-store")],
        json(200, session_json(&user)),
    )
        .into_response()
}

/// `GET /cards`: saved cards and the form to add one; `?registered=<order>` after 3-D Secure,
/// `?closed=1` after the account was closed.
pub(crate) async fn cards_page(
    State(payments): State<Payments>,
    State(card_form): State<CardFormConfig>,
    user: SignedIn,
    query: QueryText,
) -> Response {
    let customer = match user.customer() {
        Ok(customer) => customer,
        Err(e) => return payment_error(&e.into()),
    };
    let cards = payments.cards(&customer).await.unwrap_or_default();
    let registered = match query.get("registered") {
        Some(id) => own_order(&payments, &user, &id).await,
        None => None,
    };
    let notice = match (&registered, query.get("closed").as_deref()) {
        (Some(order), _) => CardsNotice::Registered(order),
        (None, Some("1")) => CardsNotice::AccountClosed,
        _ => CardsNotice::None,
    };
    page(
        200,
        pages::cards_page(&user.viewer(), &card_form, &cards, notice),
    )
}

/// `POST /account/close` with `confirm=yes`: closes the customer's payment account (their GMO
/// member and every saved card; [`Payments::close_account`]). Refused with `409
/// in_progress` while one of their payments is in flight, and with `400
/// confirmation_required` without the confirmation. Closing a closed account is fine. Pages
/// are sent to `/cards?closed=1`; JSON gets `{"closed": true}`.
pub(crate) async fn close_account(
    State(payments): State<Payments>,
    user: SignedIn,
    WantsJson(wants_json): WantsJson,
    fields: Fields,
) -> Response {
    if !fields.pairs().any(|field| field == ("confirm", "yes")) {
        let answer = ErrorResponse::new(
            400,
            "confirmation_required",
            "confirm that the payment account is to be closed (confirm=yes)",
        );
        return if wants_json {
            error(&answer)
        } else {
            page(
                400,
                pages::error_page(&user.viewer(), "Not closed", answer.message()),
            )
        };
    }
    let closed = match user.customer() {
        Ok(customer) => payments.close_account(&customer).await,
        Err(e) => Err(e.into()),
    };
    match (closed, wants_json) {
        (Ok(()), true) => json(200, json!({ "closed": true })),
        (Ok(()), false) => Redirect::to("/cards?closed=1").into_response(),
        (Err(e), true) => payment_error(&e),
        (Err(e), false) => payment_error_page(&user, "Not closed", &e),
    }
}
