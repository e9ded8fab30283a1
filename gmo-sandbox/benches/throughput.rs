//! Calls per second through HTTP: keep-alive reqwest clients, many calls in flight, the sandbox
//! and the clients sharing one tokio runtime (and, on a small machine, the same cores).
//!
//! `cargo bench -p gmo-sandbox`; criterion's `thrpt` line is the figure (elements = calls).
//!
//! On a shared machine the figure swings with the other processes' load. To measure the CPU a
//! call costs instead, run a fixed number of SearchTrade calls under `time`:
//! `GMO_SANDBOX_BENCH_CALLS=200000 /usr/bin/time cargo bench -p gmo-sandbox` (user + system time
//! divided by the calls is the CPU per call, client included; the cores divided by it, the
//! throughput of an idle machine).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gmo_core::wire::FormEncoder;
use gmo_sandbox::{DEFAULT_SHOP_ID, DEFAULT_SHOP_PASS, Sandbox};

/// Calls in flight at once (one keep-alive connection each).
const CONCURRENCY: u64 = 32;

fn form(fields: &[(&'static str, &str)]) -> String {
    let mut form = FormEncoder::new();
    for (k, v) in fields {
        form.push(k, v).unwrap();
    }
    form.finish()
}

/// Runs `iters` calls spread over [`CONCURRENCY`] tasks; `body(n)` is the body of call `n`.
async fn run(
    client: &reqwest::Client,
    url: &reqwest::Url,
    iters: u64,
    body: Arc<dyn Fn(u64) -> Bytes + Send + Sync>,
) -> Duration {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..CONCURRENCY {
        let calls = iters / CONCURRENCY + u64::from(worker < iters % CONCURRENCY);
        let client = client.clone();
        let url = url.clone();
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..calls {
                let answer = client
                    .post(url.clone())
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(body(worker))
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap();
                assert!(!answer.starts_with(b"ErrCode"), "{answer:?}");
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    started.elapsed()
}

fn throughput(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let sandbox = runtime.block_on(Sandbox::builder().spawn()).unwrap();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(usize::try_from(CONCURRENCY).unwrap())
        .build()
        .unwrap();
    let base = sandbox.base_url().to_owned();

    // One order to look up.
    let entry = format!("{base}/payment/EntryTran.idPass");
    let setup = form(&[
        ("ShopID", DEFAULT_SHOP_ID),
        ("ShopPass", DEFAULT_SHOP_PASS),
        ("OrderID", "bench-order"),
        ("JobCd", "AUTH"),
        ("Amount", "1000"),
    ]);
    runtime.block_on(async {
        client
            .post(&entry)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(setup)
            .send()
            .await
            .unwrap();
    });

    if let Some(calls) = std::env::var("GMO_SANDBOX_BENCH_CALLS")
        .ok()
        .and_then(|n| n.parse::<u64>().ok())
    {
        let url: reqwest::Url = format!("{base}/payment/SearchTrade.idPass")
            .parse()
            .unwrap();
        let body = Bytes::from(form(&[
            ("ShopID", DEFAULT_SHOP_ID),
            ("ShopPass", DEFAULT_SHOP_PASS),
            ("OrderID", "bench-order"),
        ]));
        let elapsed = runtime.block_on(run(&client, &url, calls, Arc::new(move |_| body.clone())));
        println!(
            "{calls} SearchTrade calls in {:.3} s: {:.0} calls/s",
            elapsed.as_secs_f64(),
            calls as f64 / elapsed.as_secs_f64()
        );
        return;
    }

    let mut group = c.benchmark_group("http");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(8));

    // URLs parsed once: the client's URL parsing is not what is measured.
    let search_url: reqwest::Url = format!("{base}/payment/SearchTrade.idPass")
        .parse()
        .unwrap();
    let search = form(&[
        ("ShopID", DEFAULT_SHOP_ID),
        ("ShopPass", DEFAULT_SHOP_PASS),
        ("OrderID", "bench-order"),
    ]);
    let search = Bytes::from(search);
    let search: Arc<dyn Fn(u64) -> Bytes + Send + Sync> = Arc::new(move |_| search.clone());
    group.bench_function("SearchTrade", |b| {
        b.iter_custom(|iters| runtime.block_on(run(&client, &search_url, iters, search.clone())));
    });

    // EntryTran: each call a new order (memory grows with the orders, as it should).
    let next_order = Arc::new(AtomicU64::new(0));
    let entry_url: reqwest::Url = entry.parse().unwrap();
    let entry_body: Arc<dyn Fn(u64) -> Bytes + Send + Sync> = Arc::new(move |_| {
        let n = next_order.fetch_add(1, Ordering::Relaxed);
        Bytes::from(form(&[
            ("ShopID", DEFAULT_SHOP_ID),
            ("ShopPass", DEFAULT_SHOP_PASS),
            ("OrderID", &format!("b-{n}")),
            ("JobCd", "AUTH"),
            ("Amount", "1000"),
        ]))
    });
    group.bench_function("EntryTran", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(run(&client, &entry_url, iters, entry_body.clone()))
        });
    });
    group.finish();
    runtime.block_on(sandbox.shutdown());
}

criterion_group!(benches, throughput);
criterion_main!(benches);
