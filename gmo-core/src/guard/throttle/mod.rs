//! The card-testing throttle: limits failed card attempts per customer and per client address,
//! and new cards per customer.
//!
//! Card testers ("credit masters") try thousands of generated card numbers against a shop's
//! checkout or card-registration form; almost all are declined. The throttle stops them after a
//! few failures, while a real customer who mistypes once or twice never notices it.
//!
//! Defaults (all configurable in [`ThrottleConfig`]):
//!
//! | what | limit |
//! |---|---|
//! | failed card attempts per customer | 5 per 60 minutes |
//! | failed card attempts per client address (IPv6: per /64) | 10 per 60 minutes, from at least 3 customers to block the customers who never failed there |
//! | new cards per customer | 3 per 24 hours |
//!
//! # Semantics
//!
//! Each limit is a **sliding window**: a key is blocked while `max` events (plus attempts in
//! flight) fall within the last `window`; an event at instant `t` counts while `now < t + window`
//! and stops counting at exactly `t + window`. [`Throttled::retry_after`] is the time until
//! then. Further failures while blocked extend the block.
//!
//! *Failures* are counted per customer and per address together:
//! [`CardTestingThrottle::try_begin_attempt`] admits an attempt only when neither key is blocked,
//! and takes a slot on both at once, so that concurrent attempts cannot overshoot (64 parallel
//! requests on one key admit exactly `max`). The [`AttemptPermit`] then says how it ended:
//! [`AttemptPermit::failed`] counts a failure, [`AttemptPermit::succeeded`] frees the slot; a
//! permit dropped without a word (the request was cancelled midway, the handler panicked) counts
//! as a failure, so that hanging up after the gateway call is no way around the limit. When the
//! outcome is learnt in a later request (the 3-D Secure return), call [`AttemptPermit::release`]
//! now and [`CardTestingThrottle::record_failure`] when it fails.
//!
//! *New cards* count every attempt to add a card, whatever its outcome
//! ([`CardTestingThrottle::try_acquire_new_card`]): a tester's attempts fail, and a real customer
//! rarely adds more than three cards a day.
//!
//! Attempts without a customer are limited by address only; without an address by customer
//! only; with neither, not at all. An empty customer string counts as no customer.
//!
//! *An address full of failures* blocks everyone only when they come from several customers
//! ([`ThrottleConfig::ip_lock_min_customers`], 3 by default; an attempt without a customer
//! counts as a customer of its own). Below that, it blocks the customers who failed there and
//! attempts without a customer, never a customer whose own attempts there were clean: behind a
//! shared address (an office, a mobile carrier's NAT, a proxy not configured as trusted), one
//! or two customers' declines do not lock card payment for everybody, while a tester rotating
//! accounts is blocked from the third one on.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), std::net::AddrParseError> {
//! use std::net::IpAddr;
//! use std::sync::Arc;
//! use std::time::Duration;
//! use gmo_core::guard::{CardTestingThrottle, ManualClock, Scope, ThrottleConfig};
//!
//! let clock = ManualClock::new();
//! let config = ThrottleConfig::default();
//! let throttle = CardTestingThrottle::with_clock(config, Arc::new(clock.clone()));
//! let ip: IpAddr = "198.51.100.7".parse()?;
//!
//! for _ in 0..5 {
//!     let attempt = throttle.try_begin_attempt(Some("member-1"), Some(ip)).await.unwrap();
//!     // … ExecTran, declined by the issuer …
//!     attempt.failed().await;
//! }
//! let refused = throttle.try_begin_attempt(Some("member-1"), Some(ip)).await.unwrap_err();
//! assert_eq!(refused.scope, Scope::Customer);
//! assert_eq!(refused.retry_after, Duration::from_secs(3600));
//! assert_eq!(refused.to_string(), "too many attempts, try again later");
//!
//! // An hour after the first failure, one more attempt is admitted.
//! clock.advance(Duration::from_secs(3600));
//! assert!(throttle.try_begin_attempt(Some("member-1"), Some(ip)).await.is_ok());
//! # Ok(())
//! # }
//! ```
//!
//! # Where the counts live
//!
//! In a [`ThrottleStore`]: by default a [`MemoryThrottleStore`], in this process (at most
//! [`ThrottleConfig::max_keys`] keys, the least recently touched evicted first). Several
//! instances behind a load balancer share their limits through a shared store
//! ([`CardTestingThrottle::with_store`]; gmo-sqlx has `SqliteThrottleStore` and
//! `PostgresThrottleStore`): every admission is one atomic read-decide-write in the store, so
//! that concurrent attempts on any number of instances admit exactly the limit, and an admin's
//! unlock on one instance frees the key on all. Times come from the throttle's [`Clock`] (the
//! wall clock). If the store fails, card attempts are refused for a few seconds
//! ([`Scope::Unavailable`]) and the failure is logged: fail closed.

