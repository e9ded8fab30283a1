//! The shop owner's back office: every order and the emails sent; capture, void, refund, a
//! partial refund and an amount change; and charges of a customer's default card while the
//! customer is away (a monthly box, a forgotten item). Admins only: to anyone else these
//! routes answer 404, as for an order that is not theirs.
//!
//! The amounts typed here are the owner's, not a shopper's: the owner is the merchant. Every
//! action is safe to submit twice: capture, void and refund find the order done; a partial
//! refund names the amount it was taken from; a charge carries the idempotency key the form
//! was drawn with.

use gmo_core::PaymentError;
use gmo_core::flow::{ChargedCard, OrderSummary, SavedCardCharge};
use gmo_core::values::Amount;
use gmo_core::values::{InvalidValue, OrderId};
use gmo_core::web::{ErrorResponse, MessagePolicy};
use serde_json::json;

use crate::catalogue::{OrderRequestError, order_line};
use crate::orders::ShopOrder;
use crate::pages;
use crate::reply::Reply;
use crate::request::RequestHead;
use crate::routes::{not_found, order_book_unavailable, payment_error, viewer};
use crate::sessions::Session;
use crate::shop::Shop;
use crate::users;

impl Shop {
    /// `GET /admin/orders`: every order (admins only; others get 404).
    pub async fn admin_orders(&self, session: &Session, head: &RequestHead) -> Reply {
        let json = head.wants_json();
        if !session.user.admin {
            return not_found(session, json);
        }
        let every = match self.orders.all().await {
            Ok(every) => every,
            Err(e) => return order_book_unavailable(&e),
        };
        let mut list = Vec::new();
        for goods in every {
            if let Ok(order) = self.payments.order_for_admin(&goods.order_id).await {
                list.push((order, goods));
            }
        }
        if json {
            let orders: Vec<_> = list
                .iter()
                .map(|(o, g)| json!({"order": o, "customer": g.user_id}))
                .collect();
            return Reply::json(200, &json!({ "orders": orders }));
        }
        Reply::page(200, pages::admin_page(&viewer(session), &list))
    }

    /// `GET /admin/emails`: the messages sent to buyers (admins only; others get 404).
    pub async fn admin_emails(&self, session: &Session, head: &RequestHead) -> Reply {
        let json = head.wants_json();
        if !session.user.admin {
            return not_found(session, json);
        }
        let emails = match self.orders.emails().await {
            Ok(emails) => emails,
            Err(e) => return order_book_unavailable(&e),
        };
        if json {
            let emails: Vec<_> = emails
                .iter()
                .map(|e| json!({"order_id": e.order_id, "customer": e.user_id, "subject": e.subject}))
                .collect();
            return Reply::json(200, &json!({ "emails": emails }));
        }
        Reply::page(200, pages::emails_page(&viewer(session), &emails))
    }

    /// `GET /admin/metrics` (admins only; JSON): the GMO client's calls in flight and queued
    /// ([`gmo_core::ClientStats`]) and, on SQLite, the transactions the store's writer
    /// committed (the load driver divides them by its checkouts).
    pub fn admin_metrics(&self, session: &Session, head: &RequestHead) -> Reply {
        if !session.user.admin {
            return not_found(session, head.wants_json());
        }
        let gmo = self.payments.client().stats();
        Reply::json(
            200,
            &json!({
                "gmo": {
                    "in_flight": gmo.in_flight,
                    "waiting": gmo.waiting,
                    "waited": gmo.waited,
                    "turned_away": gmo.turned_away,
                },
                "store": { "sqlite_commits": self.orders.sqlite_commits() },
            }),
        )
    }

    /// `POST /admin/orders/{order_id}/{action}` (admins only): `capture`, `void`, `refund`;
    /// `refund-part` with `part` (yen to give back) and `seen` (the amount it is taken from);
    /// `change-amount` with `amount`.
    pub async fn admin_action(
        &self,
        session: &Session,
        head: &RequestHead,
        order_id: &str,
        action: &str,
        body: &[u8],
    ) -> Reply {
        let json = head.wants_json();
        if !session.user.admin {
            return not_found(session, json);
        }
        let Ok(order_id) = OrderId::new(order_id) else {
            return not_found(session, json);
        };
        let fields = match head.body_fields(body) {
            Ok(fields) => fields,
            Err(unreadable) => return Reply::error(&unreadable),
        };
        let payments = &self.payments;
        let result = match action {
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
            _ => return not_found(session, json),
        };
        done_or_refused(session, json, result, "/admin/orders")
    }

    /// `GET /admin/charges`: the form to charge a customer's default card, drawn with a fresh
    /// idempotency key (admins only).
    pub fn admin_charge_page(&self, session: &Session, head: &RequestHead) -> Reply {
        if !session.user.admin {
            return not_found(session, head.wants_json());
        }
        let key = gmo_core::flow::new_order_id();
        Reply::page(200, pages::charge_page(&viewer(session), &key))
    }

    /// `POST /admin/charges` (admins only), form or JSON: `customer`, `product`, `quantity`
    /// (priced by the catalogue, as a shopper's order is) and `key`, the charge's idempotency
    /// key. The customer's default card is charged, once per key: the form submitted twice
    /// answers the first charge.
    pub async fn admin_charge(&self, session: &Session, head: &RequestHead, body: &[u8]) -> Reply {
        let json = head.wants_json();
        if !session.user.admin {
            return not_found(session, json);
        }
        let fields = match head.body_fields(body) {
            Ok(fields) => fields,
            Err(unreadable) => return Reply::error(&unreadable),
        };
        let customer = field(&fields, "customer")
            .and_then(users::user)
            .filter(|user| !user.admin);
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
            Err(e) => return payment_error(&e.into()),
        };
        // The book first, so the payment event that follows finds the goods to confirm. A
        // second submission finds its line there already.
        let goods = ShopOrder {
            order_id: key.clone(),
            user_id: customer.id,
            line,
        };
        if let Err(e) = self.orders.insert(goods).await {
            return order_book_unavailable(&e);
        }
        let charge = match gmo_core::customer::CustomerId::new(customer.id) {
            Ok(id) => SavedCardCharge::new(id, ChargedCard::Default, amount, key),
            Err(e) => return payment_error(&e.into()),
        };
        let result = self.payments.charge_saved_card(charge).await;
        done_or_refused(session, json, result, "/admin/orders")
    }
}

/// The first value of field `name`.
fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
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
) -> Reply {
    Reply::error(&ErrorResponse::new(status, code, message))
}

/// The order as JSON, or back to `then`; a refusal as JSON or as an error page.
fn done_or_refused(
    session: &Session,
    json: bool,
    result: Result<OrderSummary, PaymentError>,
    then: &str,
) -> Reply {
    match (result, json) {
        (Ok(order), true) => Reply::json(200, &order),
        (Ok(_), false) => Reply::redirect(then),
        (Err(e), true) => payment_error(&e),
        (Err(e), false) => {
            let answer = ErrorResponse::from_payment_error(&e, MessagePolicy::default());
            Reply::page(
                answer.status(),
                pages::error_page(&viewer(session), "Not done", answer.message()),
            )
        }
    }
}
