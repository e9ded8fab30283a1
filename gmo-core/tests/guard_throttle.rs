//! The card-testing throttle (P5): exact window semantics on a manual clock, exact admission
//! under contention, IPv6 grouping, admin unlock, bounded memory.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use gmo_core::guard::throttle::conformance::{race, two_instances_share_their_limits};
use gmo_core::guard::{
    CardTestingThrottle, IpKey, Limit, ManualClock, MemoryThrottleStore, Scope, ThrottleConfig,
    ThrottleKey, Throttled,
};

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
/// The throttle counts in milliseconds.
const MS: Duration = Duration::from_millis(1);

fn throttle(config: ThrottleConfig) -> (CardTestingThrottle, ManualClock) {
    let clock = ManualClock::new();
    let throttle = CardTestingThrottle::with_clock(config, Arc::new(clock.clone()));
    (throttle, clock)
}

/// A throttle over a memory store the test can look into.
fn in_memory(
    config: ThrottleConfig,
) -> (CardTestingThrottle, ManualClock, Arc<MemoryThrottleStore>) {
    let clock = ManualClock::new();
    let store = Arc::new(MemoryThrottleStore::new(config.max_keys));
    let throttle = CardTestingThrottle::with_store(config, store.clone(), Arc::new(clock.clone()));
    (throttle, clock, store)
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

async fn fail(throttle: &CardTestingThrottle, customer: Option<&str>, ip: Option<IpAddr>) {
    throttle
        .try_begin_attempt(customer, ip)
        .await
        .unwrap()
        .failed()
        .await;
}

#[tokio::test]
async fn customer_window_admits_exactly_at_the_boundary() {
    let (throttle, clock) = throttle(ThrottleConfig::default());
    // Five failures, one a minute, at t = 0, 1, 2, 3, 4 min.
    for i in 0..5 {
        if i > 0 {
            clock.advance(MINUTE);
        }
        fail(&throttle, Some("m1"), None).await;
    }
    let refused = throttle
        .try_begin_attempt(Some("m1"), None)
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        Throttled {
            scope: Scope::Customer,
            retry_after: HOUR - 4 * MINUTE
        }
    );
    assert_eq!(throttle.check_attempt(Some("m1"), None).await, Err(refused));
    // One millisecond before the first failure is an hour old: still blocked.
    clock.advance(HOUR - 4 * MINUTE - MS);
    assert_eq!(
        throttle
            .check_attempt(Some("m1"), None)
            .await
            .unwrap_err()
            .retry_after,
        MS
    );
    // At exactly one hour: admitted, and its failure blocks again until the second one expires.
    clock.advance(MS);
    fail(&throttle, Some("m1"), None).await;
    assert_eq!(
        throttle
            .check_attempt(Some("m1"), None)
            .await
            .unwrap_err()
            .retry_after,
        MINUTE
    );
    // Other customers are unaffected.
    assert!(throttle.check_attempt(Some("m2"), None).await.is_ok());
}

