//! Orders: created with the shop's price, the checkout page, the completion page after 3-D
//! Secure and the customer's order history.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use gmo_core::Payments;
use gmo_core::flow::{OrderSummary, PrepareOrder};
use gmo_core::values::{Amount, OrderId};
use gmo_core::web::ErrorResponse;
use serde_json::json;
use shop_common::catalogue::{OrderRequestError, order_line};
use shop_common::orders::{OrderBook, ShopOrder};
use shop_common::pages::{self, CardFormConfig};

use super::{error, json, not_found, order_book_unavailable, page, payment_error};
use crate::extract::{Fields, PathText, WantsJson};
use crate::session::SignedIn;

/// An order's JSON with `fulfilment`: `ready_to_ship` once its payment event was handled, else
/// `not_ready`.
#[derive(serde::Serialize)]
struct WithFulfilment<'a> {
    #[serde(flatten)]
    order: &'a OrderSummary,
    fulfilment: &'static str,
}

/// The user's own order, or `None` (not found, not theirs, or not an order id).
pub(crate) async fn own_order(
    payments: &Payments,
    user: &SignedIn,
    order_id: &str,
) -> Option<OrderSummary> {
    let order_id = OrderId::new(order_id).ok()?;
    payments.order(&user.customer().ok()?, &order_id).await.ok()
}

/// `POST /orders` with `product` and `quantity`: an order priced by the shop (a price in the
/// request is ignored), then its checkout page (JSON: `201` with `checkout_url`).
pub(crate) async fn create_order(
    State(payments): State<Payments>,
    State(orders): State<OrderBook>,
    user: SignedIn,
    WantsJson(wants_json): WantsJson,
    fields: Fields,
) -> Response {
    let line = match order_line(fields.pairs()) {
        Ok(line) => line,
        Err(e) => {
            let status = match e {
                OrderRequestError::UnknownProduct => 404,
                _ => 400,
            };
            return error(&ErrorResponse::new(status, e.code(), e.to_string()));
        }
    };
    let prepared = async {
        let amount = Amount::new(line.total_yen())?;
        // The customer's e-mail and address help the issuer approve without a challenge.
        let risk_data = user.user.risk_data()?;
        let order = PrepareOrder::new(user.customer()?, amount).risk_data(risk_data);
        payments.prepare_order(order).await
    }
    .await;
    let order = match prepared {
        Ok(order) => order,
        Err(e) => return payment_error(&e),
    };
    let goods = ShopOrder {
        order_id: order.order_id.clone(),
        user_id: user.user.id,
        line,
    };
    if let Err(e) = orders.insert(goods).await {
        return order_book_unavailable(&e);
    }
    let checkout = format!("/checkout/{}", order.order_id.as_str());
    if wants_json {
        let body = json!({
            "order_id": order.order_id,
            "amount": order.amount,
            "state": order.state,
            "checkout_url": checkout,
        });
        return json(201, body);
    }
    Redirect::to(&checkout).into_response()
}

/// `GET /orders/{order_id}`: the completion page after 3-D Secure, and the order's status.
pub(crate) async fn order(
    State(payments): State<Payments>,
    State(orders): State<OrderBook>,
    user: SignedIn,
    PathText(order_id): PathText<String>,
    WantsJson(wants_json): WantsJson,
) -> Response {
    let Some(order) = own_order(&payments, &user, &order_id).await else {
        return not_found(&user, wants_json);
    };
    // The fulfilment's mark, not the payment state: an authorised order is ready to ship only
    // once its event was handled (and its confirmation written).
    let ready_to_ship = match orders.is_ready_to_ship(order.order_id.as_str()).await {
        Ok(ready) => ready,
        Err(e) => return order_book_unavailable(&e),
    };
    if wants_json {
        let fulfilment = if ready_to_ship {
            "ready_to_ship"
        } else {
            "not_ready"
        };
        let order = WithFulfilment {
            order: &order,
            fulfilment,
        };
        return json(200, order);
    }
    let goods = match orders.get(order.order_id.as_str()).await {
        Ok(goods) => goods,
        Err(e) => return order_book_unavailable(&e),
    };
    page(
        200,
        pages::order_page(&user.viewer(), &order, goods.as_ref(), ready_to_ship),
    )
}

/// `GET /orders`: the customer's orders.
pub(crate) async fn orders(
    State(payments): State<Payments>,
    State(orders): State<OrderBook>,
    user: SignedIn,
    WantsJson(wants_json): WantsJson,
) -> Response {
    let own = match orders.of_user(user.user.id).await {
        Ok(own) => own,
        Err(e) => return order_book_unavailable(&e),
    };
    let customer = match user.customer() {
        Ok(customer) => customer,
        Err(e) => return payment_error(&e.into()),
    };
    let mut list = Vec::new();
    for goods in own {
        if let Ok(order) = payments.order(&customer, &goods.order_id).await {
            list.push((order, Some(goods)));
        }
    }
    if wants_json {
        let orders: Vec<_> = list.iter().map(|(order, _)| order).collect();
        return json(200, json!({ "orders": orders }));
    }
    page(200, pages::orders_page(&user.viewer(), &list))
}

/// `GET /checkout/{order_id}`: the payment page (saved cards, a new card through token.js,
/// the instalments offered).
pub(crate) async fn checkout_page(
    State(payments): State<Payments>,
    State(orders): State<OrderBook>,
    State(card_form): State<CardFormConfig>,
    user: SignedIn,
    PathText(order_id): PathText<String>,
) -> Response {
    let Some(order) = own_order(&payments, &user, &order_id).await else {
        return not_found(&user, false);
    };
    let cards = match user.customer() {
        Ok(customer) => payments.cards(&customer).await.unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let goods = match orders.get(order.order_id.as_str()).await {
        Ok(goods) => goods,
        Err(e) => return order_book_unavailable(&e),
    };
    let offered = payments.payment_methods().offered();
    page(
        200,
        pages::checkout_page(
            &user.viewer(),
            &card_form,
            &order,
            goods.as_ref(),
            &cards,
            &offered,
        ),
    )
}
