//! The shop's own routes: each hands the request's head, body and path parameters to
//! `shop_common::routes` and answers its reply.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::ShopState;
use crate::glue::{Answer, Head, ShopBody, param};
use shop_common::sessions::Session;

/// `GET /`.
pub(crate) async fn home(State(state): State<ShopState>, Head(head): Head) -> Answer {
    Answer(state.shop.home(&head))
}

/// `GET /signin`.
pub(crate) async fn sign_in_page(State(state): State<ShopState>, Head(head): Head) -> Answer {
    Answer(state.shop.sign_in_page(&head))
}

/// `POST /signin`.
pub(crate) async fn sign_in(
    State(state): State<ShopState>,
    Head(head): Head,
    ShopBody(body): ShopBody,
) -> Answer {
    Answer(state.shop.sign_in(&head, &body))
}

/// `POST /signout`.
pub(crate) async fn sign_out(State(state): State<ShopState>, Head(head): Head) -> Answer {
    Answer(state.shop.sign_out(&head))
}

/// `GET /session`.
pub(crate) async fn session_info(State(state): State<ShopState>, session: Session) -> Answer {
    Answer(state.shop.session_info(&session))
}

/// `POST /orders`.
pub(crate) async fn create_order(
    State(state): State<ShopState>,
    session: Session,
    Head(head): Head,
    ShopBody(body): ShopBody,
) -> Answer {
    Answer(state.shop.create_order(&session, &head, &body).await)
}

/// `GET /orders/{order_id}`.
pub(crate) async fn order(
    State(state): State<ShopState>,
    session: Session,
    order_id: Result<Path<String>, PathRejection>,
    Head(head): Head,
) -> Answer {
    Answer(state.shop.order(&session, &head, &param(order_id)).await)
}

/// `GET /orders`.
pub(crate) async fn orders(
    State(state): State<ShopState>,
    session: Session,
    Head(head): Head,
) -> Answer {
    Answer(state.shop.orders(&session, &head).await)
}

/// `GET /checkout/{order_id}`.
pub(crate) async fn checkout_page(
    State(state): State<ShopState>,
    session: Session,
    order_id: Result<Path<String>, PathRejection>,
) -> Answer {
    Answer(state.shop.checkout_page(&session, &param(order_id)).await)
}

/// `GET /cards`.
pub(crate) async fn cards_page(
    State(state): State<ShopState>,
    session: Session,
    Head(head): Head,
) -> Answer {
    Answer(state.shop.cards_page(&session, &head).await)
}

/// `POST /account/close`.
pub(crate) async fn close_account(
    State(state): State<ShopState>,
    session: Session,
    Head(head): Head,
    ShopBody(body): ShopBody,
) -> Answer {
    Answer(state.shop.close_account(&session, &head, &body).await)
}

/// `GET /admin/orders`.
pub(crate) async fn admin_orders(
    State(state): State<ShopState>,
    session: Session,
    Head(head): Head,
) -> Answer {
    Answer(state.shop.admin_orders(&session, &head).await)
}

/// `GET /admin/metrics`.
pub(crate) async fn admin_metrics(
    State(state): State<ShopState>,
    session: Session,
    Head(head): Head,
) -> Answer {
    Answer(state.shop.admin_metrics(&session, &head))
}

/// `GET /admin/emails`.
pub(crate) async fn admin_emails(
    State(state): State<ShopState>,
    session: Session,
    Head(head): Head,
) -> Answer {
    Answer(state.shop.admin_emails(&session, &head).await)
}

/// `POST /admin/orders/{order_id}/{action}`.
pub(crate) async fn admin_action(
    State(state): State<ShopState>,
    session: Session,
    path: Result<Path<(String, String)>, PathRejection>,
    Head(head): Head,
    ShopBody(body): ShopBody,
) -> Answer {
    let (order_id, action) = param(path);
    Answer(
        state
            .shop
            .admin_action(&session, &head, &order_id, &action, &body)
            .await,
    )
}

/// `GET /admin/charges`.
pub(crate) async fn admin_charge_page(
    State(state): State<ShopState>,
    session: Session,
    Head(head): Head,
) -> Answer {
    Answer(state.shop.admin_charge_page(&session, &head))
}

/// `POST /admin/charges`.
pub(crate) async fn admin_charge(
    State(state): State<ShopState>,
    session: Session,
    Head(head): Head,
    ShopBody(body): ShopBody,
) -> Answer {
    Answer(state.shop.admin_charge(&session, &head, &body).await)
}

/// `GET /assets/{name}`.
pub(crate) async fn asset(name: Result<Path<String>, PathRejection>) -> Response {
    match shop_common::routes::asset(&param(name)) {
        Some(reply) => Answer(reply).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