mod clock;
#[cfg(feature = "test-util")]
pub mod conformance;
mod key;
mod store;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

pub use clock::{Clock, ManualClock, SystemClock};
pub use key::{IpKey, ThrottleKey};
pub use store::{
    Decide, EventQuery, MemoryThrottleStore, ThrottleEvent, ThrottleStore, ThrottleStoreError,
};

/// At most `max` events per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Events allowed within the window; 0 blocks everything.
    pub max: u32,
    /// How long an event counts.
    pub window: Duration,
}

impl Limit {
    /// At most `max` events per `window`.
    pub const fn new(max: u32, window: Duration) -> Self {
        Self { max, window }
    }
}

const HOUR: Duration = Duration::from_secs(60 * 60);

/// The limits of a [`CardTestingThrottle`]. `None` turns a limit off.
///
/// ```
/// use std::time::Duration;
/// use gmo_core::guard::{Limit, ThrottleConfig};
///
/// let mut config = ThrottleConfig::default();
/// config.failures_per_ip = Some(Limit::new(20, Duration::from_secs(30 * 60)));
/// config.new_cards_per_customer = None;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ThrottleConfig {
    /// Failed card attempts per customer; default 5 per 60 minutes.
    pub failures_per_customer: Option<Limit>,
    /// Failed card attempts per client address; default 10 per 60 minutes.
    pub failures_per_ip: Option<Limit>,
    /// Cards a customer may try to add; default 3 per 24 hours.
    pub new_cards_per_customer: Option<Limit>,
    /// IPv6 addresses are counted by this prefix; default 64.
    pub ipv6_prefix_len: u8,
    /// How many distinct customers the failures of a full address must come from to block
    /// every customer; below that, only those who failed there (and attempts without a
    /// customer) are blocked. Default 3; 1 blocks everyone at the address limit.
    pub ip_lock_min_customers: u32,
    /// Most keys kept by the default in-memory store; default 65,536.
    pub max_keys: usize,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        Self {
            failures_per_customer: Some(Limit::new(5, HOUR)),
            failures_per_ip: Some(Limit::new(10, HOUR)),
            new_cards_per_customer: Some(Limit::new(3, 24 * HOUR)),
            ipv6_prefix_len: 64,
            ip_lock_min_customers: 3,
            max_keys: 65_536,
        }
    }
}

impl ThrottleConfig {
    /// Every limit off: attempts are tracked, none is refused (load tests, and scenarios that
    /// fail on purpose; never in production).
    ///
    /// ```
    /// use gmo_core::guard::ThrottleConfig;
    ///
    /// let config = ThrottleConfig::unlimited();
    /// assert_eq!(config.failures_per_customer, None);
    /// assert_eq!(config.failures_per_ip, None);
    /// assert_eq!(config.new_cards_per_customer, None);
    /// ```
    pub fn unlimited() -> Self {
        Self {
            failures_per_customer: None,
            failures_per_ip: None,
            new_cards_per_customer: None,
            ..Self::default()
        }
    }
}

/// Which limit refused the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Scope {
    /// Failed attempts of the customer.
    Customer,
    /// Failed attempts from the client address.
    Ip,
    /// New cards of the customer.
    NewCards,
    /// The throttle's store failed: no attempt is admitted until it answers again.
    Unavailable,
}

