//! The shop's own routes, framework-free: pages, sign-in, order creation (the price is the
//! shop's), order history and admin actions. Each shop's glue routes a request here with its
//! [`RequestHead`], its body and path parameters, and turns the [`Reply`] into a response.
//!
//! Pages answer HTML; with `Accept: application/json` (or a JSON body) the same routes answer
//! JSON, so the shop can be driven over plain HTTP. The README of axum-shop lists the surface.

use gmo_core::PaymentError;
use gmo_core::customer::{Customer as _, CustomerId};
use gmo_core::flow::{OrderSummary, PrepareOrder};
use gmo_core::values::Amount;
use gmo_core::values::OrderId;
use gmo_core::web::{ErrorResponse, MessagePolicy};
use serde_json::json;

use crate::catalogue::{OrderRequestError, order_line};
use crate::orders::{OrderBookError, ShopOrder};
use crate::pages;
use crate::pages::Viewer;
use crate::reply::Reply;
use crate::request::RequestHead;
use crate::sessions::{self, Session};
use crate::shop::Shop;
use crate::users;

/// An order's JSON with `fulfilment`: `ready_to_ship` once its payment event was handled, else
/// `not_ready`.
#[derive(serde::Serialize)]
struct WithFulfilment<'a> {
    #[serde(flatten)]
    order: &'a OrderSummary,
    fulfilment: &'static str,
}

/// The page's view of a session.
pub(crate) fn viewer(session: &Session) -> Viewer<'_> {
    Viewer {
        user: Some(session.user),
        csrf_token: Some(&session.csrf_token),
    }
}

/// The payment customer of a session.
pub fn customer(session: &Session) -> CustomerId {
    // The demo users' ids are short lowercase words.
    session
        .customer_id()
        .unwrap_or_else(|_| unreachable!("a valid customer id"))
}

/// `{"user", "name", "admin", "csrf_token"}`.
fn session_json(session: &Session) -> serde_json::Value {
    json!({
        "user": session.user.id,
        "name": session.user.name,
        "admin": session.user.admin,
        "csrf_token": session.csrf_token,
    })
}

pub(crate) fn payment_error(error: &PaymentError) -> Reply {
    Reply::error(&ErrorResponse::from_payment_error(
        error,
        MessagePolicy::default(),
    ))
}

/// `503 unavailable`: the order book's database failed (the cause is logged, not shown).
pub(crate) fn order_book_unavailable(error: &OrderBookError) -> Reply {
    tracing::error!(%error, "order book");
    Reply::error(&ErrorResponse::new(
        503,
        "unavailable",
        "the shop cannot reach its orders; try again shortly",
    ))
}

pub(crate) fn not_found(session: &Session, json: bool) -> Reply {
    if json {
        return payment_error(&PaymentError::NotFound);
    }
    Reply::page(
        404,
        pages::error_page(&viewer(session), "Not found", "There is no such order."),
    )
}

/// The answer to a signed-out request for a signed-in route: JSON clients (and the payment
/// routes, which only scripts call) get `401 not_signed_in`, pages a redirect to `/signin`.
pub fn sign_in_first(head: &RequestHead) -> Reply {
    if head.wants_json() || head.path.starts_with("/payments/") {
        Reply::error(&ErrorResponse::new(401, "not_signed_in", "sign in first"))
    } else {
        Reply::redirect("/signin")
    }
}

/// `GET /assets/{name}`: the page assets.
pub fn asset(name: &str) -> Option<Reply> {
    match name {
        "card-form.js" => Some(Reply::asset(
            "application/javascript; charset=utf-8",
            crate::assets::CARD_FORM_JS,
        )),
        "style.css" => Some(Reply::asset(
            "text/css; charset=utf-8",
            crate::assets::STYLE_CSS,
        )),
        _ => None,
    }
}

impl Shop {
    /// The signed-in session of a request, if any.
    pub fn session(&self, head: &RequestHead) -> Option<Session> {
        self.sessions.of(head).map(|(_, session)| session)
    }

    /// `GET /`: the products.
    pub fn home(&self, head: &RequestHead) -> Reply {
        let session = self.session(head);
        let viewer = session.as_ref().map(viewer).unwrap_or_default();
        Reply::page(200, pages::products_page(&viewer))
    }

    /// `GET /signin`: the users to choose from (the owner only in the demo; outside it, the
    /// owner's sign-in with the operator's token when one is set).
    pub fn sign_in_page(&self, head: &RequestHead) -> Reply {
        let session = self.session(head);
        let viewer = session.as_ref().map(viewer).unwrap_or_default();
        let policy = &self.sign_in_policy;
        Reply::page(
            200,
            pages::signin_page(&viewer, policy.offers_owner(), policy.takes_admin_token()),
        )
    }

