//! The saved cards page and closing the payment account. (Adding, replacing and deleting
//! cards are gmo-actix's routes under `/payments`.)

use actix_web::HttpResponse;
use actix_web::web::{Data, Query};
use gmo_core::web::ErrorResponse;
use serde_json::json;
use shop_common::{forms, pages};

use crate::extract::{FormOrJson, WantsJson};
use crate::handlers::orders::own_order;
use crate::respond;
use crate::signed_in::SignedIn;
use crate::state::AppState;

/// `GET /cards`: saved cards and the form to add one; `?registered=<order>` after 3-D
/// Secure, `?closed=1` after the account was closed (the first of each parameter counts).
pub(crate) async fn cards_page(
    state: Data<AppState>,
    user: SignedIn,
    query: Query<Vec<(String, String)>>,
) -> HttpResponse {
    let cards = state
        .payments
        .cards(user.customer())
        .await
        .unwrap_or_default();
    let registered = match forms::field(&query, "registered") {
        Some(id) => own_order(&state, &user, id).await,
        None => None,
    };
    let notice = match (&registered, forms::field(&query, "closed")) {
        (Some(order), _) => pages::CardsNotice::Registered(order),
        (None, Some("1")) => pages::CardsNotice::AccountClosed,
        _ => pages::CardsNotice::None,
    };
    let page = pages::cards_page(&user.viewer(), &state.card_form, &cards, notice);
    respond::page(200, page)
}

/// `POST /account/close` with `confirm=yes`: closes the customer's payment account (their GMO
/// member and every saved card; [`gmo_core::Payments::close_account`]). Refused with
/// `409 in_progress` while one of their payments is in flight, and with
/// `400 confirmation_required` without the confirmation. Closing a closed account is fine.
/// Pages are sent to `/cards?closed=1`; JSON gets `{"closed": true}`.
pub(crate) async fn close_account(
    state: Data<AppState>,
    user: SignedIn,
    WantsJson(wants_json): WantsJson,
    body: FormOrJson,
) -> HttpResponse {
    let fields = match body.fields() {
        Ok(fields) => fields,
        Err(refused) => return respond::error(&refused),
    };
    if !fields.iter().any(|(k, v)| k == "confirm" && v == "yes") {
        let answer = ErrorResponse::new(
            400,
            "confirmation_required",
            "confirm that the payment account is to be closed (confirm=yes)",
        );
        if wants_json {
            return respond::error(&answer);
        }
        let page = pages::error_page(&user.viewer(), "Not closed", answer.message());
        return respond::page(400, page);
    }
    match state.payments.close_account(user.customer()).await {
        Ok(()) if wants_json => respond::json(200, &json!({ "closed": true })),
        Ok(()) => respond::redirect("/cards?closed=1"),
        Err(e) => respond::refused(&user, wants_json, "Not closed", &e),
    }
}