impl Scope {
    /// A stable machine-readable name, e.g. `new_cards`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Ip => "ip",
            Self::NewCards => "new_cards",
            Self::Unavailable => "unavailable",
        }
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A card attempt refused by the throttle.
///
/// Its message says only "too many attempts, try again later": never which limit, never why
/// earlier attempts failed. `scope` is for the logs and the admin, not for the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many attempts, try again later")]
pub struct Throttled {
    /// The limit that refused.
    pub scope: Scope,
    /// How long until an attempt may be admitted again.
    pub retry_after: Duration,
}

impl Throttled {
    /// The stable error code of a refusal.
    pub const CODE: &'static str = "too_many_attempts";

    /// `too_many_attempts`.
    pub fn code(&self) -> &'static str {
        Self::CODE
    }

    /// [`Throttled::retry_after`] in whole seconds, rounded up, at least 1 (for `Retry-After`).
    pub fn retry_after_secs(&self) -> u64 {
        let secs = self.retry_after.as_secs();
        let secs = if self.retry_after.subsec_nanos() > 0 {
            secs.saturating_add(1)
        } else {
            secs
        };
        secs.max(1)
    }
}

/// A key that is blocked now, as listed for an admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedKey {
    /// The customer or address.
    pub key: ThrottleKey,
    /// Which limit blocks it.
    pub scope: Scope,
    /// Events within the window (at most the limit's `max`).
    pub count: u32,
    /// How long until it is admitted again, if nothing else happens.
    pub retry_after: Duration,
}

/// How long an attempt in flight counts as in flight (answered "retry in a second"); older,
/// its permit was lost (a crash, a dropped future) and it counts as the failure it defaults to.
const PENDING_LEASE_MS: i64 = 2 * 60 * 1000;
/// What to answer when attempts in flight fill the limit: they end within seconds.
const IN_FLIGHT_RETRY: Duration = Duration::from_secs(1);
/// How long attempts are refused after the store failed.
const UNAVAILABLE_RETRY: Duration = Duration::from_secs(5);

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Whether `limit` blocks one more attempt of `subject` on a key with these `events` at
/// `now_ms`, and for how long. `min_subjects`: the address rule (see the module docs).
fn blocked(
    limit: Limit,
    events: &[ThrottleEvent],
    now_ms: i64,
    subject: Option<&str>,
    min_subjects: Option<u32>,
) -> Option<Duration> {
    let window = millis(limit.window);
    // When each counted event stops counting.
    let mut ends: Vec<i64> = events
        .iter()
        .filter_map(|e| {
            let end = if e.pending && now_ms - e.at_ms < PENDING_LEASE_MS {
                now_ms + millis(IN_FLIGHT_RETRY)
            } else {
                e.at_ms.saturating_add(window)
            };
            (end > now_ms).then_some(end)
        })
        .collect();
    let max = usize::try_from(limit.max).unwrap_or(usize::MAX);
    if limit.max == 0 {
        return Some(limit.window);
    }
    if ends.len() < max {
        return None;
    }
    if let (Some(min), Some(subject)) = (min_subjects, subject) {
        let counted = events
            .iter()
            .filter(|e| e.at_ms.saturating_add(window) > now_ms);
        let mut subjects: Vec<Option<&str>> = Vec::new();
        let mut anonymous = 0usize;
        let mut own = false;
        for e in counted {
            match e.subject.as_deref() {
                Some(s) => {
                    own |= s == subject;
                    if !subjects.contains(&Some(s)) {
                        subjects.push(Some(s));
                    }
                }
                None => anonymous += 1,
            }
        }
        let distinct = subjects.len() + anonymous;
        if !own && distinct < usize::try_from(min).unwrap_or(usize::MAX) {
            // A clean customer at an address that only one or two customers filled.
            return None;
        }
    }
    ends.sort_unstable();
    // The count falls below the limit once `len - max + 1` events stopped counting.
    let decisive = ends.get(ends.len() - max).copied().unwrap_or(now_ms);
    Some(Duration::from_millis(
        u64::try_from(decisive - now_ms).unwrap_or(0),
    ))
}

