//! The card-testing throttle (P5): exact window semantics on a manual clock, exact admission
//! under contention, IPv6 grouping, admin unlock, bounded memory.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use gmo_core::guard::{
    CardTestingThrottle, IpKey, Limit, ManualClock, Scope, ThrottleConfig, ThrottleKey, Throttled,
};

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
const NANO: Duration = Duration::from_nanos(1);

fn throttle(config: ThrottleConfig) -> (CardTestingThrottle, ManualClock) {
    let clock = ManualClock::new();
    let throttle = CardTestingThrottle::with_clock(config, Arc::new(clock.clone()));
    (throttle, clock)
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn fail(throttle: &CardTestingThrottle, customer: Option<&str>, ip: Option<IpAddr>) {
    throttle.try_begin_attempt(customer, ip).unwrap().failed();
}

#[test]
fn customer_window_admits_exactly_at_the_boundary() {
    let (throttle, clock) = throttle(ThrottleConfig::default());
    // Five failures, one a minute, at t = 0, 1, 2, 3, 4 min.
    for i in 0..5 {
        if i > 0 {
            clock.advance(MINUTE);
        }
        fail(&throttle, Some("m1"), None);
    }
    let refused = throttle.try_begin_attempt(Some("m1"), None).unwrap_err();
    assert_eq!(
        refused,
        Throttled {
            scope: Scope::Customer,
            retry_after: HOUR - 4 * MINUTE
        }
    );
    assert_eq!(throttle.check_attempt(Some("m1"), None), Err(refused));
    // One nanosecond before the first failure is an hour old: still blocked.
    clock.advance(HOUR - 4 * MINUTE - NANO);
    assert_eq!(
        throttle
            .check_attempt(Some("m1"), None)
            .unwrap_err()
            .retry_after,
        NANO
    );
    // At exactly one hour: admitted, and its failure blocks again until the second one expires.
    clock.advance(NANO);
    fail(&throttle, Some("m1"), None);
    assert_eq!(
        throttle
            .check_attempt(Some("m1"), None)
            .unwrap_err()
            .retry_after,
        MINUTE
    );
    // Other customers are unaffected.
    assert!(throttle.check_attempt(Some("m2"), None).is_ok());
}

#[test]
fn address_limit_spans_customers() {
    let (throttle, _clock) = throttle(ThrottleConfig::default());
    let addr = Some(ip("198.51.100.7"));
    for i in 0..10 {
        fail(&throttle, Some(&format!("member-{i}")), addr);
    }
    let refused = throttle
        .try_begin_attempt(Some("member-new"), addr)
        .unwrap_err();
    assert_eq!(refused.scope, Scope::Ip);
    assert_eq!(refused.retry_after, HOUR);
    assert_eq!(refused.code(), "too_many_attempts");
    assert_eq!(refused.to_string(), "too many attempts, try again later");
    assert_eq!(refused.retry_after_secs(), 3600);
    // Without an address only the customer counts; another address is free.
    assert!(throttle.check_attempt(Some("member-new"), None).is_ok());
    assert!(
        throttle
            .check_attempt(None, Some(ip("198.51.100.8")))
            .is_ok()
    );
}

#[test]
fn when_both_block_the_later_release_is_reported() {
    let (throttle, clock) = throttle(ThrottleConfig::default());
    let addr = Some(ip("192.0.2.1"));
    for i in 0..9 {
        fail(&throttle, Some(&format!("other-{i}")), addr);
    }
    clock.advance(10 * MINUTE);
    // m1's first failure from the same address is the address's tenth: the address blocks.
    fail(&throttle, Some("m1"), addr);
    let refused = throttle.check_attempt(Some("m1"), addr).unwrap_err();
    assert_eq!(refused.scope, Scope::Ip);
    assert_eq!(refused.retry_after, 50 * MINUTE);
    for _ in 0..4 {
        throttle.record_failure(Some("m1"), addr);
    }
    // The customer's block (from t = 10 min) outlasts the address's (from t = 0).
    let refused = throttle.check_attempt(Some("m1"), addr).unwrap_err();
    assert_eq!(refused.scope, Scope::Customer);
    assert_eq!(refused.retry_after, HOUR);
}

#[test]
fn ipv6_is_counted_per_64_and_mapped_ipv4_as_ipv4() {
    let (throttle, _clock) = throttle(ThrottleConfig::default());
    for i in 1..=10 {
        fail(&throttle, None, Some(ip(&format!("2001:db8:1:2::{i:x}"))));
    }
    let same_net = ip("2001:db8:1:2:ffff:ffff:ffff:ffff");
    assert_eq!(
        throttle
            .check_attempt(None, Some(same_net))
            .unwrap_err()
            .scope,
        Scope::Ip
    );
    assert!(
        throttle
            .check_attempt(None, Some(ip("2001:db8:1:3::1")))
            .is_ok()
    );

    for _ in 0..10 {
        fail(&throttle, None, Some(ip("::ffff:203.0.113.5")));
    }
    assert!(
        throttle
            .check_attempt(None, Some(ip("203.0.113.5")))
            .is_err()
    );

    // A configurable prefix: /48 groups 2001:db8:1:2:: with 2001:db8:1:3::.
    let mut config = ThrottleConfig::default();
    config.ipv6_prefix_len = 48;
    let (wide, _clock) = self::throttle(config);
    for i in 0..10u16 {
        fail(&wide, None, Some(ip(&format!("2001:db8:1:{i:x}::1"))));
    }
    assert!(
        wide.check_attempt(None, Some(ip("2001:db8:1:ffff::9")))
            .is_err()
    );
}

#[test]
fn new_cards_per_customer_with_exact_24_hours() {
    let (throttle, clock) = throttle(ThrottleConfig::default());
    for _ in 0..3 {
        throttle.try_acquire_new_card("m1").unwrap();
        clock.advance(HOUR);
    }
    let refused = throttle.try_acquire_new_card("m1").unwrap_err();
    assert_eq!(refused.scope, Scope::NewCards);
    assert_eq!(refused.retry_after, 21 * HOUR);
    assert_eq!(throttle.check_new_card("m1"), Err(refused));
    assert!(throttle.check_new_card("m2").is_ok());
    clock.advance(21 * HOUR - NANO);
    assert!(throttle.try_acquire_new_card("m1").is_err());
    clock.advance(NANO);
    assert!(throttle.try_acquire_new_card("m1").is_ok());
    assert!(throttle.try_acquire_new_card("m1").is_err());
}

#[test]
fn permits_count_failures_and_free_successes() {
    let mut config = ThrottleConfig::default();
    config.failures_per_customer = Some(Limit::new(2, HOUR));
    let (throttle, _clock) = throttle(config);
    // Attempts in flight take slots.
    let a = throttle.try_begin_attempt(Some("m"), None).unwrap();
    let b = throttle.try_begin_attempt(Some("m"), None).unwrap();
    assert_eq!(
        throttle
            .try_begin_attempt(Some("m"), None)
            .unwrap_err()
            .scope,
        Scope::Customer
    );
    // A success frees its slot and counts nothing.
    a.succeeded();
    b.succeeded();
    for _ in 0..10 {
        throttle
            .try_begin_attempt(Some("m"), None)
            .unwrap()
            .succeeded();
    }
    // A permit dropped unsettled counts as a failure (the request was cancelled midway).
    drop(throttle.try_begin_attempt(Some("m"), None).unwrap());
    // A 3-D Secure redirect: released now, failure learnt later.
    throttle
        .try_begin_attempt(Some("m"), None)
        .unwrap()
        .release();
    assert!(throttle.check_attempt(Some("m"), None).is_ok());
    throttle.record_failure(Some("m"), None);
    assert!(throttle.check_attempt(Some("m"), None).is_err());
}

#[test]
fn disabled_limits_and_missing_keys() {
    let mut config = ThrottleConfig::default();
    config.failures_per_customer = None;
    config.new_cards_per_customer = None;
    let (throttle, _clock) = throttle(config);
    for _ in 0..100 {
        fail(&throttle, Some("m"), None);
        throttle.try_acquire_new_card("m").unwrap();
    }
    assert!(throttle.check_attempt(Some("m"), None).is_ok());
    // With neither customer nor address there is nothing to count by.
    let (default, _clock) = self::throttle(ThrottleConfig::default());
    for _ in 0..100 {
        fail(&default, None, None);
        fail(&default, Some(""), None);
    }
    assert!(default.check_attempt(None, None).is_ok());
    assert_eq!(default.tracked_keys(), 0);
}

fn trials() -> usize {
    std::env::var("GMO_GUARD_RACE_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100)
}

/// Runs `attempt` on 64 threads released at once; returns how many it admitted.
fn race(attempt: impl Fn() -> bool + Sync) -> usize {
    let admitted = AtomicUsize::new(0);
    let start = Barrier::new(64);
    std::thread::scope(|scope| {
        for _ in 0..64 {
            scope.spawn(|| {
                start.wait();
                if attempt() {
                    admitted.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
    });
    admitted.into_inner()
}

#[test]
fn sixty_four_concurrent_attempts_admit_exactly_the_limit() {
    for _ in 0..trials() {
        let (throttle, _clock) = throttle(ThrottleConfig::default());
        let addr = Some(ip("2001:db8::1"));
        let admitted = race(|| match throttle.try_begin_attempt(Some("m"), addr) {
            Ok(permit) => {
                permit.failed();
                true
            }
            Err(_) => false,
        });
        assert_eq!(admitted, 5);
        // Same for an address alone, with customers all different.
        let (throttle, _clock) = self::throttle(ThrottleConfig::default());
        let next = AtomicUsize::new(0);
        let admitted = race(|| {
            let customer = format!("c{}", next.fetch_add(1, Ordering::SeqCst));
            throttle
                .try_begin_attempt(Some(&customer), addr)
                .map(|p| p.failed())
                .is_ok()
        });
        assert_eq!(admitted, 10);
        let admitted = race(|| throttle.try_acquire_new_card("m").is_ok());
        assert_eq!(admitted, 3);
    }
}

#[test]
fn admins_list_and_unlock_ipv4_and_ipv6() {
    let (throttle, clock) = throttle(ThrottleConfig::default());
    for _ in 0..10 {
        fail(&throttle, None, Some(ip("192.0.2.10")));
        fail(&throttle, None, Some(ip("2001:db8:5:6::1")));
    }
    for _ in 0..5 {
        fail(&throttle, Some("m1"), None);
    }
    for _ in 0..3 {
        throttle.try_acquire_new_card("m2").unwrap();
    }
    clock.advance(MINUTE);
    let locked: Vec<_> = throttle
        .locked()
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
    assert!(throttle.unlock_ip(ip("2001:db8:5:6:aaaa::1")));
    assert!(throttle.unlock(&ThrottleKey::Ip(IpKey::V4("192.0.2.10".parse().unwrap()))));
    assert!(throttle.unlock(&ThrottleKey::Customer("m1".to_owned())));
    assert!(throttle.unlock_customer("m2"));
    assert!(!throttle.unlock_customer("m2"));
    assert!(throttle.locked().is_empty());
    assert!(
        throttle
            .check_attempt(Some("m1"), Some(ip("2001:db8:5:6::1")))
            .is_ok()
    );
    assert!(throttle.try_acquire_new_card("m2").is_ok());
}

#[test]
fn memory_stays_bounded() {
    let mut config = ThrottleConfig::default();
    config.max_keys = 1_000;
    let (throttle, clock) = throttle(config);
    // 100,000 addresses and customers, each failing once.
    for i in 0..100_000u32 {
        let addr = IpAddr::from(i.to_be_bytes());
        throttle.record_failure(Some(&i.to_string()), Some(addr));
        assert!(throttle.tracked_keys() <= 2_000);
        clock.advance(Duration::from_millis(1));
    }
    // A key being attacked right now survives the churn.
    for _ in 0..5 {
        throttle.record_failure(Some("attacker"), None);
    }
    for i in 0..500u32 {
        clock.advance(Duration::from_millis(1));
        throttle.record_failure(Some(&format!("churn-{i}")), None);
    }
    assert!(throttle.check_attempt(Some("attacker"), None).is_err());
    // Once the window has passed, idle keys go as new ones come.
    clock.advance(HOUR);
    for i in 0..10u32 {
        throttle.record_failure(Some(&format!("late-{i}")), None);
    }
    throttle.record_failure(None, Some(ip("192.0.2.1")));
    assert_eq!(throttle.tracked_keys(), 10 + 1);
    assert!(throttle.locked().is_empty());
}
