//! The shop's own routes: each hands the request's head, body and path parameters to
//! `shop_common::routes` and answers its reply.

use actix_web::HttpResponse;
use actix_web::web::{Data, Path};
use shop_common::shop::Shop;

use crate::glue::{Answer, Head, ShopBody};
use crate::session::SignedIn;

/// `GET /`.
pub(crate) async fn home(shop: Data<Shop>, Head(head): Head) -> Answer {
    Answer(shop.home(&head))
}

/// `GET /signin`.
pub(crate) async fn sign_in_page(shop: Data<Shop>, Head(head): Head) -> Answer {
    Answer(shop.sign_in_page(&head))
}

/// `POST /signin`.
pub(crate) async fn sign_in(
    shop: Data<Shop>,
    Head(head): Head,
    ShopBody(body): ShopBody,
) -> Answer {
    Answer(shop.sign_in(&head, &body))
}

/// `POST /signout`.
pub(crate) async fn sign_out(shop: Data<Shop>, Head(head): Head) -> Answer {
    Answer(shop.sign_out(&head))
}

/// `GET /session`.
pub(crate) async fn session_info(shop: Data<Shop>, SignedIn(session): SignedIn) -> Answer {
    Answer(shop.session_info(&session))
}

/// `POST /orders`.
pub(crate) async fn create_order(
    shop: Data<Shop>,
    SignedIn(session): SignedIn,
    Head(head): Head,
    ShopBody(body): ShopBody,
) -> Answer {
    Answer(shop.create_order(&session, &head, &body).await)
}

/// `GET /orders/{order_id}`.
pub(crate) async fn order(
    shop: Data<Shop>,
    SignedIn(session): SignedIn,
    order_id: Path<String>,
    Head(head): Head,
) -> Answer {
    Answer(shop.order(&session, &head, &order_id).await)
}

/// `GET /orders`.
pub(crate) async fn orders(
    shop: Data<Shop>,
    SignedIn(session): SignedIn,
    Head(head): Head,
) -> Answer {
    Answer(shop.orders(&session, &head).await)
}

/// `GET /checkout/{order_id}`.
pub(crate) async fn checkout_page(
    shop: Data<Shop>,
    SignedIn(session): SignedIn,
    order_id: Path<String>,
) -> Answer {
    Answer(shop.checkout_page(&session, &order_id).await)
}

/// `GET /cards`.
pub(crate) async fn cards_page(
    shop: Data<Shop>,
    SignedIn(session): SignedIn,
    Head(head): Head,
) -> Answer {
    Answer(shop.cards_page(&session, &head).await)
}

/// `POST /account/close`.
pub(crate) async fn close_account(
    shop: Data<Shop>,
    SignedIn(session): SignedIn,
    Head(head): Head,
    ShopBody(body): ShopBody,
) -> Answer {
    Answer(shop.close_account(&session, &head, &body).await)
}

/// `GET /admin/orders`.
pub(crate) async fn admin_orders(
    shop: Data<Shop>,
    SignedIn(session): SignedIn,
    Head(head): Head,
) -> Answer {
    Answer(shop.admin_orders(&session, &head).await)
}

/// `GET /admin/metrics`.
pub(crate) async fn admin_metrics(
    shop: Data<Shop>,
    SignedIn(session): SignedIn,
    Head(head): Head,
) -> Answer {
    Answer(shop.admin_metrics(&session, &head))
}

/// `GET /admin/emails`.
pub(crate) async fn admin_emails(
    shop: Data<Shop>,
    SignedIn(session): SignedIn,
    Head(head): Head,
) -> Answer {
    Answer(shop.admin_emails(&session, &head).await)
}

/// `POST /admin/orders/{order_id}/{action}`.
pub(crate) async fn admin_action(
    shop: Data<Shop>,
    SignedIn(session): SignedIn,
    path: Path<(String, String)>,
    Head(head): Head,
    ShopBody(body): ShopBody,
) -> Answer {
    let (order_id, action) = path.into_inner();
    Answer(
        shop.admin_action(&session, &head, &order_id, &action, &body)
            .await,
    )
}

/// `GET /admin/charges`.
pub(crate) async fn admin_charge_page(
    shop: Data<Shop>,
    SignedIn(session): SignedIn,
    Head(head): Head,
) -> Answer {
    Answer(shop.admin_charge_page(&session, &head))
}

/// `POST /admin/charges`.
pub(crate) async fn admin_charge(
    shop: Data<Shop>,
    SignedIn(session): SignedIn,
    Head(head): Head,
    ShopBody(body): ShopBody,
) -> Answer {
    Answer(shop.admin_charge(&session, &head, &body).await)
}

/// `GET /assets/{name}`.
pub(crate) async fn asset(name: Path<String>) -> HttpResponse {
    match shop_common::routes::asset(&name) {
        Some(reply) => Answer(reply).into_response(),
        None => HttpResponse::NotFound().finish(),
    }
}
