//! The pages anyone may see: the products and the sign-in.

use axum::extract::State;
use axum::response::Response;
use shop_common::pages;
use shop_common::signin::SignInPolicy;

use super::page;
use crate::session::MaybeSignedIn;

/// `GET /`: the products.
pub(crate) async fn home(viewer: MaybeSignedIn) -> Response {
    page(200, pages::products_page(&viewer.viewer()))
}

/// `GET /signin`: the users to choose from (the owner only in the demo; outside it, the
/// owner's sign-in with the operator's token when one is set).
pub(crate) async fn sign_in_page(
    State(policy): State<SignInPolicy>,
    viewer: MaybeSignedIn,
) -> Response {
    page(
        200,
        pages::signin_page(
            &viewer.viewer(),
            policy.offers_owner(),
            policy.takes_admin_token(),
        ),
    )
}