    /// `POST /signin` with `user=<id>` (and `admin_token` for the owner outside the demo): a new
    /// session (ending the request's old one), never cached. Refused with
    /// `403 cross_site_sign_in` when a browser sends it from another site (login CSRF; see
    /// [`crate::signin`]), `403 admin_token_required` for the owner without the operator's
    /// token outside the demo, `400 unknown_user` for anyone else unknown.
    pub fn sign_in(&self, head: &RequestHead, body: &[u8]) -> Reply {
        let policy = &self.sign_in_policy;
        if let Err(refusal) = policy.check_origin(
            head.sec_fetch_site.as_deref(),
            head.origin.as_deref(),
            head.referer.as_deref(),
        ) {
            return Reply::error(&refusal.answer());
        }
        let fields = match head.body_fields(body) {
            Ok(fields) => fields,
            Err(unreadable) => return Reply::error(&unreadable),
        };
        let Some(user) = fields
            .iter()
            .find(|(k, _)| k == "user")
            .and_then(|(_, v)| users::user(v))
        else {
            return Reply::error(&ErrorResponse::new(
                400,
                "unknown_user",
                "there is no such user",
            ));
        };
        if let Err(refusal) = policy.check_user(user, &fields) {
            return Reply::error(&refusal.answer());
        }
        let Some((id, session)) = self.sessions.sign_in(user.id) else {
            return Reply::error(&ErrorResponse::new(
                400,
                "unknown_user",
                "there is no such user",
            ));
        };
        if let Some((old, _)) = self.sessions.of(head) {
            self.sessions.sign_out(&old);
        }
        let reply = if head.wants_json() {
            Reply::json(200, &session_json(&session))
        } else {
            Reply::redirect("/")
        };
        reply.with_cookie(sessions::set_cookie(&id, policy.secure_cookies()))
    }

    /// `POST /signout`.
    pub fn sign_out(&self, head: &RequestHead) -> Reply {
        if let Some((id, _)) = self.sessions.of(head) {
            self.sessions.sign_out(&id);
        }
        Reply::redirect("/signin")
            .with_cookie(sessions::clear_cookie(self.sign_in_policy.secure_cookies()))
    }

    /// `GET /session`: who is signed in, and the CSRF token for scripts (never cached).
    pub fn session_info(&self, session: &Session) -> Reply {
        Reply::json(200, &session_json(session)).no_store()
    }

    /// `POST /orders` with `product` and `quantity`: an order priced by the shop.
    pub async fn create_order(&self, session: &Session, head: &RequestHead, body: &[u8]) -> Reply {
        let fields = match head.body_fields(body) {
            Ok(fields) => fields,
            Err(unreadable) => return Reply::error(&unreadable),
        };
        let line = match order_line(fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
            Ok(line) => line,
            Err(e) => {
                let status = match e {
                    OrderRequestError::UnknownProduct => 404,
                    _ => 400,
                };
                return Reply::error(&ErrorResponse::new(status, e.code(), e.to_string()));
            }
        };
        let prepared = async {
            let amount = Amount::new(line.total_yen())?;
            // The customer's e-mail and address help the issuer approve without a challenge.
            let risk_data = session.user.risk_data()?;
            self.payments
                .prepare_order(PrepareOrder::new(customer(session), amount).risk_data(risk_data))
                .await
        }
        .await;
        let order = match prepared {
            Ok(order) => order,
            Err(e) => return payment_error(&e),
        };
        let goods = ShopOrder {
            order_id: order.order_id.clone(),
            user_id: session.user.id,
            line,
        };
        if let Err(e) = self.orders.insert(goods).await {
            return order_book_unavailable(&e);
        }
        let checkout = format!("/checkout/{}", order.order_id.as_str());
        if head.wants_json() {
            let body = json!({
                "order_id": order.order_id,
                "amount": order.amount,
                "state": order.state,
                "checkout_url": checkout,
            });
            return Reply::json(201, &body);
        }
        Reply::redirect(&checkout)
    }

    /// The customer's own order, or `None` (not found, not theirs, or not an order id).
    async fn own_order(&self, session: &Session, order_id: &str) -> Option<OrderSummary> {
        let order_id = OrderId::new(order_id).ok()?;
        self.payments
            .order(&customer(session), &order_id)
            .await
            .ok()
    }

