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
//! | failed card attempts per client address (IPv6: per /64) | 10 per 60 minutes |
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
//! ```
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
//!     let attempt = throttle.try_begin_attempt(Some("member-1"), Some(ip)).unwrap();
//!     // … ExecTran, declined by the issuer …
//!     attempt.failed();
//! }
//! let refused = throttle.try_begin_attempt(Some("member-1"), Some(ip)).unwrap_err();
//! assert_eq!(refused.scope, Scope::Customer);
//! assert_eq!(refused.retry_after, Duration::from_secs(3600));
//! assert_eq!(refused.to_string(), "too many attempts, try again later");
//!
//! // An hour after the first failure, one more attempt is admitted.
//! clock.advance(Duration::from_secs(3600));
//! assert!(throttle.try_begin_attempt(Some("member-1"), Some(ip)).is_ok());
//! # Ok::<(), std::net::AddrParseError>(())
//! ```
//!
//! # Memory
//!
//! State lives in memory, per process, behind one mutex (each call holds it for microseconds).
//! Each table keeps at most [`ThrottleConfig::max_keys`] keys: keys with nothing in their window
//! are dropped when they are seen idle and in a sweep at most once per window, and when a table
//! is full the least recently touched eighth of it is evicted. A key costs a few hundred bytes,
//! so at the default of 65,536 keys a table stays under about 25 MB in the worst case. Several
//! processes each keep their own counts: behind a load balancer, divide the limits or pin
//! clients.

mod clock;
mod key;
mod window;

use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

pub use clock::{Clock, ManualClock, SystemClock};
pub use key::{IpKey, ThrottleKey};
use window::Table;

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
    /// Most keys kept per table (customers, addresses, new cards); default 65,536.
    pub max_keys: usize,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        Self {
            failures_per_customer: Some(Limit::new(5, HOUR)),
            failures_per_ip: Some(Limit::new(10, HOUR)),
            new_cards_per_customer: Some(Limit::new(3, 24 * HOUR)),
            ipv6_prefix_len: 64,
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
}

impl Scope {
    /// A stable machine-readable name, e.g. `new_cards`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Ip => "ip",
            Self::NewCards => "new_cards",
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

/// Limits card attempts; see the module docs. Cheap to clone: clones share their state.
#[derive(Debug, Clone)]
pub struct CardTestingThrottle {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    config: ThrottleConfig,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    customers: Option<Table<String>>,
    ips: Option<Table<IpKey>>,
    new_cards: Option<Table<String>>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while the lock is held; if something did, the counters are still sound.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn ip_key(&self, ip: IpAddr) -> IpKey {
        IpKey::new(ip, self.config.ipv6_prefix_len)
    }

