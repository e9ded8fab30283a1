//! Where the throttle keeps its counts: [`ThrottleStore`], in memory for one process
//! ([`MemoryThrottleStore`], the default) or in a database the instances share (gmo-sqlx's
//! SQLite and PostgreSQL stores, or the merchant's own).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;

use super::{Scope, Throttled};

/// One counted event of a key: a failure, or an attempt in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleEvent {
    /// When it happened, in milliseconds since the Unix epoch by the throttle's clock.
    pub at_ms: i64,
    /// The customer it was for, when known (on address keys: so that a lockout by address can
    /// tell customers apart).
    pub subject: Option<String>,
    /// An attempt in flight: counted as one, and as a failure unless its permit says otherwise.
    pub pending: bool,
}

/// The events of one key that [`ThrottleStore::admit`] reads: those of `scope`/`key` after
/// `since_ms` (an event at `t` counts while `now < t + window`, so `since_ms = now - window`
/// is excluded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventQuery {
    /// Which limit.
    pub scope: Scope,
    /// Whose: a customer id, or an address key as [`IpKey`](super::IpKey) displays it.
    pub key: String,
    /// The start of the window (excluded), in milliseconds since the Unix epoch.
    pub since_ms: i64,
}

/// The decision [`ThrottleStore::admit`] asks for, given the events of each queried key (in
/// query order): `Ok` adds the new event to every key.
pub type Decide<'a> = dyn Fn(&[Vec<ThrottleEvent>]) -> Result<(), Throttled> + Send + Sync + 'a;

/// A store failed (a database error); the throttle then refuses card attempts for a few
/// seconds ("fail closed") and logs it.
#[derive(Debug, thiserror::Error)]
#[error("the throttle store failed: {0}")]
pub struct ThrottleStoreError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// Where the throttle's windows and locks live. Implement it over a database that every
/// instance of the app shares, and limits hold across instances (gmo-sqlx has SQLite and
/// PostgreSQL ones); [`MemoryThrottleStore`] is the default, for one process.
///
/// Events are kept per key (`scope` and `key`). The one operation that must be atomic is
/// [`admit`](ThrottleStore::admit): read, decide, write, with no other `admit` on the same keys
/// in between, from any instance (a database transaction with a lock per key), so that
/// concurrent attempts on several instances cannot admit more than the limit. Times are given
/// by the throttle (its clock), never read from the store.
#[async_trait]
pub trait ThrottleStore: Send + Sync + std::fmt::Debug {
    /// Atomically: reads the events of each key of `keys`, calls `decide` with them, and when
    /// it answers `Ok`, adds `event` to every key and answers the new events' ids (one per key,
    /// in order). A refusal of `decide` is answered as is, with nothing written.
    async fn admit(
        &self,
        keys: &[EventQuery],
        event: &ThrottleEvent,
        decide: &Decide<'_>,
    ) -> Result<Result<Vec<i64>, Throttled>, ThrottleStoreError>;

    /// Reads the events of each key, as `admit` would (no lock needed).
    async fn events(
        &self,
        keys: &[EventQuery],
    ) -> Result<Vec<Vec<ThrottleEvent>>, ThrottleStoreError>;

    /// Ends events in flight: with `failed`, each becomes a failure at `now_ms`; else it is
    /// removed. Ids no longer stored are ignored.
    async fn settle(
        &self,
        ids: &[i64],
        failed: bool,
        now_ms: i64,
    ) -> Result<(), ThrottleStoreError>;

    /// Removes every event of `scope`/`key` (an admin's unlock); whether there was any.
    async fn remove(&self, scope: Scope, key: &str) -> Result<bool, ThrottleStoreError>;

    /// Every key of `scope` with events after `since_ms`, with those events (the admin's list
    /// of locks); events older may be deleted on the way.
    async fn keys(
        &self,
        scope: Scope,
        since_ms: i64,
    ) -> Result<Vec<(String, Vec<ThrottleEvent>)>, ThrottleStoreError>;
}

/// The throttle's counts in this process's memory: the default, for one instance.
///
/// It keeps at most `max_keys` keys (default 65,536, [`ThrottleConfig::max_keys`](super::ThrottleConfig::max_keys)):
/// events older than the window are dropped when their key is read, and when the store is full
/// the least recently touched eighth of it is evicted. Several processes each keep their own
/// counts: behind a load balancer, use a shared store.
#[derive(Debug)]
pub struct MemoryThrottleStore {
    max_keys: usize,
    state: Mutex<MemoryState>,
}

#[derive(Debug, Default)]
struct MemoryState {
    next_id: i64,
    keys: HashMap<(Scope, String), Entry>,
    /// The length of each scope's window, as last admitted.
    windows: HashMap<Scope, i64>,
    /// When idle keys were last swept out.
    last_sweep_ms: Option<i64>,
}

#[derive(Debug, Default)]
struct Entry {
    events: Vec<(i64, ThrottleEvent)>,
    touched: u64,
}

