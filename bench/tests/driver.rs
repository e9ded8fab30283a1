//! The load driver against real shops (in process, memory store): a handful of checkouts at
//! concurrency 2 end authorised at the shop and at GMO, with each GMO call made once. No
//! timing is asserted.

use std::sync::Arc;

use gmo_bench::checkout::{Driver, GMO_CALLS_PER_CHECKOUT, Target};
use gmo_bench::load::{self, Until};
use gmo_sandbox::Api;
use gmo_scenarios::driver::{RunningShop, ShopOptions, ShopUnderTest};
use gmo_scenarios::shops::{ActixShop, AxumShop};

async fn checkouts_end_where_gmo_says<S: ShopUnderTest>() {
    let shop = RunningShop::start::<S>(ShopOptions::default()).await;
    // As in the benchmark: no result notifications (each would add a SearchTrade).
    shop.sandbox.set_notify_url(None);
    let driver = Arc::new(Driver::new(shop.sandbox.base_url()).expect("a driver"));
    let before = driver.calls_by_order().await.expect("the sandbox's calls");
    let target = Arc::new(Target::Shop(shop.url.clone()));
    let run = load::run(driver.clone(), target, "test", Until::Count(6), 2).await;
    assert!(run.errors.is_empty(), "{:?}", run.errors);
    assert_eq!(run.ok.len(), 6);
    let verification = driver.verify(&run.ok, &before, 6).await.expect("verified");
    assert!(verification.is_clean(), "{verification:?}");
    // The same, seen through the sandbox's library handle.
    for checkout in &run.ok {
        let transaction = shop
            .sandbox
            .transaction(&checkout.order_id)
            .expect("the order is at GMO");
        assert!(matches!(transaction.status, gmo_core::values::Status::Auth));
        assert_eq!(
            shop.sandbox.calls_for_order(&checkout.order_id),
            GMO_CALLS_PER_CHECKOUT
        );
    }
    assert_eq!(shop.sandbox.calls(Api::SecureTran2), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_shop_checkouts_end_where_gmo_says() {
    checkouts_end_where_gmo_says::<AxumShop>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actix_shop_checkouts_end_where_gmo_says() {
    checkouts_end_where_gmo_says::<ActixShop>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_checkouts_are_the_same_gmo_calls() {
    let sandbox = gmo_scenarios::driver::sandbox_builder()
        .spawn()
        .await
        .expect("a sandbox");
    let driver = Arc::new(Driver::new(sandbox.base_url()).expect("a driver"));
    let before = driver.calls_by_order().await.expect("the sandbox's calls");
    let run = load::run(
        driver.clone(),
        Arc::new(Target::Direct),
        "direct",
        Until::Count(4),
        2,
    )
    .await;
    assert!(run.errors.is_empty(), "{:?}", run.errors);
    let verification = driver.verify(&run.ok, &before, 4).await.expect("verified");
    assert!(verification.is_clean(), "{verification:?}");
    for api in [Api::EntryTran, Api::ExecTran, Api::SecureTran2] {
        assert_eq!(sandbox.calls(api), 4, "{api:?}");
    }
}

/// The open loop starts checkouts on their schedule, whatever is in flight, and every one is
/// verified like a closed-loop level's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_loop_checkouts_end_where_gmo_says() {
    let shop = RunningShop::start::<AxumShop>(ShopOptions::default()).await;
    shop.sandbox.set_notify_url(None);
    let driver = Arc::new(Driver::new(shop.sandbox.base_url()).expect("a driver"));
    let before = driver.calls_by_order().await.expect("the sandbox's calls");
    let target = Arc::new(Target::Shop(shop.url.clone()));
    let run = load::run_open(
        driver.clone(),
        target,
        "open",
        20.0,
        std::time::Duration::from_millis(400),
        4,
    )
    .await;
    assert!(run.errors.is_empty(), "{:?}", run.errors);
    assert_eq!(run.started, 8);
    assert_eq!(run.ok.len(), 8);
    assert!(run.concurrency >= 1);
    let verification = driver.verify(&run.ok, &before, 8).await.expect("verified");
    assert!(verification.is_clean(), "{verification:?}");
}
