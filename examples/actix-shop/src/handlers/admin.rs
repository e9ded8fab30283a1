//! The shop owner's back office: every order and the emails sent; capture, void, refund, a
//! partial refund and an amount change; and charges of a customer's default card while the
//! customer is away. Admins only: to anyone else these routes answer 404, as for an order
//! that is not theirs.
//!
//! Every action is safe to submit twice: capture, void and refund find the order done; a
//! partial refund names the amount it was taken from; a charge carries the idempotency key the
//! form was drawn with.

use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::web::{Data, Path};
use actix_web::{Error, FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use gmo_core::PaymentError;
use gmo_core::customer::CustomerId;
use gmo_core::flow::{ChargedCard, OrderSummary, SavedCardCharge};
use gmo_core::values::{Amount, InvalidValue, OrderId};
use gmo_core::web::ErrorResponse;
use serde_json::json;
use shop_common::catalogue::{OrderRequestError, order_line};
use shop_common::forms::field;
use shop_common::orders::ShopOrder;
use shop_common::{pages, users};

use crate::extract::{FormOrJson, WantsJson, wants_json};
use crate::respond;
use crate::signed_in::SignedIn;
use crate::state::AppState;

/// The signed-in shop owner. Anyone else signed in is answered "not found", as for an order that
/// is not theirs; signed out, as [`SignedIn`] answers.
pub(crate) struct Admin(SignedIn);

impl FromRequest for Admin {
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self, Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = SignedIn::from_request(req, payload);
        let wants_json = wants_json(req.headers());
        Box::pin(async move {
            let user = user.await?;
            if user.user.admin {
                Ok(Self(user))
            } else {
                let refusal = respond::not_found(&user, wants_json);
                Err(InternalError::from_response("not the owner", refusal).into())
            }
        })
    }
}

/// `GET /admin/orders`: every order.
pub(crate) async fn orders(
    state: Data<AppState>,
    Admin(user): Admin,
    WantsJson(wants_json): WantsJson,
) -> HttpResponse {
    let every = match state.orders.all().await {
        Ok(every) => every,
        Err(e) => return respond::order_book_unavailable(&e),
    };
    let mut list = Vec::new();
    for goods in every {
        if let Ok(order) = state.payments.order_for_admin(&goods.order_id).await {
            list.push((order, goods));
        }
    }
    if wants_json {
        let orders: Vec<_> = list
            .iter()
            .map(|(order, goods)| json!({"order": order, "customer": goods.user_id}))
            .collect();
        return respond::json(200, &json!({ "orders": orders }));
    }
    respond::page(200, pages::admin_page(&user.viewer(), &list))
}

/// `GET /admin/emails`: the messages sent to buyers.
pub(crate) async fn emails(
    state: Data<AppState>,
    Admin(user): Admin,
    WantsJson(wants_json): WantsJson,
) -> HttpResponse {
    let emails = match state.orders.emails().await {
        Ok(emails) => emails,
        Err(e) => return respond::order_book_unavailable(&e),
    };
    if wants_json {
        let emails: Vec<_> = emails
            .iter()
            .map(|e| json!({"order_id": e.order_id, "customer": e.user_id, "subject": e.subject}))
            .collect();
        return respond::json(200, &json!({ "emails": emails }));
    }
    respond::page(200, pages::emails_page(&user.viewer(), &emails))
}

/// `GET /admin/metrics` (JSON): the GMO client's calls in flight and queued
/// ([`gmo_core::ClientStats`]) and, on SQLite, the transactions the store's writer committed.
pub(crate) async fn metrics(state: Data<AppState>, _: Admin) -> HttpResponse {
    let gmo = state.payments.client().stats();
    let metrics = json!({
        "gmo": {
            "in_flight": gmo.in_flight,
            "waiting": gmo.waiting,
            "waited": gmo.waited,
            "turned_away": gmo.turned_away,
        },
        "store": { "sqlite_commits": state.orders.sqlite_commits() },
    });
    respond::json(200, &metrics)
}

