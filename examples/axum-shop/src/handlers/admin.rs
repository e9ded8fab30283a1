//! The shop owner's back office: every order and the emails sent; capture, void, refund, a
//! partial refund and an amount change; and charges of a customer's default card while the
//! customer is away. Admins only: to anyone else these routes answer 404, as for an order that
//! is not theirs.
//!
//! The amounts typed here are the owner's, not a shopper's: the owner is the merchant. Every
//! action is safe to submit twice: capture, void and refund find the order done; a partial
//! refund names the amount it was taken from; a charge carries the idempotency key the form
//! was drawn with.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use gmo_core::flow::{ChargedCard, OrderSummary, SavedCardCharge};
use gmo_core::values::{Amount, InvalidValue, OrderId};
use gmo_core::web::ErrorResponse;
use gmo_core::{PaymentError, Payments};
use serde_json::json;
use shop_common::catalogue::{OrderRequestError, order_line};
use shop_common::orders::{OrderBook, ShopOrder};
use shop_common::{pages, users};

use super::{
    error, json, not_found, order_book_unavailable, page, payment_error, payment_error_page,
};
use crate::AppState;
use crate::extract::{Fields, PathText, WantsJson};
use crate::session::SignedIn;

/// A signed-in admin. Anyone else signed in gets 404 (as JSON or a page); signed out, the
/// sign-in is asked for.
#[derive(Debug, Clone)]
pub(crate) struct Admin(SignedIn);

impl FromRequestParts<AppState> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let user = SignedIn::from_request_parts(parts, state).await?;
        if user.user.admin {
            Ok(Self(user))
        } else {
            Err(not_found(&user, WantsJson::of(&parts.headers).0))
        }
    }
}

/// `GET /admin/orders`: every order.
pub(crate) async fn admin_orders(
    State(payments): State<Payments>,
    State(orders): State<OrderBook>,
    Admin(owner): Admin,
    WantsJson(wants_json): WantsJson,
) -> Response {
    let every = match orders.all().await {
        Ok(every) => every,
        Err(e) => return order_book_unavailable(&e),
    };
    let mut list = Vec::new();
    for goods in every {
        if let Ok(order) = payments.order_for_admin(&goods.order_id).await {
            list.push((order, goods));
        }
    }
    if wants_json {
        let orders: Vec<_> = list
            .iter()
            .map(|(order, goods)| json!({"order": order, "customer": goods.user_id}))
            .collect();
        return json(200, json!({ "orders": orders }));
    }
    page(200, pages::admin_page(&owner.viewer(), &list))
}

/// `GET /admin/emails`: the messages sent to buyers.
pub(crate) async fn admin_emails(
    State(orders): State<OrderBook>,
    Admin(owner): Admin,
    WantsJson(wants_json): WantsJson,
) -> Response {
    let emails = match orders.emails().await {
        Ok(emails) => emails,
        Err(e) => return order_book_unavailable(&e),
    };
    if wants_json {
        let emails: Vec<_> = emails
            .iter()
            .map(|e| json!({"order_id": e.order_id, "customer": e.user_id, "subject": e.subject}))
            .collect();
        return json(200, json!({ "emails": emails }));
    }
    page(200, pages::emails_page(&owner.viewer(), &emails))
}

/// `GET /admin/metrics` (JSON): the GMO client's calls in flight and queued
/// ([`gmo_core::ClientStats`]) and, on SQLite, the transactions the store's writer committed
/// (the load driver divides them by its checkouts).
pub(crate) async fn admin_metrics(
    State(payments): State<Payments>,
    State(orders): State<OrderBook>,
    _: Admin,
) -> Response {
    let gmo = payments.client().stats();
    json(
        200,
        json!({
            "gmo": {
                "in_flight": gmo.in_flight,
                "waiting": gmo.waiting,
                "waited": gmo.waited,
                "turned_away": gmo.turned_away,
            },
            "store": { "sqlite_commits": orders.sqlite_commits() },
        }),
    )
}

