//! Sliding-window counters, one per key, in a table of bounded size.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::time::{Duration, Instant};

use super::Limit;

/// What to answer when attempts in flight alone fill the limit: they end within seconds.
const IN_FLIGHT_RETRY: Duration = Duration::from_secs(1);

/// The events of one key within the window, oldest first (at most `limit.max` are kept: older
/// ones cannot change whether the key is blocked), and the attempts in flight.
#[derive(Debug)]
pub(super) struct Window {
    events: VecDeque<Instant>,
    in_flight: u32,
    last_touch: Instant,
}

impl Window {
    fn new(now: Instant) -> Self {
        Self {
            events: VecDeque::new(),
            in_flight: 0,
            last_touch: now,
        }
    }

    /// Forgets events `window` old or older: an event at `t` counts while `now < t + window`.
    fn expire(&mut self, now: Instant, limit: Limit) {
        while let Some(&first) = self.events.front() {
            if now.saturating_duration_since(first) >= limit.window {
                self.events.pop_front();
            } else {
                break;
            }
        }
    }

    fn is_idle(&mut self, now: Instant, limit: Limit) -> bool {
        self.expire(now, limit);
        self.events.is_empty() && self.in_flight == 0
    }

    /// `None` when one more attempt may start; else how long until one may.
    fn blocked(&mut self, now: Instant, limit: Limit) -> Option<Duration> {
        self.expire(now, limit);
        let events = u64::try_from(self.events.len()).unwrap_or(u64::MAX);
        let used = events.saturating_add(u64::from(self.in_flight));
        if used < u64::from(limit.max) {
            return None;
        }
        let Some(allowed_in_window) = limit.max.checked_sub(1) else {
            // A limit of 0 blocks everything.
            return Some(limit.window);
        };
        let Some(allowed_events) = allowed_in_window.checked_sub(self.in_flight) else {
            return Some(IN_FLIGHT_RETRY);
        };
        // Events that must expire before `used` falls below the limit; the last of them decides.
        let must_expire = self
            .events
            .len()
            .saturating_sub(usize::try_from(allowed_events).unwrap_or(0));
        let decisive = self.events.get(must_expire.saturating_sub(1)).copied();
        Some(decisive.map_or(IN_FLIGHT_RETRY, |t| {
            (t + limit.window).saturating_duration_since(now)
        }))
    }

    fn record(&mut self, now: Instant, limit: Limit) {
        self.expire(now, limit);
        self.events.push_back(now);
        let keep = usize::try_from(limit.max).unwrap_or(usize::MAX);
        while self.events.len() > keep {
            self.events.pop_front();
        }
        self.last_touch = now;
    }

    /// Events within the window.
    fn count(&self) -> u32 {
        u32::try_from(self.events.len()).unwrap_or(u32::MAX)
    }
}

/// One counter per key, with a limit, holding at most `max_keys` keys.
#[derive(Debug)]
pub(super) struct Table<K> {
    map: HashMap<K, Window>,
    limit: Limit,
    max_keys: usize,
    /// When idle keys were last swept out.
    last_sweep: Option<Instant>,
}

