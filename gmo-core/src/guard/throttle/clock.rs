//! Where the throttle reads the time: the system's clock, or a hand-driven one in tests.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A clock. The throttle counts in [`Clock::unix_millis`]: the wall clock, so that instances
/// sharing a store agree on the time (keep their clocks synchronised, as NTP does).
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant; never earlier than a previous answer.
    fn now(&self) -> Instant;

    /// The current time in milliseconds since the Unix epoch.
    fn unix_millis(&self) -> i64;
}

fn system_unix_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The system's monotonic clock ([`Instant::now`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn unix_millis(&self) -> i64 {
        system_unix_millis()
    }
}

/// A clock that moves only when told to, for tests. Clones share the same time.
///
/// ```
/// use std::time::Duration;
/// use gmo_core::guard::{Clock, ManualClock};
///
/// let clock = ManualClock::new();
/// let start = clock.now();
/// clock.advance(Duration::from_secs(90));
/// assert_eq!(clock.now() - start, Duration::from_secs(90));
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    origin: Instant,
    origin_unix_millis: i64,
    elapsed_nanos: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock standing at an arbitrary instant.
    pub fn new() -> Self {
        Self {
            origin: Instant::now(),
            origin_unix_millis: system_unix_millis(),
            elapsed_nanos: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let nanos = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        // fetch_update never fails with a closure that always answers Some.
        let _ = self
            .elapsed_nanos
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                Some(n.saturating_add(nanos))
            });
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.origin + Duration::from_nanos(self.elapsed_nanos.load(Ordering::SeqCst))
    }

    fn unix_millis(&self) -> i64 {
        let elapsed = i64::try_from(self.elapsed_nanos.load(Ordering::SeqCst) / 1_000_000)
            .unwrap_or(i64::MAX);
        self.origin_unix_millis.saturating_add(elapsed)
    }
}