    fn end_attempt(&self, customer: Option<&String>, ip: Option<&IpKey>, failed: bool) {
        let now = self.clock.now();
        let mut state = self.lock();
        if let (Some(table), Some(customer)) = (state.customers.as_mut(), customer) {
            table.end(customer, failed, now);
        }
        if let (Some(table), Some(ip)) = (state.ips.as_mut(), ip) {
            table.end(ip, failed, now);
        }
    }
}

fn customer_key(customer: Option<&str>) -> Option<String> {
    customer.filter(|c| !c.is_empty()).map(str::to_owned)
}

impl CardTestingThrottle {
    /// A throttle reading the system clock.
    pub fn new(config: ThrottleConfig) -> Self {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    /// A throttle reading `clock` (tests pass a [`ManualClock`]).
    pub fn with_clock(config: ThrottleConfig, clock: Arc<dyn Clock>) -> Self {
        let state = State {
            customers: config
                .failures_per_customer
                .map(|limit| Table::new(limit, config.max_keys)),
            ips: config
                .failures_per_ip
                .map(|limit| Table::new(limit, config.max_keys)),
            new_cards: config
                .new_cards_per_customer
                .map(|limit| Table::new(limit, config.max_keys)),
        };
        Self {
            shared: Arc::new(Shared {
                config,
                clock,
                state: Mutex::new(state),
            }),
        }
    }

    /// The limits in force.
    pub fn config(&self) -> &ThrottleConfig {
        &self.shared.config
    }

    /// Whether a card attempt would be admitted now, without taking a slot (to decide whether to
    /// show the card form at all). Use [`CardTestingThrottle::try_begin_attempt`] for the attempt.
    pub fn check_attempt(
        &self,
        customer: Option<&str>,
        ip: Option<IpAddr>,
    ) -> Result<(), Throttled> {
        let customer = customer_key(customer);
        let ip = ip.map(|ip| self.shared.ip_key(ip));
        let now = self.shared.clock.now();
        let mut state = self.shared.lock();
        Self::attempt_blocked(&mut state, customer.as_ref(), ip.as_ref(), now)
    }

    /// Admits a card attempt (ExecTran, card registration) unless the customer or the address is
    /// blocked, taking a slot on both until the returned permit says how the attempt ended.
    pub fn try_begin_attempt(
        &self,
        customer: Option<&str>,
        ip: Option<IpAddr>,
    ) -> Result<AttemptPermit, Throttled> {
        let customer = customer_key(customer);
        let ip = ip.map(|ip| self.shared.ip_key(ip));
        let now = self.shared.clock.now();
        let mut state = self.shared.lock();
        Self::attempt_blocked(&mut state, customer.as_ref(), ip.as_ref(), now)?;
        if let (Some(table), Some(customer)) = (state.customers.as_mut(), customer.as_ref()) {
            table.begin(customer, now);
        }
        if let (Some(table), Some(ip)) = (state.ips.as_mut(), ip.as_ref()) {
            table.begin(ip, now);
        }
        drop(state);
        Ok(AttemptPermit {
            shared: Arc::clone(&self.shared),
            customer,
            ip,
            settled: false,
        })
    }

    fn attempt_blocked(
        state: &mut State,
        customer: Option<&String>,
        ip: Option<&IpKey>,
        now: Instant,
    ) -> Result<(), Throttled> {
        let by_customer = state
            .customers
            .as_mut()
            .zip(customer)
            .and_then(|(table, key)| table.blocked(key, now))
            .map(|retry_after| Throttled {
                scope: Scope::Customer,
                retry_after,
            });
        let by_ip = state
            .ips
            .as_mut()
            .zip(ip)
            .and_then(|(table, key)| table.blocked(key, now))
            .map(|retry_after| Throttled {
                scope: Scope::Ip,
                retry_after,
            });
        // When both block, the client has to wait for the later one.
        match by_customer
            .into_iter()
            .chain(by_ip)
            .max_by_key(|t| t.retry_after)
        {
            Some(throttled) => Err(throttled),
            None => Ok(()),
        }
    }

    /// Counts a failed card attempt whose outcome was learnt outside a permit (e.g. at the
    /// 3-D Secure return, after [`AttemptPermit::release`]).
    pub fn record_failure(&self, customer: Option<&str>, ip: Option<IpAddr>) {
        let customer = customer_key(customer);
        let ip = ip.map(|ip| self.shared.ip_key(ip));
        let now = self.shared.clock.now();
        let mut state = self.shared.lock();
        if let (Some(table), Some(customer)) = (state.customers.as_mut(), customer.as_ref()) {
            table.record(customer, now);
        }
        if let (Some(table), Some(ip)) = (state.ips.as_mut(), ip.as_ref()) {
            table.record(ip, now);
        }
    }

    /// Whether `customer` may add a card now, without counting one.
    pub fn check_new_card(&self, customer: &str) -> Result<(), Throttled> {
        let now = self.shared.clock.now();
        let mut state = self.shared.lock();
        Self::new_card_blocked(&mut state, customer, now)
    }

    /// Counts an attempt by `customer` to add a card, unless the limit is reached: atomic, so
    /// that concurrent registrations admit exactly the limit.
    pub fn try_acquire_new_card(&self, customer: &str) -> Result<(), Throttled> {
        let now = self.shared.clock.now();
        let mut state = self.shared.lock();
        Self::new_card_blocked(&mut state, customer, now)?;
        if let Some(table) = state.new_cards.as_mut() {
            table.record(&customer.to_owned(), now);
        }
        Ok(())
    }

    fn new_card_blocked(state: &mut State, customer: &str, now: Instant) -> Result<(), Throttled> {
        let Some(table) = state.new_cards.as_mut() else {
            return Ok(());
        };
        match table.blocked(&customer.to_owned(), now) {
            Some(retry_after) => Err(Throttled {
                scope: Scope::NewCards,
                retry_after,
            }),
            None => Ok(()),
        }
    }

    /// Forgets every count of `customer` (failures and new cards); whether there was any.
    pub fn unlock_customer(&self, customer: &str) -> bool {
        let key = customer.to_owned();
        let mut state = self.shared.lock();
        let failures = state.customers.as_mut().is_some_and(|t| t.remove(&key));
        let cards = state.new_cards.as_mut().is_some_and(|t| t.remove(&key));
        failures || cards
    }

    /// Forgets the failures counted for `ip` (for IPv6, its whole network); whether there were any.
    pub fn unlock_ip(&self, ip: IpAddr) -> bool {
        let key = self.shared.ip_key(ip);
        self.shared
            .lock()
            .ips
            .as_mut()
            .is_some_and(|t| t.remove(&key))
    }

    /// Forgets every count of `key`, as listed by [`CardTestingThrottle::locked`].
    pub fn unlock(&self, key: &ThrottleKey) -> bool {
        match key {
            ThrottleKey::Customer(customer) => self.unlock_customer(customer),
            ThrottleKey::Ip(ip) => self
                .shared
                .lock()
                .ips
                .as_mut()
                .is_some_and(|t| t.remove(ip)),
        }
    }

    /// Every key blocked now, sorted by key then scope.
    pub fn locked(&self) -> Vec<LockedKey> {
        let now = self.shared.clock.now();
        let mut state = self.shared.lock();
        let mut locked = Vec::new();
        let customer = |scope| {
            move |(id, count, retry_after)| LockedKey {
                key: ThrottleKey::Customer(id),
                scope,
                count,
                retry_after,
            }
        };
        if let Some(table) = state.customers.as_mut() {
            locked.extend(table.locked(now).into_iter().map(customer(Scope::Customer)));
        }
        if let Some(table) = state.new_cards.as_mut() {
            locked.extend(table.locked(now).into_iter().map(customer(Scope::NewCards)));
        }
        if let Some(table) = state.ips.as_mut() {
            locked.extend(
                table
                    .locked(now)
                    .into_iter()
                    .map(|(ip, count, retry_after)| LockedKey {
                        key: ThrottleKey::Ip(ip),
                        scope: Scope::Ip,
                        count,
                        retry_after,
                    }),
            );
        }
        locked.sort_by(|a, b| (&a.key, a.scope).cmp(&(&b.key, b.scope)));
        locked
    }

    /// Keys held in all tables (for metrics, and to see that memory stays bounded).
    pub fn tracked_keys(&self) -> usize {
        let state = self.shared.lock();
        state.customers.as_ref().map_or(0, Table::len)
            + state.ips.as_ref().map_or(0, Table::len)
            + state.new_cards.as_ref().map_or(0, Table::len)
    }
}

/// A card attempt admitted by [`CardTestingThrottle::try_begin_attempt`]. Say how it ended with
/// [`AttemptPermit::failed`], [`AttemptPermit::succeeded`] or [`AttemptPermit::release`];
/// dropping it unsettled counts as a failure.
#[must_use = "an attempt permit dropped unsettled counts as a failure"]
pub struct AttemptPermit {
    shared: Arc<Shared>,
    customer: Option<String>,
    ip: Option<IpKey>,
    settled: bool,
}

impl AttemptPermit {
    /// The attempt failed (declined, card error, 3-D Secure failed): counts a failure.
    pub fn failed(mut self) {
        self.settle(true);
    }

    /// The attempt succeeded: frees the slot.
    pub fn succeeded(mut self) {
        self.settle(false);
    }

    /// The outcome will be known later, in another request (3-D Secure redirect): frees the slot
    /// now; call [`CardTestingThrottle::record_failure`] if it fails.
    pub fn release(mut self) {
        self.settle(false);
    }

    fn settle(&mut self, failed: bool) {
        if !self.settled {
            self.settled = true;
            self.shared
                .end_attempt(self.customer.as_ref(), self.ip.as_ref(), failed);
        }
    }
}

impl Drop for AttemptPermit {
    fn drop(&mut self) {
        self.settle(true);
    }
}

impl std::fmt::Debug for AttemptPermit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttemptPermit")
            .field("customer", &self.customer)
            .field("ip", &self.ip)
            .field("settled", &self.settled)
            .finish()
    }
}