    /// `GET /orders/{order_id}`: the completion page after 3-D Secure, and the order's status.
    pub async fn order(&self, session: &Session, head: &RequestHead, order_id: &str) -> Reply {
        let json = head.wants_json();
        let Some(order) = self.own_order(session, order_id).await else {
            return not_found(session, json);
        };
        // The fulfilment's mark, not the payment state: an authorised order is ready to ship
        // only once its event was handled (and its confirmation written).
        let ready_to_ship = match self.orders.is_ready_to_ship(order.order_id.as_str()).await {
            Ok(ready) => ready,
            Err(e) => return order_book_unavailable(&e),
        };
        if json {
            let fulfilment = if ready_to_ship {
                "ready_to_ship"
            } else {
                "not_ready"
            };
            return Reply::json(
                200,
                &WithFulfilment {
                    order: &order,
                    fulfilment,
                },
            );
        }
        let goods = match self.orders.get(order.order_id.as_str()).await {
            Ok(goods) => goods,
            Err(e) => return order_book_unavailable(&e),
        };
        Reply::page(
            200,
            pages::order_page(&viewer(session), &order, goods.as_ref(), ready_to_ship),
        )
    }

    /// `GET /orders`: the customer's orders.
    pub async fn orders(&self, session: &Session, head: &RequestHead) -> Reply {
        let own = match self.orders.of_user(session.user.id).await {
            Ok(own) => own,
            Err(e) => return order_book_unavailable(&e),
        };
        let mut list = Vec::new();
        for goods in own {
            if let Ok(order) = self
                .payments
                .order(&customer(session), &goods.order_id)
                .await
            {
                list.push((order, Some(goods)));
            }
        }
        if head.wants_json() {
            let orders: Vec<_> = list.iter().map(|(o, _)| o).collect();
            return Reply::json(200, &json!({ "orders": orders }));
        }
        Reply::page(200, pages::orders_page(&viewer(session), &list))
    }

    /// `GET /checkout/{order_id}`: the payment page.
    pub async fn checkout_page(&self, session: &Session, order_id: &str) -> Reply {
        let Some(order) = self.own_order(session, order_id).await else {
            return not_found(session, false);
        };
        let cards = self
            .payments
            .cards(&customer(session))
            .await
            .unwrap_or_default();
        let goods = match self.orders.get(order.order_id.as_str()).await {
            Ok(goods) => goods,
            Err(e) => return order_book_unavailable(&e),
        };
        Reply::page(
            200,
            pages::checkout_page(
                &viewer(session),
                &self.card_form,
                &order,
                goods.as_ref(),
                &cards,
                &self.payments.payment_methods().offered(),
            ),
        )
    }

    /// `GET /cards`: saved cards and the form to add one; `?registered=<order>` after 3-D
    /// Secure, `?closed=1` after the account was closed.
    pub async fn cards_page(&self, session: &Session, head: &RequestHead) -> Reply {
        let cards = self
            .payments
            .cards(&customer(session))
            .await
            .unwrap_or_default();
        let registered = match head.query_param("registered") {
            Some(id) => self.own_order(session, &id).await,
            None => None,
        };
        let notice = match (&registered, head.query_param("closed").as_deref()) {
            (Some(order), _) => pages::CardsNotice::Registered(order),
            (None, Some("1")) => pages::CardsNotice::AccountClosed,
            _ => pages::CardsNotice::None,
        };
        Reply::page(
            200,
            pages::cards_page(&viewer(session), &self.card_form, &cards, notice),
        )
    }

    /// `POST /account/close` with `confirm=yes`: closes the customer's payment account (their
    /// GMO member and every saved card; [`gmo_core::Payments::close_account`]). Refused with
    /// `409 in_progress` while one of their payments is in flight, and with
    /// `400 confirmation_required` without the confirmation. Closing a closed account is fine.
    /// Pages are sent to `/cards?closed=1`; JSON gets `{"closed": true}`.
    pub async fn close_account(&self, session: &Session, head: &RequestHead, body: &[u8]) -> Reply {
        let json = head.wants_json();
        let fields = match head.body_fields(body) {
            Ok(fields) => fields,
            Err(unreadable) => return Reply::error(&unreadable),
        };
        if !fields.iter().any(|(k, v)| k == "confirm" && v == "yes") {
            let answer = ErrorResponse::new(
                400,
                "confirmation_required",
                "confirm that the payment account is to be closed (confirm=yes)",
            );
            return if json {
                Reply::error(&answer)
            } else {
                Reply::page(
                    400,
                    pages::error_page(&viewer(session), "Not closed", answer.message()),
                )
            };
        }
        match (self.payments.close_account(&customer(session)).await, json) {
            (Ok(()), true) => Reply::json(200, &json!({ "closed": true })),
            (Ok(()), false) => Reply::redirect("/cards?closed=1"),
            (Err(e), true) => payment_error(&e),
            (Err(e), false) => {
                let answer = ErrorResponse::from_payment_error(&e, MessagePolicy::default());
                Reply::page(
                    answer.status(),
                    pages::error_page(&viewer(session), "Not closed", answer.message()),
                )
            }
        }
    }
}