/// `POST /admin/orders/{order_id}/{action}`: `capture`, `void`, `refund`; `refund-part` with
/// `part` (yen to give back) and `seen` (the amount it is taken from); `change-amount` with
/// `amount`.
pub(crate) async fn action(
    state: Data<AppState>,
    Admin(user): Admin,
    path: Path<(String, String)>,
    WantsJson(wants_json): WantsJson,
    body: FormOrJson,
) -> HttpResponse {
    let (order_id, action) = path.into_inner();
    let Ok(order_id) = OrderId::new(order_id) else {
        return respond::not_found(&user, wants_json);
    };
    let fields = match body.fields() {
        Ok(fields) => fields,
        Err(refused) => return respond::error(&refused),
    };
    let payments = &state.payments;
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
        _ => return respond::not_found(&user, wants_json),
    };
    done_or_refused(&user, wants_json, result)
}

/// `GET /admin/charges`: the form to charge a customer's default card, drawn with a fresh
/// idempotency key.
pub(crate) async fn charge_page(Admin(user): Admin) -> HttpResponse {
    let key = gmo_core::flow::new_order_id();
    respond::page(200, pages::charge_page(&user.viewer(), &key))
}

/// `POST /admin/charges`, form or JSON: `customer`, `product`, `quantity` (priced by the
/// catalogue, as a shopper's order is) and `key`, the charge's idempotency key. The customer's
/// default card is charged, once per key: the form submitted twice answers the first charge.
pub(crate) async fn charge(
    state: Data<AppState>,
    Admin(user): Admin,
    WantsJson(wants_json): WantsJson,
    body: FormOrJson,
) -> HttpResponse {
    let fields = match body.fields() {
        Ok(fields) => fields,
        Err(refused) => return respond::error(&refused),
    };
    let customer = field(&fields, "customer")
        .and_then(users::user)
        .filter(|customer| !customer.admin);
    let Some(customer) = customer else {
        return refused(
            400,
            "unknown_customer",
            "choose one of the shop's customers",
        );
    };
    let line = match order_line(
        fields
            .iter()
            .filter(|(k, _)| k != "customer" && k != "key")
            .map(|(k, v)| (k.as_str(), v.as_str())),
    ) {
        Ok(line) => line,
        Err(e) => {
            let status = if e == OrderRequestError::UnknownProduct {
                404
            } else {
                400
            };
            return refused(status, e.code(), e.to_string());
        }
    };
    let Some(Ok(key)) = field(&fields, "key").map(OrderId::new) else {
        return refused(
            400,
            "invalid_input",
            "`key` must be the form's idempotency key",
        );
    };
    let amount = match Amount::new(line.total_yen()) {
        Ok(amount) => amount,
        Err(e) => return respond::payment_error(&e.into()),
    };
    // The book first, so the payment event that follows finds the goods to confirm. A second
    // submission finds its line there already.
    let goods = ShopOrder {
        order_id: key.clone(),
        user_id: customer.id,
        line,
    };
    if let Err(e) = state.orders.insert(goods).await {
        return respond::order_book_unavailable(&e);
    }
    let charge = match CustomerId::new(customer.id) {
        Ok(id) => SavedCardCharge::new(id, ChargedCard::Default, amount, key),
        Err(e) => return respond::payment_error(&e.into()),
    };
    let result = state.payments.charge_saved_card(charge).await;
    done_or_refused(&user, wants_json, result)
}

/// Field `name` as whole yen.
fn yen(fields: &[(String, String)], name: &'static str) -> Result<Amount, PaymentError> {
    let yen = field(fields, name)
        .and_then(|v| v.trim().parse::<u32>().ok())
        .ok_or(InvalidValue {
            field: name,
            rule: "a whole number of yen",
        })?;
    Ok(Amount::new(yen)?)
}

fn refused(
    status: u16,
    code: impl Into<std::borrow::Cow<'static, str>>,
    message: impl Into<std::borrow::Cow<'static, str>>,
) -> HttpResponse {
    respond::error(&ErrorResponse::new(status, code, message))
}

/// The order as JSON, or back to the orders; a refusal as JSON or as an error page.
fn done_or_refused(
    user: &SignedIn,
    wants_json: bool,
    result: Result<OrderSummary, PaymentError>,
) -> HttpResponse {
    match result {
        Ok(order) if wants_json => respond::json(200, &order),
        Ok(_) => respond::redirect("/admin/orders"),
        Err(e) => respond::refused(user, wants_json, "Not done", &e),
    }
}
