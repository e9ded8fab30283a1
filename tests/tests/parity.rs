//! axum-shop and actix-shop answer alike: the same requests to both, the same answers
//! (`gmo_scenarios::scenarios::parity`). A difference between the frameworks fails here.

use gmo_scenarios::shops::{ActixShop, AxumShop};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_shop_and_actix_shop_answer_alike() {
    gmo_scenarios::scenarios::parity::both_shops_answer_alike::<AxumShop, ActixShop>().await;
}