/// Limits card attempts; see the module docs. Cheap to clone: clones share their state.
#[derive(Debug, Clone)]
pub struct CardTestingThrottle {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    config: ThrottleConfig,
    clock: Arc<dyn Clock>,
    store: Arc<dyn ThrottleStore>,
}

/// The keys one attempt counts against.
#[derive(Debug, Clone)]
struct AttemptKeys {
    customer: Option<String>,
    ip: Option<IpKey>,
}

fn customer_key(customer: Option<&str>) -> Option<String> {
    customer.filter(|c| !c.is_empty()).map(str::to_owned)
}

impl Shared {
    fn ip_key(&self, ip: IpAddr) -> IpKey {
        IpKey::new(ip, self.config.ipv6_prefix_len)
    }

    fn keys(&self, customer: Option<&str>, ip: Option<IpAddr>) -> AttemptKeys {
        AttemptKeys {
            customer: customer_key(customer),
            ip: ip.map(|ip| self.ip_key(ip)),
        }
    }

    fn limit(&self, scope: Scope) -> Option<Limit> {
        match scope {
            Scope::Customer => self.config.failures_per_customer,
            Scope::Ip => self.config.failures_per_ip,
            Scope::NewCards => self.config.new_cards_per_customer,
            Scope::Unavailable => None,
        }
    }

    /// The counters an attempt reads and writes, with their limits.
    fn counters(&self, keys: &AttemptKeys, now_ms: i64) -> Vec<(EventQuery, Limit)> {
        let mut counters = Vec::new();
        let mut add = |scope: Scope, key: String| {
            if let Some(limit) = self.limit(scope) {
                let since_ms = now_ms.saturating_sub(millis(limit.window));
                counters.push((
                    EventQuery {
                        scope,
                        key,
                        since_ms,
                    },
                    limit,
                ));
            }
        };
        if let Some(customer) = &keys.customer {
            add(Scope::Customer, customer.clone());
        }
        if let Some(ip) = keys.ip {
            add(Scope::Ip, ip.to_string());
        }
        counters
    }

    /// The refusal, if any, of one more attempt of `subject` on `counters` with these events.
    fn decide(
        &self,
        counters: &[(EventQuery, Limit)],
        events: &[Vec<ThrottleEvent>],
        now_ms: i64,
        subject: Option<&str>,
    ) -> Result<(), Throttled> {
        let refusal = counters
            .iter()
            .zip(events)
            .filter_map(|((query, limit), events)| {
                let min = (query.scope == Scope::Ip).then_some(self.config.ip_lock_min_customers);
                blocked(*limit, events, now_ms, subject, min).map(|retry_after| Throttled {
                    scope: query.scope,
                    retry_after,
                })
            })
            // When several block, the client has to wait for the latest.
            .max_by_key(|t| t.retry_after);
        refusal.map_or(Ok(()), Err)
    }

    fn unavailable(&self, error: &ThrottleStoreError) -> Throttled {
        tracing::error!(error = %error, "card-testing throttle store failed: card attempts refused");
        Throttled {
            scope: Scope::Unavailable,
            retry_after: UNAVAILABLE_RETRY,
        }
    }

    /// Admits one event on `counters` unless one blocks.
    async fn admit(
        &self,
        counters: &[(EventQuery, Limit)],
        subject: Option<&str>,
        pending: bool,
        check_only: bool,
    ) -> Result<Vec<i64>, Throttled> {
        if counters.is_empty() {
            return Ok(Vec::new());
        }
        let now_ms = self.clock.unix_millis();
        let queries: Vec<EventQuery> = counters.iter().map(|(q, _)| q.clone()).collect();
        if check_only {
            let events = self
                .store
                .events(&queries)
                .await
                .map_err(|e| self.unavailable(&e))?;
            return self
                .decide(counters, &events, now_ms, subject)
                .map(|()| Vec::new());
        }
        let event = ThrottleEvent {
            at_ms: now_ms,
            subject: subject.map(str::to_owned),
            pending,
        };
        let decide = |events: &[Vec<ThrottleEvent>]| self.decide(counters, events, now_ms, subject);
        self.store
            .admit(&queries, &event, &decide)
            .await
            .map_err(|e| self.unavailable(&e))?
    }
}