impl MemoryThrottleStore {
    /// A store of at most `max_keys` keys.
    pub fn new(max_keys: usize) -> Self {
        Self {
            max_keys: max_keys.max(1),
            state: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, MemoryState> {
        // Nothing panics while the lock is held; if something did, the counts are still sound.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keys held (for metrics, and to see that memory stays bounded).
    pub fn tracked_keys(&self) -> usize {
        self.lock().keys.len()
    }
}

impl MemoryState {
    fn read(&mut self, query: &EventQuery) -> Vec<ThrottleEvent> {
        let id = (query.scope, query.key.clone());
        let Some(entry) = self.keys.get_mut(&id) else {
            return Vec::new();
        };
        entry.events.retain(|(_, e)| e.at_ms > query.since_ms);
        if entry.events.is_empty() {
            self.keys.remove(&id);
            return Vec::new();
        }
        entry.events.iter().map(|(_, e)| e.clone()).collect()
    }

    /// Drops the keys with nothing left in their window, at most once per window: the cost is
    /// spread over the window, and the store stays near the number of active keys.
    fn sweep(&mut self, now_ms: i64, since_ms: i64) {
        if self.last_sweep_ms.is_some_and(|t| t > since_ms) {
            return;
        }
        self.last_sweep_ms = Some(now_ms);
        let windows = &self.windows;
        self.keys.retain(|(scope, _), entry| {
            let start = windows
                .get(scope)
                .map_or(i64::MIN, |w| now_ms.saturating_sub(*w));
            entry.events.iter().any(|(_, e)| e.at_ms > start)
        });
    }

    fn make_room(&mut self, max_keys: usize) {
        if self.keys.len() < max_keys {
            return;
        }
        let evict = self.keys.len() - max_keys + 1 + max_keys / 8;
        let mut by_age: Vec<(u64, (Scope, String))> = self
            .keys
            .iter()
            .map(|(k, e)| (e.touched, k.clone()))
            .collect();
        if evict < by_age.len() {
            by_age.select_nth_unstable_by_key(evict, |(touched, _)| *touched);
            by_age.truncate(evict);
        }
        for (_, key) in by_age {
            self.keys.remove(&key);
        }
    }
}

#[async_trait]
impl ThrottleStore for MemoryThrottleStore {
    async fn admit(
        &self,
        keys: &[EventQuery],
        event: &ThrottleEvent,
        decide: &Decide<'_>,
    ) -> Result<Result<Vec<i64>, Throttled>, ThrottleStoreError> {
        let mut state = self.lock();
        for query in keys {
            let window = event.at_ms.saturating_sub(query.since_ms);
            state.windows.insert(query.scope, window);
        }
        let events: Vec<Vec<ThrottleEvent>> = keys.iter().map(|q| state.read(q)).collect();
        if let Err(throttled) = decide(&events) {
            return Ok(Err(throttled));
        }
        let mut ids = Vec::with_capacity(keys.len());
        for query in keys {
            let id = (query.scope, query.key.clone());
            if !state.keys.contains_key(&id) {
                state.sweep(event.at_ms, query.since_ms);
                state.make_room(self.max_keys);
            }
            state.next_id += 1;
            let (next_id, touched) = (state.next_id, state.next_id.unsigned_abs());
            let entry = state.keys.entry(id).or_default();
            entry.events.push((next_id, event.clone()));
            entry.touched = touched;
            ids.push(next_id);
        }
        Ok(Ok(ids))
    }

    async fn events(
        &self,
        keys: &[EventQuery],
    ) -> Result<Vec<Vec<ThrottleEvent>>, ThrottleStoreError> {
        let mut state = self.lock();
        Ok(keys.iter().map(|q| state.read(q)).collect())
    }

    async fn settle(
        &self,
        ids: &[i64],
        failed: bool,
        now_ms: i64,
    ) -> Result<(), ThrottleStoreError> {
        let mut state = self.lock();
        state.keys.retain(|_, entry| {
            entry.events.retain_mut(|(id, e)| {
                if !ids.contains(id) {
                    return true;
                }
                e.pending = false;
                e.at_ms = now_ms;
                failed
            });
            !entry.events.is_empty()
        });
        Ok(())
    }

    async fn remove(&self, scope: Scope, key: &str) -> Result<bool, ThrottleStoreError> {
        Ok(self.lock().keys.remove(&(scope, key.to_owned())).is_some())
    }

    async fn keys(
        &self,
        scope: Scope,
        since_ms: i64,
    ) -> Result<Vec<(String, Vec<ThrottleEvent>)>, ThrottleStoreError> {
        let mut state = self.lock();
        state.keys.retain(|(s, _), entry| {
            if *s == scope {
                entry.events.retain(|(_, e)| e.at_ms > since_ms);
            }
            !entry.events.is_empty()
        });
        Ok(state
            .keys
            .iter()
            .filter(|((s, _), _)| *s == scope)
            .map(|((_, key), entry)| {
                (
                    key.clone(),
                    entry.events.iter().map(|(_, e)| e.clone()).collect(),
                )
            })
            .collect())
    }
}
