//! The shop's own handlers: pages, sign-in, order creation (the price is the shop's), order
//! history and admin actions. Pages answer HTML; with `Accept: application/json` (or a JSON
//! body) the same routes answer JSON, so the shop can be driven over plain HTTP.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use gmo_axum::ApiError;
use gmo_core::PaymentError;
use gmo_core::customer::CustomerId;
use gmo_core::flow::{OrderSummary, PrepareOrder};
use gmo_core::types::OrderId;
use gmo_core::values::Amount;
use serde_json::json;
use shop_common::catalogue::{OrderRequestError, order_line};
use shop_common::html::Viewer;
use shop_common::orders::ShopOrder;
use shop_common::pages;
use shop_common::sessions::{self, Session};

use crate::ShopState;
use crate::session::{MaybeSignedIn, SignedIn, json_error, session_of, wants_json};

fn viewer(session: &Session) -> Viewer<'_> {
    Viewer {
        user: Some(session.user),
        csrf_token: Some(&session.csrf_token),
    }
}

fn page(status: StatusCode, html: String) -> Response {
    (status, Html(html)).into_response()
}

fn customer(session: &Session) -> CustomerId {
    // The demo users' ids are short lowercase words.
    CustomerId::new(session.user.id).unwrap_or_else(|_| unreachable!("a valid customer id"))
}

fn not_found(session: &Session, json: bool) -> Response {
    if json {
        return ApiError::new(PaymentError::NotFound).into_response();
    }
    page(
        StatusCode::NOT_FOUND,
        pages::error_page(&viewer(session), "Not found", "There is no such order."),
    )
}

/// A body the shop's own routes cannot read: status, code, message.
struct Unreadable(u16, &'static str, &'static str);

impl IntoResponse for Unreadable {
    fn into_response(self) -> Response {
        json_error(self.0, self.1, self.2)
    }
}

/// The fields of a form or JSON object body, as text pairs.
fn fields(headers: &HeaderMap, body: &[u8]) -> Result<Vec<(String, String)>, Unreadable> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type.starts_with("application/json") {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) else {
            return Err(Unreadable(
                400,
                "malformed_body",
                "the body must be a JSON object",
            ));
        };
        return Ok(map
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Number(n) => n.to_string(),
                    _ => String::new(),
                };
                (k, v)
            })
            .collect());
    }
    if content_type.starts_with("application/x-www-form-urlencoded") || body.is_empty() {
        return Ok(form_urlencoded::parse(body).into_owned().collect());
    }
    Err(Unreadable(
        415,
        "unsupported_media_type",
        "send a form or a JSON object",
    ))
}

/// `GET /`.
pub(crate) async fn home(MaybeSignedIn(session): MaybeSignedIn) -> Response {
    let viewer = session.as_ref().map(viewer).unwrap_or_default();
    page(StatusCode::OK, pages::products_page(&viewer))
}

/// `GET /signin`.
pub(crate) async fn sign_in_page(MaybeSignedIn(session): MaybeSignedIn) -> Response {
    let viewer = session.as_ref().map(viewer).unwrap_or_default();
    page(StatusCode::OK, pages::signin_page(&viewer))
}

/// `POST /signin` with `user=<id>`: a new session.
pub(crate) async fn sign_in(
    State(state): State<ShopState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = match fields(&headers, &body) {
        Ok(fields) => fields,
        Err(unreadable) => return unreadable.into_response(),
    };
    let user = fields
        .iter()
        .find(|(k, _)| k == "user")
        .map(|(_, v)| v.as_str());
    let Some((id, session)) = user.and_then(|u| state.sessions.sign_in(u)) else {
        return json_error(400, "unknown_user", "there is no such user");
    };
    if let Some((old, _)) = session_of(&headers, &state) {
        state.sessions.sign_out(&old);
    }
    let cookie = [(header::SET_COOKIE, sessions::set_cookie(&id))];
    if wants_json(&headers) {
        let body = json!({
            "user": session.user.id,
            "name": session.user.name,
            "admin": session.user.admin,
            "csrf_token": session.csrf_token,
        });
        return (cookie, Json(body)).into_response();
    }
    (cookie, Redirect::to("/")).into_response()
}