#[tokio::test]
async fn address_limit_spans_customers() {
    let (throttle, _clock) = throttle(ThrottleConfig::default());
    let addr = Some(ip("198.51.100.7"));
    for i in 0..10 {
        fail(&throttle, Some(&format!("member-{i}")), addr).await;
    }
    let refused = throttle
        .try_begin_attempt(Some("member-new"), addr)
        .await
        .unwrap_err();
    assert_eq!(refused.scope, Scope::Ip);
    assert_eq!(refused.retry_after, HOUR);
    assert_eq!(refused.code(), "too_many_attempts");
    assert_eq!(refused.to_string(), "too many attempts, try again later");
    assert_eq!(refused.retry_after_secs(), 3600);
    // Without an address only the customer counts; another address is free.
    assert!(
        throttle
            .check_attempt(Some("member-new"), None)
            .await
            .is_ok()
    );
    assert!(
        throttle
            .check_attempt(None, Some(ip("198.51.100.8")))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn when_both_block_the_later_release_is_reported() {
    let (throttle, clock) = throttle(ThrottleConfig::default());
    let addr = Some(ip("192.0.2.1"));
    for i in 0..9 {
        fail(&throttle, Some(&format!("other-{i}")), addr).await;
    }
    clock.advance(10 * MINUTE);
    // m1's first failure from the same address is the address's tenth: the address blocks.
    fail(&throttle, Some("m1"), addr).await;
    let refused = throttle.check_attempt(Some("m1"), addr).await.unwrap_err();
    assert_eq!(refused.scope, Scope::Ip);
    assert_eq!(refused.retry_after, 50 * MINUTE);
    for _ in 0..4 {
        throttle.record_failure(Some("m1"), addr).await;
    }
    // The customer's block (from t = 10 min) outlasts the address's (from t = 0).
    let refused = throttle.check_attempt(Some("m1"), addr).await.unwrap_err();
    assert_eq!(refused.scope, Scope::Customer);
    assert_eq!(refused.retry_after, HOUR);
}

#[tokio::test]
async fn ipv6_is_counted_per_64_and_mapped_ipv4_as_ipv4() {
    let (throttle, _clock) = throttle(ThrottleConfig::default());
    for i in 1..=10 {
        fail(&throttle, None, Some(ip(&format!("2001:db8:1:2::{i:x}")))).await;
    }
    let same_net = ip("2001:db8:1:2:ffff:ffff:ffff:ffff");
    assert_eq!(
        throttle
            .check_attempt(None, Some(same_net))
            .await
            .unwrap_err()
            .scope,
        Scope::Ip
    );
    assert!(
        throttle
            .check_attempt(None, Some(ip("2001:db8:1:3::1")))
            .await
            .is_ok()
    );

    for _ in 0..10 {
        fail(&throttle, None, Some(ip("::ffff:203.0.113.5"))).await;
    }
    assert!(
        throttle
            .check_attempt(None, Some(ip("203.0.113.5")))
            .await
            .is_err()
    );

    // A configurable prefix: /48 groups 2001:db8:1:2:: with 2001:db8:1:3::.
    let mut config = ThrottleConfig::default();
    config.ipv6_prefix_len = 48;
    let (wide, _clock) = self::throttle(config);
    for i in 0..10u16 {
        fail(&wide, None, Some(ip(&format!("2001:db8:1:{i:x}::1")))).await;
    }
    assert!(
        wide.check_attempt(None, Some(ip("2001:db8:1:ffff::9")))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn new_cards_per_customer_with_exact_24_hours() {
    let (throttle, clock) = throttle(ThrottleConfig::default());
    for _ in 0..3 {
        throttle.try_acquire_new_card("m1").await.unwrap();
        clock.advance(HOUR);
    }
    let refused = throttle.try_acquire_new_card("m1").await.unwrap_err();
    assert_eq!(refused.scope, Scope::NewCards);
    assert_eq!(refused.retry_after, 21 * HOUR);
    assert_eq!(throttle.check_new_card("m1").await, Err(refused));
    assert!(throttle.check_new_card("m2").await.is_ok());
    clock.advance(21 * HOUR - MS);
    assert!(throttle.try_acquire_new_card("m1").await.is_err());
    clock.advance(MS);
    assert!(throttle.try_acquire_new_card("m1").await.is_ok());
    assert!(throttle.try_acquire_new_card("m1").await.is_err());
}

#[tokio::test]
async fn permits_count_failures_and_free_successes() {
    let mut config = ThrottleConfig::default();
    config.failures_per_customer = Some(Limit::new(2, HOUR));
    let (throttle, _clock) = throttle(config);
    // Attempts in flight take slots.
    let a = throttle.try_begin_attempt(Some("m"), None).await.unwrap();
    let b = throttle.try_begin_attempt(Some("m"), None).await.unwrap();
    assert_eq!(
        throttle
            .try_begin_attempt(Some("m"), None)
            .await
            .unwrap_err()
            .scope,
        Scope::Customer
    );
    // A success frees its slot and counts nothing.
    a.succeeded().await;
    b.succeeded().await;
    for _ in 0..10 {
        throttle
            .try_begin_attempt(Some("m"), None)
            .await
            .unwrap()
            .succeeded()
            .await;
    }
    // A permit dropped unsettled counts as a failure (the request was cancelled midway).
    drop(throttle.try_begin_attempt(Some("m"), None).await.unwrap());
    // A 3-D Secure redirect: released now, failure learnt later.
    throttle
        .try_begin_attempt(Some("m"), None)
        .await
        .unwrap()
        .release()
        .await;
    assert!(throttle.check_attempt(Some("m"), None).await.is_ok());
    throttle.record_failure(Some("m"), None).await;
    assert!(throttle.check_attempt(Some("m"), None).await.is_err());
}

#[tokio::test]
async fn disabled_limits_and_missing_keys() {
    let mut config = ThrottleConfig::default();
    config.failures_per_customer = None;
    config.new_cards_per_customer = None;
    let (throttle, _clock) = throttle(config);
    for _ in 0..100 {
        fail(&throttle, Some("m"), None).await;
        throttle.try_acquire_new_card("m").await.unwrap();
    }
    assert!(throttle.check_attempt(Some("m"), None).await.is_ok());
    // With neither customer nor address there is nothing to count by.
    let (default, _clock, store) = in_memory(ThrottleConfig::default());
    for _ in 0..100 {
        fail(&default, None, None).await;
        fail(&default, Some(""), None).await;
    }
    assert!(default.check_attempt(None, None).await.is_ok());
    assert_eq!(store.tracked_keys(), 0);
}

fn trials() -> usize {
    std::env::var("GMO_GUARD_RACE_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_concurrent_attempts_admit_exactly_the_limit() {
    for _ in 0..trials() {
        let (throttle, _clock) = throttle(ThrottleConfig::default());
        let addr = Some(ip("2001:db8::1"));
        let admitted = race(|_| {
            let throttle = throttle.clone();
            async move {
                match throttle.try_begin_attempt(Some("m"), addr).await {
                    Ok(permit) => {
                        permit.failed().await;
                        true
                    }
                    Err(_) => false,
                }
            }
        })
        .await;
        assert_eq!(admitted, 5);
        // Same for an address alone, with customers all different.
        let (throttle, _clock) = self::throttle(ThrottleConfig::default());
        let admitted = race(|i| {
            let throttle = throttle.clone();
            async move {
                match throttle
                    .try_begin_attempt(Some(&format!("c{i}")), addr)
                    .await
                {
                    Ok(permit) => {
                        permit.failed().await;
                        true
                    }
                    Err(_) => false,
                }
            }
        })
        .await;
        assert_eq!(admitted, 10);
        let admitted = race(|_| {
            let throttle = throttle.clone();
            async move { throttle.try_acquire_new_card("m").await.is_ok() }
        })
        .await;
        assert_eq!(admitted, 3);
    }
}

#[tokio::test]
async fn a_shared_address_blocks_a_clean_customer_only_when_several_failed_there() {
    let (throttle, _clock) = throttle(ThrottleConfig::default());
    let office = Some(ip("203.0.113.77"));
    // Two customers fill the address limit (10) with their declines.
    for _ in 0..5 {
        fail(&throttle, Some("a"), office).await;
        fail(&throttle, Some("b"), office).await;
    }
    // Both are blocked; a customer whose own attempts are clean is not, nor are the others.
    assert!(throttle.check_attempt(Some("a"), office).await.is_err());
    for clean in ["c", "d", "e"] {
        assert!(
            throttle.check_attempt(Some(clean), office).await.is_ok(),
            "{clean}"
        );
    }
    // Attempts without a customer are blocked: they cannot be told apart.
    assert_eq!(
        throttle
            .check_attempt(None, office)
            .await
            .unwrap_err()
            .scope,
        Scope::Ip
    );
    // A third customer fails there: the address is over its limit from several customers.
    fail(&throttle, Some("c"), office).await;
    assert_eq!(
        throttle
            .check_attempt(Some("d"), office)
            .await
            .unwrap_err()
            .scope,
        Scope::Ip
    );
    // With ip_lock_min_customers = 1, the address blocks everyone at its limit.
    let mut config = ThrottleConfig::default();
    config.ip_lock_min_customers = 1;
    let (strict, _clock) = self::throttle(config);
    for _ in 0..5 {
        fail(&strict, Some("a"), office).await;
        fail(&strict, Some("b"), office).await;
    }
    assert!(strict.check_attempt(Some("c"), office).await.is_err());
}

#[tokio::test]
async fn admins_list_and_unlock_ipv4_and_ipv6() {
    let (throttle, clock) = throttle(ThrottleConfig::default());
    for _ in 0..10 {
        fail(&throttle, None, Some(ip("192.0.2.10"))).await;
        fail(&throttle, None, Some(ip("2001:db8:5:6::1"))).await;
    }
    for _ in 0..5 {
        fail(&throttle, Some("m1"), None).await;
    }
    for _ in 0..3 {
        throttle.try_acquire_new_card("m2").await.unwrap();
    }
    clock.advance(MINUTE);
    let locked: Vec<_> = throttle
        .locked()
        .await
        .into_iter()
        .map(|l| (l.key.to_string(), l.scope, l.count, l.retry_after))
        .collect();
    assert_eq!(
        locked,
        vec![
            ("customer m1".to_owned(), Scope::Customer, 5, HOUR - MINUTE),
            (
                "customer m2".to_owned(),
                Scope::NewCards,
                3,
                24 * HOUR - MINUTE
            ),
            (
                "address 192.0.2.10".to_owned(),
                Scope::Ip,
                10,
                HOUR - MINUTE
            ),
            (
                "address 2001:db8:5:6::/64".to_owned(),
                Scope::Ip,
                10,
                HOUR - MINUTE
            ),
        ]
    );
    // Unlock an IPv6 network by any address in it, the IPv4 address by its key.
    assert!(throttle.unlock_ip(ip("2001:db8:5:6:aaaa::1")).await);
    assert!(
        throttle
            .unlock(&ThrottleKey::Ip(IpKey::V4("192.0.2.10".parse().unwrap())))
            .await
    );
    assert!(
        throttle
            .unlock(&ThrottleKey::Customer("m1".to_owned()))
            .await
    );
    assert!(throttle.unlock_customer("m2").await);
    assert!(!throttle.unlock_customer("m2").await);
    assert!(throttle.locked().await.is_empty());
    assert!(
        throttle
            .check_attempt(Some("m1"), Some(ip("2001:db8:5:6::1")))
            .await
            .is_ok()
    );
    assert!(throttle.try_acquire_new_card("m2").await.is_ok());
}

#[tokio::test]
async fn memory_stays_bounded() {
    let mut config = ThrottleConfig::default();
    config.max_keys = 1_000;
    let (throttle, clock, store) = in_memory(config);
    // 100,000 addresses and customers, each failing once.
    for i in 0..100_000u32 {
        let addr = IpAddr::from(i.to_be_bytes());
        throttle
            .record_failure(Some(&i.to_string()), Some(addr))
            .await;
        assert!(store.tracked_keys() <= 1_000);
        clock.advance(Duration::from_millis(1));
    }
    // A key being attacked right now survives the churn.
    for _ in 0..5 {
        throttle.record_failure(Some("attacker"), None).await;
    }
    for i in 0..500u32 {
        clock.advance(Duration::from_millis(1));
        throttle
            .record_failure(Some(&format!("churn-{i}")), None)
            .await;
    }
    assert!(
        throttle
            .check_attempt(Some("attacker"), None)
            .await
            .is_err()
    );
    // Once the window has passed, idle keys go as new ones come.
    clock.advance(HOUR);
    for i in 0..10u32 {
        throttle
            .record_failure(Some(&format!("late-{i}")), None)
            .await;
    }
    throttle.record_failure(None, Some(ip("192.0.2.1"))).await;
    assert_eq!(store.tracked_keys(), 10 + 1);
    assert!(throttle.locked().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_memory_store() {
    let store = Arc::new(MemoryThrottleStore::new(1_000));
    two_instances_share_their_limits(store.clone(), store).await;
}
