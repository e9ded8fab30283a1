//! The products page and the page assets.

use actix_web::HttpResponse;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::web::Path;
use shop_common::{assets, pages};

use crate::respond;
use crate::signed_in::{SignedIn, viewer};

/// `GET /`: the products.
pub(crate) async fn home(user: Option<SignedIn>) -> HttpResponse {
    respond::page(200, pages::products_page(&viewer(user.as_ref())))
}

/// `GET /assets/{name}`: `card-form.js` (which drives GMO's token.js) and the style sheet,
/// revalidated on each use.
pub(crate) async fn asset(name: Path<String>) -> HttpResponse {
    let (content_type, body) = match name.as_str() {
        "card-form.js" => (
            "application/javascript; charset=utf-8",
            assets::CARD_FORM_JS,
        ),
        "style.css" => ("text/css; charset=utf-8", assets::STYLE_CSS),
        _ => return HttpResponse::NotFound().finish(),
    };
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type))
        .insert_header((CACHE_CONTROL, "no-cache"))
        .body(body)
}