/// `POST /signout`.
pub(crate) async fn sign_out(State(state): State<ShopState>, headers: HeaderMap) -> Response {
    if let Some((id, _)) = session_of(&headers, &state) {
        state.sessions.sign_out(&id);
    }
    let cookie = [(header::SET_COOKIE, sessions::clear_cookie())];
    (cookie, Redirect::to("/signin")).into_response()
}

/// `GET /session`: who is signed in, and the CSRF token for scripts.
pub(crate) async fn session_info(SignedIn { session }: SignedIn) -> Response {
    Json(json!({
        "user": session.user.id,
        "name": session.user.name,
        "admin": session.user.admin,
        "csrf_token": session.csrf_token,
    }))
    .into_response()
}

/// `POST /orders` with `product` and `quantity`: an order priced by the shop.
pub(crate) async fn create_order(
    State(state): State<ShopState>,
    SignedIn { session }: SignedIn,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = match fields(&headers, &body) {
        Ok(fields) => fields,
        Err(unreadable) => return unreadable.into_response(),
    };
    let line = match order_line(fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
        Ok(line) => line,
        Err(e) => {
            let status = match e {
                OrderRequestError::UnknownProduct => StatusCode::NOT_FOUND,
                _ => StatusCode::BAD_REQUEST,
            };
            let answer =
                gmo_core::http::ErrorResponse::new(status.as_u16(), e.code(), e.to_string());
            return (
                status,
                [(header::CONTENT_TYPE, "application/json")],
                answer.to_json(),
            )
                .into_response();
        }
    };
    let prepared = async {
        let amount = Amount::new(line.total_yen())?;
        state
            .payments
            .prepare_order(PrepareOrder::new(customer(&session), amount))
            .await
    }
    .await;
    let order = match prepared {
        Ok(order) => order,
        Err(e) => return ApiError::new(e).into_response(),
    };
    state.orders.insert(ShopOrder {
        order_id: order.order_id.clone(),
        user_id: session.user.id,
        line,
    });
    let checkout = format!("/checkout/{}", order.order_id.as_str());
    if wants_json(&headers) {
        let body = json!({
            "order_id": order.order_id,
            "amount": order.amount,
            "state": order.state,
            "checkout_url": checkout,
        });
        return (StatusCode::CREATED, Json(body)).into_response();
    }
    Redirect::to(&checkout).into_response()
}

/// The customer's own order, or `None` (not found, not theirs, or not an order id).
async fn own_order(state: &ShopState, session: &Session, order_id: &str) -> Option<OrderSummary> {
    let order_id = OrderId::new(order_id).ok()?;
    state
        .payments
        .order(&customer(session), &order_id)
        .await
        .ok()
}

/// `GET /orders/{order_id}`: the completion page after 3-D Secure, and the order's status.
pub(crate) async fn order(
    State(state): State<ShopState>,
    SignedIn { session }: SignedIn,
    Path(order_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let json = wants_json(&headers);
    let Some(order) = own_order(&state, &session, &order_id).await else {
        return not_found(&session, json);
    };
    if json {
        return Json(order).into_response();
    }
    let goods = state.orders.get(order.order_id.as_str());
    page(
        StatusCode::OK,
        pages::order_page(&viewer(&session), &order, goods.as_ref()),
    )
}

/// `GET /orders`: the customer's orders.
pub(crate) async fn orders(
    State(state): State<ShopState>,
    SignedIn { session }: SignedIn,
    headers: HeaderMap,
) -> Response {
    let mut list = Vec::new();
    for goods in state.orders.of_user(session.user.id) {
        if let Ok(order) = state
            .payments
            .order(&customer(&session), &goods.order_id)
            .await
        {
            list.push((order, Some(goods)));
        }
    }
    if wants_json(&headers) {
        let orders: Vec<_> = list.iter().map(|(o, _)| o).collect();
        return Json(json!({ "orders": orders })).into_response();
    }
    page(StatusCode::OK, pages::orders_page(&viewer(&session), &list))
}

/// `GET /checkout/{order_id}`: the payment page.
pub(crate) async fn checkout_page(
    State(state): State<ShopState>,
    SignedIn { session }: SignedIn,
    Path(order_id): Path<String>,
) -> Response {
    let Some(order) = own_order(&state, &session, &order_id).await else {
        return not_found(&session, false);
    };
    let cards = state
        .payments
        .cards(&customer(&session))
        .await
        .unwrap_or_default();
    let goods = state.orders.get(order.order_id.as_str());
    page(
        StatusCode::OK,
        pages::checkout_page(
            &viewer(&session),
            &state.card_form,
            &order,
            goods.as_ref(),
            &cards,
        ),
    )
}

/// The query of `GET /cards`.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct CardsQuery {
    registered: Option<String>,
}