impl CardTestingThrottle {
    /// A throttle reading the system clock, its counts in this process's memory.
    pub fn new(config: ThrottleConfig) -> Self {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    /// A throttle reading `clock` (tests pass a [`ManualClock`]), its counts in memory.
    pub fn with_clock(config: ThrottleConfig, clock: Arc<dyn Clock>) -> Self {
        let store = Arc::new(MemoryThrottleStore::new(config.max_keys));
        Self::with_store(config, store, clock)
    }

    /// A throttle keeping its counts in `store`: a store the app's instances share makes the
    /// limits hold across them.
    pub fn with_store(
        config: ThrottleConfig,
        store: Arc<dyn ThrottleStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            shared: Arc::new(Shared {
                config,
                clock,
                store,
            }),
        }
    }

    /// The limits in force.
    pub fn config(&self) -> &ThrottleConfig {
        &self.shared.config
    }

    /// The store of the counts.
    pub fn store(&self) -> &Arc<dyn ThrottleStore> {
        &self.shared.store
    }

    /// Whether a card attempt would be admitted now, without taking a slot (to decide whether to
    /// show the card form at all). Use [`CardTestingThrottle::try_begin_attempt`] for the attempt.
    pub async fn check_attempt(
        &self,
        customer: Option<&str>,
        ip: Option<IpAddr>,
    ) -> Result<(), Throttled> {
        let keys = self.shared.keys(customer, ip);
        let counters = self.shared.counters(&keys, self.shared.clock.unix_millis());
        self.shared
            .admit(&counters, keys.customer.as_deref(), false, true)
            .await
            .map(drop)
    }

    /// Admits a card attempt (ExecTran, card registration) unless the customer or the address is
    /// blocked, taking a slot on both until the returned permit says how the attempt ended.
    pub async fn try_begin_attempt(
        &self,
        customer: Option<&str>,
        ip: Option<IpAddr>,
    ) -> Result<AttemptPermit, Throttled> {
        let keys = self.shared.keys(customer, ip);
        let counters = self.shared.counters(&keys, self.shared.clock.unix_millis());
        let ids = self
            .shared
            .admit(&counters, keys.customer.as_deref(), true, false)
            .await?;
        Ok(AttemptPermit {
            shared: Arc::clone(&self.shared),
            ids,
            settled: false,
        })
    }

