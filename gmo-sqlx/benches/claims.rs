//! Compare-and-set claims per second under 64 concurrent tasks, for the memory store, SQLite
//! and PostgreSQL (when `GMO_TEST_DATABASE_URL` is set) in the same run.
//!
//! - `contended`: 64 tasks race to claim one order (`Prepared → Entering`); one wins, 63 get
//!   `Conflict` (an `UPDATE` that matches nothing, then a read).
//! - `uncontended`: 64 tasks each claim an order of their own; all 64 win.
//!
//! Throughput is in claims (elements) per second. Orders are inserted before the clock starts.
//! Every round checks its answers, so a store that lets two claims win fails the benchmark.

#![allow(clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use gmo_core::order::{Order, OrderState};
use gmo_core::store::conformance::{next, sample_order};
use gmo_core::store::{Inserted, MemoryStore, PaymentStore, Updated};

const TASKS: usize = 64;

fn claim_of(order: &Order) -> Order {
    next(order, OrderState::Entering)
}

async fn insert(store: &Arc<dyn PaymentStore>, order: &Order) {
    assert_eq!(
        store.insert_order(order).await.ok(),
        Some(Inserted::Created),
        "insert"
    );
}

/// Runs the claims concurrently, one task each; answers their results.
async fn race(store: &Arc<dyn PaymentStore>, claims: Vec<Order>) -> Vec<Updated> {
    let tasks: Vec<_> = claims
        .into_iter()
        .map(|claim| {
            let store = store.clone();
            tokio::spawn(async move { store.update_order(&claim, 0, &[]).await })
        })
        .collect();
    let mut answers = Vec::with_capacity(tasks.len());
    for task in tasks {
        answers.push(task.await.expect("claim task").expect("claim"));
    }
    answers
}

/// `rounds` rounds of 64 tasks claiming one order; the time spent claiming.
async fn contended(store: Arc<dyn PaymentStore>, rounds: u64) -> Duration {
    let mut spent = Duration::ZERO;
    for _ in 0..rounds {
        let order = sample_order();
        insert(&store, &order).await;
        let claims = vec![claim_of(&order); TASKS];
        let start = Instant::now();
        let answers = race(&store, claims).await;
        spent += start.elapsed();
        let winners = answers
            .iter()
            .filter(|a| matches!(a, Updated::Done))
            .count();
        assert_eq!(winners, 1, "one winner per order");
    }
    spent
}

/// `rounds` rounds of 64 tasks each claiming an order of its own; the time spent claiming.
async fn uncontended(store: Arc<dyn PaymentStore>, rounds: u64) -> Duration {
    let mut spent = Duration::ZERO;
    for _ in 0..rounds {
        let orders: Vec<Order> = (0..TASKS).map(|_| sample_order()).collect();
        for order in &orders {
            insert(&store, order).await;
        }
        let claims = orders.iter().map(claim_of).collect();
        let start = Instant::now();
        let answers = race(&store, claims).await;
        spent += start.elapsed();
        assert!(answers.iter().all(|a| matches!(a, Updated::Done)));
    }
    spent
}

fn claims(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let stores = runtime.block_on(async {
        let mut stores: Vec<(&str, Arc<dyn PaymentStore>)> = vec![
            ("memory", Arc::new(MemoryStore::new())),
            ("sqlite", Arc::new(support::sqlite_store().await)),
        ];
        if let Some(store) = support::postgres_store().await {
            stores.push(("postgres", Arc::new(store)));
        }
        stores
    });

    let mut group = c.benchmark_group("claims_by_64_tasks");
    group.throughput(Throughput::Elements(TASKS as u64));
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    for (name, store) in &stores {
        group.bench_function(BenchmarkId::new("contended", name), |b| {
            b.to_async(&runtime)
                .iter_custom(|rounds| contended(store.clone(), rounds));
        });
        group.bench_function(BenchmarkId::new("uncontended", name), |b| {
            b.to_async(&runtime)
                .iter_custom(|rounds| uncontended(store.clone(), rounds));
        });
    }
    group.finish();
}

criterion_group!(benches, claims);
criterion_main!(benches);
