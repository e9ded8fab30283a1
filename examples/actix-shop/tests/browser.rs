//! The actix shop in headless Chromium (skipped, with a printed line, where Chromium is absent
//! and `CI` is not set).

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_registration_and_checkout_in_chromium() {
    gmo_scenarios::scenarios::browser::card_registration_and_checkout_in_chromium::<
        gmo_scenarios::shops::ActixShop,
    >()
    .await;
}