impl<K: Hash + Eq + Clone> Table<K> {
    pub(super) fn new(limit: Limit, max_keys: usize) -> Self {
        Self {
            map: HashMap::new(),
            limit,
            max_keys: max_keys.max(1),
            last_sweep: None,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether `key` may start one more attempt now; `Some(retry_after)` if not.
    pub(super) fn blocked(&mut self, key: &K, now: Instant) -> Option<Duration> {
        let Some(window) = self.map.get_mut(key) else {
            return (self.limit.max == 0).then_some(self.limit.window);
        };
        let blocked = window.blocked(now, self.limit);
        if window.is_idle(now, self.limit) {
            self.map.remove(key);
        }
        blocked
    }

    /// Counts one event for `key`.
    pub(super) fn record(&mut self, key: &K, now: Instant) {
        let limit = self.limit;
        self.window(key, now).record(now, limit);
    }

    /// Takes one slot for an attempt whose outcome is not known yet.
    pub(super) fn begin(&mut self, key: &K, now: Instant) {
        let window = self.window(key, now);
        window.in_flight = window.in_flight.saturating_add(1);
        window.last_touch = now;
    }

    /// Frees a slot taken by [`Table::begin`]; with `failed`, counts the failure in its place.
    pub(super) fn end(&mut self, key: &K, failed: bool, now: Instant) {
        if let Some(window) = self.map.get_mut(key) {
            window.in_flight = window.in_flight.saturating_sub(1);
        }
        if failed {
            self.record(key, now);
        } else if self
            .map
            .get_mut(key)
            .is_some_and(|w| w.is_idle(now, self.limit))
        {
            self.map.remove(key);
        }
    }

    pub(super) fn remove(&mut self, key: &K) -> bool {
        self.map.remove(key).is_some()
    }

    /// Every blocked key: its event count and how long until it may try again.
    pub(super) fn locked(&mut self, now: Instant) -> Vec<(K, u32, Duration)> {
        let limit = self.limit;
        self.map
            .iter_mut()
            .filter_map(|(key, window)| {
                let retry_after = window.blocked(now, limit)?;
                Some((key.clone(), window.count(), retry_after))
            })
            .collect()
    }

    fn window(&mut self, key: &K, now: Instant) -> &mut Window {
        if !self.map.contains_key(key) {
            // A sweep at most once per window keeps the table near the number of active keys at
            // a cost amortised over the window; a full table makes room at once.
            let sweep_due = self
                .last_sweep
                .is_none_or(|t| now.saturating_duration_since(t) >= self.limit.window);
            if sweep_due || self.map.len() >= self.max_keys {
                self.make_room(now);
            }
        }
        self.map
            .entry(key.clone())
            .or_insert_with(|| Window::new(now))
    }

    /// Drops idle keys; if the table is still full, the least recently touched eighth of it.
    fn make_room(&mut self, now: Instant) {
        let limit = self.limit;
        self.map.retain(|_, window| !window.is_idle(now, limit));
        self.last_sweep = Some(now);
        if self.map.len() < self.max_keys {
            return;
        }
        let evict = self.map.len() - self.max_keys + 1 + self.max_keys / 8;
        let mut by_age: Vec<(Instant, K)> = self
            .map
            .iter()
            .map(|(key, window)| (window.last_touch, key.clone()))
            .collect();
        if evict < by_age.len() {
            by_age.select_nth_unstable_by_key(evict, |(touched, _)| *touched);
            by_age.truncate(evict);
        }
        for (_, key) in by_age {
            self.map.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn blocks_at_the_limit_and_frees_at_the_exact_instant() {
        let t0 = Instant::now();
        let limit = Limit::new(2, MINUTE);
        let mut table = Table::new(limit, 10);
        table.record(&"k", t0);
        assert_eq!(table.blocked(&"k", t0), None);
        table.record(&"k", t0 + Duration::from_secs(10));
        assert_eq!(
            table.blocked(&"k", t0 + Duration::from_secs(10)),
            Some(Duration::from_secs(50))
        );
        assert_eq!(
            table.blocked(&"k", t0 + Duration::from_secs(59)),
            Some(Duration::from_secs(1))
        );
        assert_eq!(table.blocked(&"k", t0 + MINUTE), None);
    }

    #[test]
    fn in_flight_attempts_take_slots() {
        let t0 = Instant::now();
        let mut table = Table::new(Limit::new(2, MINUTE), 10);
        table.begin(&"k", t0);
        table.begin(&"k", t0);
        assert_eq!(table.blocked(&"k", t0), Some(IN_FLIGHT_RETRY));
        table.end(&"k", false, t0);
        assert_eq!(table.blocked(&"k", t0), None);
        table.end(&"k", true, t0);
        table.begin(&"k", t0);
        assert_eq!(table.blocked(&"k", t0), Some(MINUTE));
        table.end(&"k", false, t0);
        // Nothing is left behind once the failure expired.
        assert_eq!(table.blocked(&"k", t0 + MINUTE), None);
        assert_eq!(table.len(), 0);
    }

    #[test]
    fn a_zero_limit_blocks_everything() {
        let t0 = Instant::now();
        let mut table = Table::new(Limit::new(0, MINUTE), 10);
        assert_eq!(table.blocked(&"k", t0), Some(MINUTE));
        table.begin(&"k", t0);
        assert_eq!(table.blocked(&"k", t0), Some(MINUTE));
    }

    #[test]
    fn the_table_stays_bounded_and_keeps_recent_keys() {
        let t0 = Instant::now();
        let mut table = Table::new(Limit::new(3, MINUTE), 100);
        for i in 0..10_000u32 {
            table.record(&i, t0 + Duration::from_millis(u64::from(i)));
            assert!(table.len() <= 100);
        }
        // The newest key survived eviction.
        table.record(&9_999, t0 + Duration::from_secs(10));
        table.record(&9_999, t0 + Duration::from_secs(10));
        assert!(
            table
                .blocked(&9_999, t0 + Duration::from_secs(10))
                .is_some()
        );
    }
}