/// `GET /cards`: saved cards and the form to add one; `?registered=<order>` after 3-D Secure.
pub(crate) async fn cards_page(
    State(state): State<ShopState>,
    SignedIn { session }: SignedIn,
    Query(query): Query<CardsQuery>,
) -> Response {
    let cards = state
        .payments
        .cards(&customer(&session))
        .await
        .unwrap_or_default();
    let registered = match &query.registered {
        Some(id) => own_order(&state, &session, id).await,
        None => None,
    };
    page(
        StatusCode::OK,
        pages::cards_page(
            &viewer(&session),
            &state.card_form,
            &cards,
            registered.as_ref(),
        ),
    )
}

/// `GET /admin/orders`: every order (admins only; others get 404).
pub(crate) async fn admin_orders(
    State(state): State<ShopState>,
    SignedIn { session }: SignedIn,
    headers: HeaderMap,
) -> Response {
    let json = wants_json(&headers);
    if !session.user.admin {
        return not_found(&session, json);
    }
    let mut list = Vec::new();
    for goods in state.orders.all() {
        if let Ok(order) = state.payments.order_for_admin(&goods.order_id).await {
            list.push((order, goods));
        }
    }
    if json {
        let orders: Vec<_> = list
            .iter()
            .map(|(o, g)| json!({"order": o, "customer": g.user_id}))
            .collect();
        return Json(json!({ "orders": orders })).into_response();
    }
    page(StatusCode::OK, pages::admin_page(&viewer(&session), &list))
}

/// `POST /admin/orders/{order_id}/{capture|void|refund}` (admins only).
pub(crate) async fn admin_action(
    State(state): State<ShopState>,
    SignedIn { session }: SignedIn,
    Path((order_id, action)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let json = wants_json(&headers);
    if !session.user.admin {
        return not_found(&session, json);
    }
    let Ok(order_id) = OrderId::new(order_id) else {
        return not_found(&session, json);
    };
    let payments = &state.payments;
    let result = match action.as_str() {
        "capture" => payments.capture(&order_id).await,
        "void" => payments.void(&order_id).await,
        "refund" => payments.refund(&order_id).await,
        _ => return not_found(&session, json),
    };
    match (result, json) {
        (Ok(order), true) => Json(order).into_response(),
        (Ok(_), false) => Redirect::to("/admin/orders").into_response(),
        (Err(e), true) => ApiError::new(e).into_response(),
        (Err(e), false) => {
            let answer = gmo_core::http::ErrorResponse::from_payment_error(&e, Default::default());
            page(
                StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::BAD_REQUEST),
                pages::error_page(&viewer(&session), "Not done", answer.message()),
            )
        }
    }
}

/// `GET /assets/card-form.js`.
pub(crate) async fn card_form_js() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/javascript; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        shop_common::assets::CARD_FORM_JS,
    )
        .into_response()
}

/// `GET /assets/style.css`.
pub(crate) async fn style_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        shop_common::assets::STYLE_CSS,
    )
        .into_response()
}
