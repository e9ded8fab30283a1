//! What the client adds to a GMO round trip: `GmoClient` calls against the sandbox on loopback,
//! beside a bare baseline in the same run (a plain reqwest form POST with the same connection
//! reuse, the answer decoded with encoding_rs and split on `&` and `=`).
//!
//! Target (issue 8): the client within 1.2× of the baseline.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use encoding_rs::SHIFT_JIS;
use gmo_core::api::{EntryTran, SearchTrade};
use gmo_core::values::Amount;
use gmo_core::values::{OrderId, ShopId};
use gmo_core::{Environment, GmoClient, ShopPass};
use gmo_sandbox::Sandbox;

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (sandbox, client, order_id) = runtime.block_on(async {
        let sandbox = Sandbox::builder().spawn().await.unwrap();
        let client = GmoClient::builder(Environment::Custom(sandbox.base_url().into()))
            .shop(
                ShopId::new(sandbox.shop_id()).unwrap(),
                ShopPass::new(sandbox.shop_pass()),
            )
            .build()
            .unwrap();
        let order_id = OrderId::new("bench-order-1").unwrap();
        client
            .send(&EntryTran::auth(
                order_id.clone(),
                Amount::new(1000).unwrap(),
            ))
            .await
            .unwrap();
        (sandbox, client, order_id)
    });
    let url = format!("{}/payment/SearchTrade.idPass", sandbox.base_url());
    let body = format!(
        "ShopID={}&ShopPass={}&OrderID={}",
        sandbox.shop_id(),
        sandbox.shop_pass(),
        order_id
    );
    let bare = reqwest::Client::new();

    let mut group = c.benchmark_group("SearchTrade round trip");
    group.bench_function("GmoClient", |b| {
        b.to_async(&runtime).iter(|| async {
            let trade = client
                .send(&SearchTrade::new(order_id.clone()))
                .await
                .unwrap();
            black_box(trade);
        });
    });
    group.bench_function("baseline (reqwest + split)", |b| {
        b.to_async(&runtime).iter(|| async {
            let bytes = bare
                .post(&url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.clone())
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            let (text, _, _) = SHIFT_JIS.decode(&bytes);
            let pairs: Vec<(String, String)> = text
                .split('&')
                .filter_map(|p| p.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            black_box(pairs);
        });
    });
    group.finish();
    drop(sandbox);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