    /// Whether `other` is this throttle (a clone of it): the same counts, the same store.
    pub fn is_same(&self, other: &CardTestingThrottle) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Ends an attempt handed over to its order: `failed` counts a failure (the card was
    /// declined, unusable, or failed 3-D Secure), else the slot is freed.
    pub async fn settle_ticket(&self, ticket: &AttemptTicket, failed: bool) {
        if ticket.ids.is_empty() {
            return;
        }
        let now_ms = self.shared.clock.unix_millis();
        if let Err(e) = self.shared.store.settle(&ticket.ids, failed, now_ms).await {
            // The attempt stays counted as a failure: the safe side.
            tracing::error!(error = %e, "card-testing throttle store failed: attempt left counted");
        }
    }

    /// Counts a failed card attempt whose outcome was learnt outside a permit (e.g. at the
    /// 3-D Secure return, after [`AttemptPermit::release`]).
    pub async fn record_failure(&self, customer: Option<&str>, ip: Option<IpAddr>) {
        let keys = self.shared.keys(customer, ip);
        let now_ms = self.shared.clock.unix_millis();
        let counters = self.shared.counters(&keys, now_ms);
        if counters.is_empty() {
            return;
        }
        let queries: Vec<EventQuery> = counters.into_iter().map(|(q, _)| q).collect();
        let event = ThrottleEvent {
            at_ms: now_ms,
            subject: keys.customer,
            pending: false,
        };
        if let Err(e) = self.shared.store.admit(&queries, &event, &|_| Ok(())).await {
            self.shared.unavailable(&e);
        }
    }

    fn new_card_counter(&self, customer: &str) -> Vec<(EventQuery, Limit)> {
        let now_ms = self.shared.clock.unix_millis();
        self.shared
            .config
            .new_cards_per_customer
            .map(|limit| {
                (
                    EventQuery {
                        scope: Scope::NewCards,
                        key: customer.to_owned(),
                        since_ms: now_ms.saturating_sub(millis(limit.window)),
                    },
                    limit,
                )
            })
            .into_iter()
            .collect()
    }

    /// Whether `customer` may add a card now, without counting one.
    pub async fn check_new_card(&self, customer: &str) -> Result<(), Throttled> {
        let counters = self.new_card_counter(customer);
        self.shared
            .admit(&counters, Some(customer), false, true)
            .await
            .map(drop)
    }

    /// Counts an attempt by `customer` to add a card, unless the limit is reached: atomic, so
    /// that concurrent registrations (on any instance sharing the store) admit exactly the limit.
    pub async fn try_acquire_new_card(&self, customer: &str) -> Result<(), Throttled> {
        let counters = self.new_card_counter(customer);
        self.shared
            .admit(&counters, Some(customer), false, false)
            .await
            .map(drop)
    }

    async fn remove(&self, scope: Scope, key: &str) -> bool {
        match self.shared.store.remove(scope, key).await {
            Ok(removed) => removed,
            Err(e) => {
                tracing::error!(error = %e, "card-testing throttle store failed: unlock not done");
                false
            }
        }
    }

    /// Forgets every count of `customer` (failures and new cards), on every instance sharing
    /// the store; whether there was any.
    pub async fn unlock_customer(&self, customer: &str) -> bool {
        let failures = self.remove(Scope::Customer, customer).await;
        let cards = self.remove(Scope::NewCards, customer).await;
        failures || cards
    }

    /// Forgets the failures counted for `ip` (for IPv6, its whole network); whether there were any.
    pub async fn unlock_ip(&self, ip: IpAddr) -> bool {
        let key = self.shared.ip_key(ip);
        self.remove(Scope::Ip, &key.to_string()).await
    }

    /// Forgets every count of `key`, as listed by [`CardTestingThrottle::locked`].
    pub async fn unlock(&self, key: &ThrottleKey) -> bool {
        match key {
            ThrottleKey::Customer(customer) => self.unlock_customer(customer).await,
            ThrottleKey::Ip(ip) => self.remove(Scope::Ip, &ip.to_string()).await,
        }
    }

    /// Every key blocked now (for an attempt without a customer), sorted by key then scope.
    pub async fn locked(&self) -> Vec<LockedKey> {
        let now_ms = self.shared.clock.unix_millis();
        let mut locked = Vec::new();
        for scope in [Scope::Customer, Scope::NewCards, Scope::Ip] {
            let Some(limit) = self.shared.limit(scope) else {
                continue;
            };
            let since_ms = now_ms.saturating_sub(millis(limit.window));
            let keys = match self.shared.store.keys(scope, since_ms).await {
                Ok(keys) => keys,
                Err(e) => {
                    self.shared.unavailable(&e);
                    continue;
                }
            };
            for (key, events) in keys {
                let Some(retry_after) = blocked(limit, &events, now_ms, None, None) else {
                    continue;
                };
                let key = match scope {
                    Scope::Ip => match key.parse() {
                        Ok(ip) => ThrottleKey::Ip(ip),
                        Err(_) => continue,
                    },
                    _ => ThrottleKey::Customer(key),
                };
                locked.push(LockedKey {
                    key,
                    scope,
                    count: u32::try_from(events.len()).unwrap_or(u32::MAX),
                    retry_after,
                });
            }
        }
        locked.sort_by(|a, b| (&a.key, a.scope).cmp(&(&b.key, b.scope)));
        locked
    }
}

/// A card attempt handed over to its order ([`AttemptPermit::into_ticket`]): what the order
/// keeps so that the path that settles it settles the attempt, once. Holds no card data and no
/// customer data, only the throttle's own event ids.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AttemptTicket {
    ids: Vec<i64>,
}

