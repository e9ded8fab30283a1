//! The shop scenarios (gmo-scenarios) against the axum shop, in process, over real HTTP.

mod support;

use gmo_scenarios::scenarios::{admin, checkout, input, three_ds, throttle};
use support::AxumShop;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_test_card_ends_where_gmo_says() {
    checkout::every_test_card::<AxumShop>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_cards_register_pay_and_delete() {
    checkout::saved_cards::<AxumShop>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_customers_order_is_not_found() {
    checkout::another_customers_order::<AxumShop>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prices_come_from_the_server() {
    checkout::prices_come_from_the_server::<AxumShop>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_ds_returns_forged_replayed_and_concurrent() {
    three_ds::forged_replayed_and_concurrent_returns::<AxumShop>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_bodies_get_clear_json_errors() {
    input::malformed_bodies::<AxumShop>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_numbers_are_refused_and_never_logged() {
    input::card_numbers_are_refused_and_never_logged::<AxumShop>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_testing_is_throttled() {
    throttle::card_testing_is_throttled::<AxumShop>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_actions_and_notifications() {
    admin::admin_actions_and_notifications::<AxumShop>().await;
}
