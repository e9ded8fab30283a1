//! Orders: creating one (priced by the shop), the checkout page, an order's page and status,
//! the customer's order history.

use actix_web::HttpResponse;
use actix_web::web::{Data, Path};
use gmo_core::flow::{OrderSummary, PrepareOrder};
use gmo_core::values::{Amount, OrderId};
use gmo_core::web::ErrorResponse;
use serde_json::json;
use shop_common::catalogue::{OrderRequestError, order_line};
use shop_common::orders::ShopOrder;
use shop_common::pages;

use crate::extract::{FormOrJson, WantsJson};
use crate::respond;
use crate::signed_in::SignedIn;
use crate::state::AppState;

/// An order's JSON with `fulfilment`: `ready_to_ship` once its payment event was handled, else
/// `not_ready`.
#[derive(serde::Serialize)]
struct WithFulfilment<'a> {
    #[serde(flatten)]
    order: &'a OrderSummary,
    fulfilment: &'static str,
}

/// `POST /orders` with `product` and `quantity`: an order priced by the shop, then its
/// checkout (`201` with `checkout_url` for JSON).
pub(crate) async fn create_order(
    state: Data<AppState>,
    user: SignedIn,
    WantsJson(wants_json): WantsJson,
    body: FormOrJson,
) -> HttpResponse {
    let fields = match body.fields() {
        Ok(fields) => fields,
        Err(refused) => return respond::error(&refused),
    };
    let line = match order_line(fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
        Ok(line) => line,
        Err(e) => {
            let status = match e {
                OrderRequestError::UnknownProduct => 404,
                _ => 400,
            };
            return respond::error(&ErrorResponse::new(status, e.code(), e.to_string()));
        }
    };
    let prepared = async {
        let amount = Amount::new(line.total_yen())?;
        // The customer's e-mail and address help the issuer approve without a challenge.
        let risk_data = user.user.risk_data()?;
        let order = PrepareOrder::new(user.customer().clone(), amount).risk_data(risk_data);
        state.payments.prepare_order(order).await
    }
    .await;
    let order = match prepared {
        Ok(order) => order,
        Err(e) => return respond::payment_error(&e),
    };
    let goods = ShopOrder {
        order_id: order.order_id.clone(),
        user_id: user.user.id,
        line,
    };
    if let Err(e) = state.orders.insert(goods).await {
        return respond::order_book_unavailable(&e);
    }
    let checkout = format!("/checkout/{}", order.order_id.as_str());
    if wants_json {
        let body = json!({
            "order_id": order.order_id,
            "amount": order.amount,
            "state": order.state,
            "checkout_url": checkout,
        });
        return respond::json(201, &body);
    }
    respond::redirect(&checkout)
}

/// The customer's own order, or `None` (not found, not theirs, or not an order id).
pub(crate) async fn own_order(
    state: &AppState,
    user: &SignedIn,
    order_id: &str,
) -> Option<OrderSummary> {
    let order_id = OrderId::new(order_id).ok()?;
    state.payments.order(user.customer(), &order_id).await.ok()
}

/// `GET /orders/{order_id}`: the completion page after 3-D Secure, and the order's status.
pub(crate) async fn order(
    state: Data<AppState>,
    user: SignedIn,
    order_id: Path<String>,
    WantsJson(wants_json): WantsJson,
) -> HttpResponse {
    let Some(order) = own_order(&state, &user, &order_id).await else {
        return respond::not_found(&user, wants_json);
    };
    // The fulfilment's mark, not the payment state: an authorised order is ready to ship only
    // once its event was handled (and its confirmation written).
    let ready_to_ship = match state.orders.is_ready_to_ship(order.order_id.as_str()).await {
        Ok(ready) => ready,
        Err(e) => return respond::order_book_unavailable(&e),
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
        return respond::json(200, &order);
    }
    let goods = match state.orders.get(order.order_id.as_str()).await {
        Ok(goods) => goods,
        Err(e) => return respond::order_book_unavailable(&e),
    };
    let page = pages::order_page(&user.viewer(), &order, goods.as_ref(), ready_to_ship);
    respond::page(200, page)
}

/// `GET /orders`: the customer's orders.
pub(crate) async fn orders(
    state: Data<AppState>,
    user: SignedIn,
    WantsJson(wants_json): WantsJson,
) -> HttpResponse {
    let own = match state.orders.of_user(user.user.id).await {
        Ok(own) => own,
        Err(e) => return respond::order_book_unavailable(&e),
    };
    let mut list = Vec::new();
    for goods in own {
        if let Ok(order) = state.payments.order(user.customer(), &goods.order_id).await {
            list.push((order, Some(goods)));
        }
    }
    if wants_json {
        let orders: Vec<_> = list.iter().map(|(order, _)| order).collect();
        return respond::json(200, &json!({ "orders": orders }));
    }
    respond::page(200, pages::orders_page(&user.viewer(), &list))
}

/// `GET /checkout/{order_id}`: the payment page, with the saved cards and the card form.
pub(crate) async fn checkout_page(
    state: Data<AppState>,
    user: SignedIn,
    order_id: Path<String>,
) -> HttpResponse {
    let Some(order) = own_order(&state, &user, &order_id).await else {
        return respond::not_found(&user, false);
    };
    let cards = state
        .payments
        .cards(user.customer())
        .await
        .unwrap_or_default();
    let goods = match state.orders.get(order.order_id.as_str()).await {
        Ok(goods) => goods,
        Err(e) => return respond::order_book_unavailable(&e),
    };
    let page = pages::checkout_page(
        &user.viewer(),
        &state.card_form,
        &order,
        goods.as_ref(),
        &cards,
        &state.payments.payment_methods().offered(),
    );
    respond::page(200, page)
}
