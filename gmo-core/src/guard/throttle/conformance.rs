//! The behaviour every [`ThrottleStore`] must show (feature `test-util`): run
//! [`two_instances_share_their_limits`] on two handles of a store, as gmo-sqlx's tests do on
//! two pools of one SQLite file or one PostgreSQL schema.
//!
//! ```no_run
//! # async fn run() {
//! use std::sync::Arc;
//! use gmo_core::guard::MemoryThrottleStore;
//! use gmo_core::guard::throttle::conformance::two_instances_share_their_limits;
//!
//! let store = Arc::new(MemoryThrottleStore::new(1_000));
//! two_instances_share_their_limits(store.clone(), store).await;
//! # }
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

use std::net::IpAddr;
use std::sync::Arc;

use super::{CardTestingThrottle, ManualClock, Scope, ThrottleConfig, ThrottleKey, ThrottleStore};

/// Runs `attempt(i)` for i in 0..64 on tasks released at once; returns how many it admitted.
pub async fn race<F, Fut>(attempt: F) -> usize
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = bool> + Send + 'static,
{
    let start = Arc::new(tokio::sync::Barrier::new(64));
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            let attempt = attempt(i);
            let start = Arc::clone(&start);
            tokio::spawn(async move {
                start.wait().await;
                attempt.await
            })
        })
        .collect();
    let mut admitted = 0;
    for task in tasks {
        admitted += usize::from(task.await.expect("an attempt task"));
    }
    admitted
}

/// Attempts of 64 tasks, half on each instance, that all fail: how many were admitted.
async fn failing_attempts(
    instances: &[CardTestingThrottle; 2],
    customer: impl Fn(usize) -> String,
    ip: Option<IpAddr>,
) -> usize {
    race(|i| {
        let throttle = instances[i % 2].clone();
        let customer = customer(i);
        async move {
            match throttle.try_begin_attempt(Some(&customer), ip).await {
                Ok(permit) => {
                    permit.failed().await;
                    true
                }
                Err(_) => false,
            }
        }
    })
    .await
}

/// The behaviour every [`ThrottleStore`] must show, on two instances (two throttles) over `a`
/// and `b`, two handles on one shared store (two pools on one database): 64 concurrent
/// attempts admit exactly the limit in total, each instance sees the other's locks, and an
/// unlock on one frees the key on the other. Panics on a failure.
pub async fn two_instances_share_their_limits(
    a: Arc<dyn ThrottleStore>,
    b: Arc<dyn ThrottleStore>,
) {
    let clock = ManualClock::new();
    let instance = |store| {
        CardTestingThrottle::with_store(ThrottleConfig::default(), store, Arc::new(clock.clone()))
    };
    let instances = [instance(a), instance(b)];
    let addr = Some(IpAddr::from([198, 51, 100, 20]));

    // One customer: 5 failures in total, whatever the instance.
    assert_eq!(failing_attempts(&instances, |_| "m".into(), None).await, 5);
    for throttle in &instances {
        let refused = throttle.check_attempt(Some("m"), None).await.unwrap_err();
        assert_eq!(refused.scope, Scope::Customer);
    }
    // One address, every attempt a new customer: 10 in total.
    assert_eq!(
        failing_attempts(&instances, |i| format!("c{i}"), addr).await,
        10
    );
    assert_eq!(
        instances[1]
            .check_attempt(Some("someone-new"), addr)
            .await
            .unwrap_err()
            .scope,
        Scope::Ip
    );
    // New cards: 3 in total.
    let admitted = race(|i| {
        let throttle = instances[i % 2].clone();
        async move { throttle.try_acquire_new_card("m2").await.is_ok() }
    })
    .await;
    assert_eq!(admitted, 3);

    // The admin on instance 0 sees the locks made on both, and unlocks them for both.
    let locked = instances[0].locked().await;
    let keys: Vec<String> = locked.iter().map(|l| l.key.to_string()).collect();
    assert!(keys.contains(&"customer m".to_owned()), "{keys:?}");
    assert!(keys.contains(&"customer m2".to_owned()), "{keys:?}");
    assert!(
        keys.contains(&"address 198.51.100.20".to_owned()),
        "{keys:?}"
    );
    assert!(
        instances[0]
            .unlock(&ThrottleKey::Customer("m".into()))
            .await
    );
    assert!(
        instances[0]
            .unlock_ip("198.51.100.20".parse().unwrap())
            .await
    );
    assert!(instances[1].check_attempt(Some("m"), addr).await.is_ok());
    assert!(instances[1].try_acquire_new_card("m2").await.is_err());
    assert!(instances[0].unlock_customer("m2").await);
    assert!(instances[1].try_acquire_new_card("m2").await.is_ok());

    // Successes free their slots; the window ends on time.
    for throttle in &instances {
        for _ in 0..10 {
            throttle
                .try_begin_attempt(Some("ok"), addr)
                .await
                .unwrap()
                .succeeded()
                .await;
        }
    }
    assert!(instances[0].check_attempt(Some("ok"), addr).await.is_ok());
    clock.advance(std::time::Duration::from_secs(24 * 3600));
    assert!(instances[0].locked().await.is_empty());
}