/// `POST /admin/orders/{order_id}/{action}`: `capture`, `void`, `refund`; `refund-part` with
/// `part` (yen to give back) and `seen` (the amount it is taken from); `change-amount` with
/// `amount`.
pub(crate) async fn admin_action(
    State(payments): State<Payments>,
    Admin(owner): Admin,
    PathText((order_id, action)): PathText<(String, String)>,
    WantsJson(wants_json): WantsJson,
    fields: Result<Fields, Response>,
) -> Response {
    let Ok(order_id) = OrderId::new(order_id) else {
        return not_found(&owner, wants_json);
    };
    let fields = match fields {
        Ok(fields) => fields,
        Err(refused) => return refused,
    };
    let result = match action.as_str() {
        "capture" => payments.capture(&order_id).await,
        "void" => payments.void(&order_id).await,
        "refund" => payments.refund(&order_id).await,
        "refund-part" => match (yen(&fields, "part"), yen(&fields, "seen")) {
            (Ok(part), Ok(seen)) => payments.refund_part(&order_id, part, seen).await,
            (Err(e), _) | (_, Err(e)) => Err(e),
        },
        "change-amount" => match yen(&fields, "amount") {
            Ok(amount) => payments.change_amount(&order_id, amount).await,
            Err(e) => Err(e),
        },
        _ => return not_found(&owner, wants_json),
    };
    done_or_refused(&owner, wants_json, result)
}

/// `GET /admin/charges`: the form to charge a customer's default card, drawn with a fresh
/// idempotency key.
pub(crate) async fn admin_charge_page(Admin(owner): Admin) -> Response {
    let key = gmo_core::flow::new_order_id();
    page(200, pages::charge_page(&owner.viewer(), &key))
}

/// `POST /admin/charges`, form or JSON: `customer`, `product`, `quantity` (priced by the
/// catalogue, as a shopper's order is) and `key`, the charge's idempotency key. The customer's
/// default card is charged, once per key: the form submitted twice answers the first charge.
pub(crate) async fn admin_charge(
    State(payments): State<Payments>,
    State(orders): State<OrderBook>,
    Admin(owner): Admin,
    WantsJson(wants_json): WantsJson,
    fields: Fields,
) -> Response {
    let customer = fields
        .get("customer")
        .and_then(users::user)
        .filter(|user| !user.admin);
    let Some(customer) = customer else {
        return error(&ErrorResponse::new(
            400,
            "unknown_customer",
            "choose one of the shop's customers",
        ));
    };
    let line = match order_line(
        fields
            .pairs()
            .filter(|(k, _)| *k != "customer" && *k != "key"),
    ) {
        Ok(line) => line,
        Err(e) => {
            let status = if e == OrderRequestError::UnknownProduct {
                404
            } else {
                400
            };
            return error(&ErrorResponse::new(status, e.code(), e.to_string()));
        }
    };
    let Some(Ok(key)) = fields.get("key").map(OrderId::new) else {
        return error(&ErrorResponse::new(
            400,
            "invalid_input",
            "`key` must be the form's idempotency key",
        ));
    };
    let amount = match Amount::new(line.total_yen()) {
        Ok(amount) => amount,
        Err(e) => return payment_error(&e.into()),
    };
    // The book first, so the payment event that follows finds the goods to confirm. A second
    // submission finds its line there already.
    let goods = ShopOrder {
        order_id: key.clone(),
        user_id: customer.id,
        line,
    };
    if let Err(e) = orders.insert(goods).await {
        return order_book_unavailable(&e);
    }
    let charge = match gmo_core::customer::CustomerId::new(customer.id) {
        Ok(id) => SavedCardCharge::new(id, ChargedCard::Default, amount, key),
        Err(e) => return payment_error(&e.into()),
    };
    let result = payments.charge_saved_card(charge).await;
    done_or_refused(&owner, wants_json, result)
}

/// Field `name` as whole yen.
fn yen(fields: &Fields, name: &'static str) -> Result<Amount, PaymentError> {
    let yen = fields
        .get(name)
        .and_then(|v| v.trim().parse::<u32>().ok())
        .ok_or(InvalidValue {
            field: name,
            rule: "a whole number of yen",
        })?;
    Ok(Amount::new(yen)?)
}

/// The order as JSON, or back to the orders page; a refusal as JSON or as an error page.
fn done_or_refused(
    owner: &SignedIn,
    wants_json: bool,
    result: Result<OrderSummary, PaymentError>,
) -> Response {
    match (result, wants_json) {
        (Ok(order), true) => json(200, order),
        (Ok(_), false) => Redirect::to("/admin/orders").into_response(),
        (Err(e), true) => payment_error(&e),
        (Err(e), false) => payment_error_page(owner, "Not done", &e),
    }
}
