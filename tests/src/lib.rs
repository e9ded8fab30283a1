//! # gmo-scenarios
//!
//! The example shops' behaviour, written once: a driver ([`driver::ShopUnderTest`], a
//! browser-like HTTP [`driver::Client`]), the steps of a shopper ([`shopping`]), the scenarios
//! ([`scenarios`]), a headless-Chromium harness ([`browser`]), a recording proxy ([`tap`]), the
//! check of a shop binary ([`binary`]) run as a process ([`process`]), several instances of it on
//! one PostgreSQL database ([`instances`], in a schema of the test's own: [`database`]), crashes
//! mid-flow settled by reconciliation ([`crash`]), both checked against the sandbox
//! ([`consistency`]), and the two example shops as shops under test ([`shops`]). A shop's test
//! file runs every scenario with one line:
//!
//! ```ignore
//! gmo_scenarios::scenario_tests!(gmo_scenarios::shops::ActixShop);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Scenarios are tests: a failed expectation panics with the context.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

pub mod binary;
pub mod browser;
pub mod consistency;
pub mod crash;
pub mod database;
pub mod driver;
pub mod instances;
pub mod late_commits;
pub mod logs;
pub mod process;
pub mod races;
pub mod scenarios;
pub mod services;
pub mod shopping;
pub mod shops;
pub mod tap;

/// Every scenario of [`scenarios`] but the comparison of two shops, the browser's included, as
/// a `#[tokio::test]` against `$shop` (a [`driver::ShopUnderTest`]), one test function each,
/// named after what it proves. The test crate needs `tokio` (with `macros` and
/// `rt-multi-thread`). A new scenario is added here, so that every shop runs it.
#[macro_export]
macro_rules! scenario_tests {
    ($shop:ty) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn every_test_card_ends_where_gmo_says() {
            $crate::scenarios::checkout::every_test_card::<$shop>().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn saved_cards_register_pay_and_delete() {
            $crate::scenarios::checkout::saved_cards::<$shop>().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn the_default_card_is_switched_and_preselected_at_checkout() {
            $crate::scenarios::cards::default_card::<$shop>().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_card_is_replaced_from_a_new_token() {
            $crate::scenarios::cards::replace_card::<$shop>().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn the_payment_account_is_closed_from_the_shop() {
            $crate::scenarios::cards::account_closure::<$shop>().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn another_customers_order_is_not_found() {
            $crate::scenarios::checkout::another_customers_order::<$shop>().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn prices_come_from_the_server() {
            $crate::scenarios::checkout::prices_come_from_the_server::<$shop>().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn instalments_are_paid_as_chosen_and_unoffered_ones_refused() {
            $crate::scenarios::checkout::instalments::<$shop>().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn three_ds_returns_forged_replayed_and_concurrent() {
            $crate::scenarios::three_ds::forged_replayed_and_concurrent_returns::<$shop>().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn malformed_bodies_get_clear_json_errors() {
            $crate::scenarios::input::malformed_bodies::<$shop>().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn card_numbers_are_refused_and_never_logged() {
            $crate::scenarios::input::card_numbers_are_refused_and_never_logged::<$shop>().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn card_numbers_in_every_shape_are_refused() {
            $crate::scenarios::input::card_numbers_in_every_shape_are_refused::<$shop>().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn card_testing_is_throttled() {
            $crate::scenarios::throttle::card_testing_is_throttled::<$shop>().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn declines_finalized_by_reconciliation_count() {
            $crate::scenarios::throttle::declines_finalized_by_reconciliation_count::<$shop>()
                .await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn posting_again_after_a_decline_costs_nothing() {
            $crate::scenarios::throttle::posting_again_after_a_decline_costs_nothing::<$shop>()
                .await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_shared_address_does_not_lock_out_clean_customers() {
            $crate::scenarios::throttle::a_shared_address_does_not_lock_out_clean_customers::<$shop>()
                .await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn admin_actions_and_notifications() {
            $crate::scenarios::admin::admin_actions_and_notifications::<$shop>().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn admin_refunds_a_part_and_changes_the_amount() {
            $crate::scenarios::admin::admin_refunds_a_part_and_changes_the_amount::<$shop>().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn admin_charges_a_default_card_once() {
            $crate::scenarios::admin::admin_charges_a_default_card_once::<$shop>().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn the_owner_reads_the_shop_s_metrics() {
            $crate::scenarios::admin::the_owner_reads_the_shop_s_metrics::<$shop>().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn paid_orders_are_confirmed_once_and_ready_to_ship() {
            $crate::scenarios::fulfilment::paid_orders_are_confirmed_once::<$shop>().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn payments_finalized_by_reconciliation_are_confirmed_once() {
            $crate::scenarios::fulfilment::payments_finalized_by_reconciliation_are_confirmed_once::<
                $shop,
            >()
            .await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn sign_in_is_same_origin_only() {
            $crate::scenarios::web_hygiene::sign_in_is_same_origin_only::<$shop>().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn session_cookies_are_secure_over_https() {
            $crate::scenarios::web_hygiene::session_cookies_are_secure_over_https::<$shop>().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn answers_with_tokens_are_never_cached() {
            $crate::scenarios::web_hygiene::answers_with_tokens_are_never_cached::<$shop>().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn the_owner_signs_in_with_the_admin_token_outside_the_demo() {
            $crate::scenarios::web_hygiene::the_owner_signs_in_with_the_admin_token_outside_the_demo::<
                $shop,
            >()
            .await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn an_idle_session_is_signed_out() {
            $crate::scenarios::web_hygiene::an_idle_session_is_signed_out::<$shop>().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn an_old_session_is_signed_out_however_busy() {
            $crate::scenarios::web_hygiene::an_old_session_is_signed_out_however_busy::<$shop>()
                .await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn signing_in_gives_a_new_session() {
            $crate::scenarios::web_hygiene::signing_in_gives_a_new_session::<$shop>().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn signing_out_ends_the_session_for_a_copied_cookie() {
            $crate::scenarios::web_hygiene::signing_out_ends_the_session_for_a_copied_cookie::<
                $shop,
            >()
            .await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn card_registration_and_checkout_in_chromium() {
            $crate::scenarios::browser::card_registration_and_checkout_in_chromium::<$shop>().await;
        }
    };
}