/// A card attempt admitted by [`CardTestingThrottle::try_begin_attempt`]. Say how it ended with
/// [`AttemptPermit::failed`], [`AttemptPermit::succeeded`] or [`AttemptPermit::release`]; a
/// permit dropped unsettled (a cancelled request, a crashed instance) counts as a failure, since
/// its attempt is stored as one until told otherwise.
#[must_use = "an attempt permit dropped unsettled counts as a failure"]
pub struct AttemptPermit {
    shared: Arc<Shared>,
    ids: Vec<i64>,
    settled: bool,
}

impl AttemptPermit {
    /// The attempt failed (declined, card error, 3-D Secure failed): counts a failure.
    pub async fn failed(mut self) {
        self.settle(true).await;
    }

    /// The attempt succeeded: frees the slot.
    pub async fn succeeded(mut self) {
        self.settle(false).await;
    }

    /// The outcome will be known later, in another request (3-D Secure redirect): frees the slot
    /// now; call [`CardTestingThrottle::record_failure`] if it fails.
    pub async fn release(mut self) {
        self.settle(false).await;
    }

    /// Hands the attempt over to its order: the slot stays taken until
    /// [`CardTestingThrottle::settle_ticket`] says how it ended, from whichever request,
    /// notification or reconciliation settles the order, on any instance sharing the store.
    /// Unsettled two minutes on, it counts as a failure until then.
    pub fn into_ticket(mut self) -> AttemptTicket {
        self.settled = true;
        AttemptTicket {
            ids: std::mem::take(&mut self.ids),
        }
    }

    async fn settle(&mut self, failed: bool) {
        if self.settled || self.ids.is_empty() {
            return;
        }
        self.settled = true;
        let now_ms = self.shared.clock.unix_millis();
        if let Err(e) = self.shared.store.settle(&self.ids, failed, now_ms).await {
            // The attempt stays counted as a failure: the safe side.
            tracing::error!(error = %e, "card-testing throttle store failed: attempt left counted");
        }
    }
}

impl std::fmt::Debug for AttemptPermit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttemptPermit")
            .field("ids", &self.ids)
            .field("settled", &self.settled)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(at_ms: i64, subject: Option<&str>) -> ThrottleEvent {
        ThrottleEvent {
            at_ms,
            subject: subject.map(str::to_owned),
            pending: false,
        }
    }

    #[test]
    fn an_address_full_of_few_customers_blocks_only_them() {
        let limit = Limit::new(4, Duration::from_secs(60));
        let events = [
            event(0, Some("a")),
            event(1, Some("a")),
            event(2, Some("b")),
            event(3, Some("b")),
        ];
        assert_eq!(blocked(limit, &events, 10, Some("c"), Some(3)), None);
        assert!(blocked(limit, &events, 10, Some("a"), Some(3)).is_some());
        // Without a customer, the address blocks.
        assert!(blocked(limit, &events, 10, None, Some(3)).is_some());
        // From a third customer on, everyone.
        let mut more = events.to_vec();
        more.push(event(4, Some("d")));
        assert_eq!(
            blocked(limit, &more, 10, Some("c"), Some(3)),
            Some(Duration::from_millis(60_001 - 10))
        );
        // Attempts without a customer count one customer each.
        let anonymous = [
            event(0, None),
            event(1, None),
            event(2, None),
            event(3, None),
        ];
        assert!(blocked(limit, &anonymous, 10, Some("c"), Some(3)).is_some());
    }

    #[test]
    fn pending_attempts_count_and_lost_ones_become_failures() {
        let limit = Limit::new(1, Duration::from_secs(3600));
        let pending = ThrottleEvent {
            pending: true,
            ..event(0, None)
        };
        assert_eq!(
            blocked(limit, std::slice::from_ref(&pending), 10, None, None),
            Some(IN_FLIGHT_RETRY)
        );
        let later = PENDING_LEASE_MS + 10;
        assert_eq!(
            blocked(limit, &[pending], later, None, None),
            Some(Duration::from_millis(
                u64::try_from(3_600_000 - later).unwrap()
            ))
        );
    }
}
