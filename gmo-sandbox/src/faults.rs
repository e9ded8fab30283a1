//! Fault injection: what goes wrong on purpose, for which API, how often, and what did go wrong.
//!
//! A [`Fault`] names a [`FaultKind`], the API it hits (or every API) and a [`Trigger`]: the next
//! `n` calls, or each call with a probability drawn from the fault's own seeded generator (so a
//! run repeats exactly). Each API call (a request to `/payment/<Api>.idPass` naming a known API,
//! whatever its method and body) consults the faults in the order they were added; the first one
//! that matches and triggers fires, and the call suffers at most that one fault (the global
//! latency comes on top).
//!
//! "Before commit" faults answer without running the API at all; "after commit" faults run it
//! (its effects stay) and then spoil the answer.

use std::collections::VecDeque;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::api::names::Api;

/// What a fault does to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Waits this long before handling the call (then handles it normally).
    Latency(Duration),
    /// HTTP 503 with an HTML maintenance page; nothing happens.
    ServiceUnavailable,
    /// The request is read, nothing happens, and the connection is closed without an answer.
    DropBeforeCommit,
    /// The call takes effect, then the connection is closed without an answer.
    DropAfterCommit,
    /// The call takes effect, then HTTP 200 answers an HTML page instead of a GMO answer.
    GarbageAfterCommit,
    /// The call takes effect, then HTTP 200 announces the whole answer but sends only its first
    /// half before closing the connection.
    TruncatedAfterCommit,
    /// `ErrCode=E92&ErrInfo=E92000001` (too many requests); nothing happens.
    Throttled,
    /// `ErrCode=E91&ErrInfo=E91099999` (outcome unknown); nothing happens.
    UnknownOutcome,
    /// The call takes effect, then answers `ErrCode=E91&ErrInfo=E91099999`.
    UnknownOutcomeAfterCommit,
}

impl FaultKind {
    /// Every kind's name, as the HTTP control endpoint spells it.
    pub const NAMES: &'static [&'static str] = &[
        "latency",
        "service_unavailable",
        "drop_before_commit",
        "drop_after_commit",
        "garbage_after_commit",
        "truncated_after_commit",
        "throttled",
        "unknown_outcome",
        "unknown_outcome_after_commit",
    ];

    /// The kind's name, e.g. `drop_after_commit`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Latency(_) => "latency",
            Self::ServiceUnavailable => "service_unavailable",
            Self::DropBeforeCommit => "drop_before_commit",
            Self::DropAfterCommit => "drop_after_commit",
            Self::GarbageAfterCommit => "garbage_after_commit",
            Self::TruncatedAfterCommit => "truncated_after_commit",
            Self::Throttled => "throttled",
            Self::UnknownOutcome => "unknown_outcome",
            Self::UnknownOutcomeAfterCommit => "unknown_outcome_after_commit",
        }
    }

    /// The kind of a name; `latency` takes its delay from `latency`.
    pub fn from_name(name: &str, latency: Duration) -> Option<Self> {
        Some(match name {
            "latency" => Self::Latency(latency),
            "service_unavailable" => Self::ServiceUnavailable,
            "drop_before_commit" => Self::DropBeforeCommit,
            "drop_after_commit" => Self::DropAfterCommit,
            "garbage_after_commit" => Self::GarbageAfterCommit,
            "truncated_after_commit" => Self::TruncatedAfterCommit,
            "throttled" => Self::Throttled,
            "unknown_outcome" => Self::UnknownOutcome,
            "unknown_outcome_after_commit" => Self::UnknownOutcomeAfterCommit,
            _ => return None,
        })
    }

    /// Whether the call still takes effect.
    pub fn commits(self) -> bool {
        matches!(
            self,
            Self::Latency(_)
                | Self::DropAfterCommit
                | Self::GarbageAfterCommit
                | Self::TruncatedAfterCommit
                | Self::UnknownOutcomeAfterCommit
        )
    }
}

/// When a fault fires.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trigger {
    /// On each of the next `n` matching calls.
    Next(u32),
    /// On each matching call with probability `p` (0 to 1), drawn from a generator seeded with
    /// `seed`.
    Probability {
        /// The probability.
        p: f64,
        /// The seed of the fault's own generator.
        seed: u64,
    },
}

/// A fault to inject.
///
/// ```
/// use std::time::Duration;
/// use gmo_sandbox::{Api, Fault, FaultKind};
///
/// // The next two ExecTran calls take effect but their connection drops.
/// let drop = Fault::new(FaultKind::DropAfterCommit).on(Api::ExecTran).times(2);
/// // A third of all calls are slow, the same third in every run.
/// let slow = Fault::new(FaultKind::Latency(Duration::from_millis(300))).with_probability(0.33, 7);
/// # let _ = (drop, slow);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub(crate) kind: FaultKind,
    pub(crate) api: Option<Api>,
    pub(crate) trigger: Trigger,
}

impl Fault {
    /// A fault on the next call to any API.
    pub fn new(kind: FaultKind) -> Self {
        Self {
            kind,
            api: None,
            trigger: Trigger::Next(1),
        }
    }

    /// Only calls to `api` (default: every API).
    pub fn on(mut self, api: Api) -> Self {
        self.api = Some(api);
        self
    }

    /// On the next `n` matching calls.
    pub fn times(mut self, n: u32) -> Self {
        self.trigger = Trigger::Next(n);
        self
    }

    /// On each matching call with probability `p` (clamped to 0..=1), reproducibly for a seed.
    pub fn with_probability(mut self, p: f64, seed: u64) -> Self {
        let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
        self.trigger = Trigger::Probability { p, seed };
        self
    }

    /// What it does.
    pub fn kind(&self) -> FaultKind {
        self.kind
    }

    /// The API it hits (`None`: every API).
    pub fn api(&self) -> Option<Api> {
        self.api
    }

    /// When it fires.
    pub fn trigger(&self) -> Trigger {
        self.trigger
    }
}

/// A fault the sandbox holds, with its counters.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FaultStatus {
    /// Its number, in order of addition (from 1).
    pub id: u64,
    /// The fault.
    pub fault: Fault,
    /// How many more calls it fires on (`None` for a probability).
    pub remaining: Option<u32>,
    /// How many times it fired.
    pub fired: u64,
}

/// One time a fault fired.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FiredFault {
    /// The fault's id.
    pub fault_id: u64,
    /// What it did.
    pub kind: FaultKind,
    /// The API called.
    pub api: Api,
    /// The order the call named, when it named one (`OrderID`, or the `AccessID` of a known
    /// transaction).
    pub order_id: Option<String>,
}

struct ArmedFault {
    status: FaultStatus,
    rng: Option<StdRng>,
}

/// The faults of a sandbox and the record of those that fired (the most recent `limit`).
pub(crate) struct FaultPlan {
    armed: Vec<ArmedFault>,
    fired: VecDeque<FiredFault>,
    limit: usize,
    next_id: u64,
}

impl std::fmt::Debug for FaultPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultPlan")
            .field("armed", &self.armed.len())
            .field("fired", &self.fired.len())
            .finish()
    }
}

/// A fault chosen for a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Firing {
    pub(crate) fault_id: u64,
    pub(crate) kind: FaultKind,
}

impl FaultPlan {
    /// No fault; remembers at most `limit` fired faults.
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            armed: Vec::new(),
            fired: VecDeque::new(),
            limit,
            next_id: 0,
        }
    }

    pub(crate) fn add(&mut self, fault: Fault) -> u64 {
        self.next_id += 1;
        let (remaining, rng) = match fault.trigger {
            Trigger::Next(n) => (Some(n), None),
            Trigger::Probability { seed, .. } => (None, Some(StdRng::seed_from_u64(seed))),
        };
        self.armed.push(ArmedFault {
            status: FaultStatus {
                id: self.next_id,
                fault,
                remaining,
                fired: 0,
            },
            rng,
        });
        self.next_id
    }

    /// Forgets every fault (the record of fired ones stays).
    pub(crate) fn clear(&mut self) {
        self.armed.clear();
    }

    /// Forgets everything.
    pub(crate) fn reset(&mut self) {
        self.armed.clear();
        self.fired.clear();
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.armed.is_empty()
    }

    /// The first armed fault that matches `api` and triggers, used up by one.
    pub(crate) fn pick(&mut self, api: Api) -> Option<Firing> {
        for armed in &mut self.armed {
            let status = &mut armed.status;
            if status.fault.api.is_some_and(|a| a != api) {
                continue;
            }
            let fires = match (&mut status.remaining, &mut armed.rng, status.fault.trigger) {
                (Some(0), _, _) => false,
                (Some(n), _, _) => {
                    *n -= 1;
                    true
                }
                (None, Some(rng), Trigger::Probability { p, .. }) => rng.random_bool(p),
                (None, _, _) => false,
            };
            if fires {
                status.fired += 1;
                return Some(Firing {
                    fault_id: status.id,
                    kind: status.fault.kind,
                });
            }
        }
        None
    }

    pub(crate) fn record(&mut self, firing: Firing, api: Api, order_id: Option<String>) {
        if self.limit == 0 {
            return;
        }
        if self.fired.len() >= self.limit {
            self.fired.pop_front();
        }
        self.fired.push_back(FiredFault {
            fault_id: firing.fault_id,
            kind: firing.kind,
            api,
            order_id,
        });
    }

    pub(crate) fn statuses(&self) -> Vec<FaultStatus> {
        self.armed.iter().map(|a| a.status.clone()).collect()
    }

    pub(crate) fn fired(&self) -> Vec<FiredFault> {
        self.fired.iter().cloned().collect()
    }
}

/// The page of the 503 fault, like a maintenance page.
pub(crate) const MAINTENANCE_PAGE: &str = "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n\
<meta charset=\"utf-8\">\n<title>メンテナンス中 / Service Temporarily Unavailable</title>\n</head>\n\
<body>\n<h1>Service Temporarily Unavailable</h1>\n<p>ただいまメンテナンス中です。\
The server is temporarily unable to service your request (gmo-sandbox fault).</p>\n</body>\n</html>\n";

/// The body of the garbage fault: HTML where a GMO answer was expected.
pub(crate) const GARBAGE_PAGE: &str = "<!DOCTYPE html>\n<html>\n<head><title>Error</title></head>\n\
<body>\n<p>An unexpected error occurred. (gmo-sandbox fault)</p>\n</body>\n</html>\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_fire_in_order_and_run_out() {
        let mut plan = FaultPlan::new(100);
        let a = plan.add(Fault::new(FaultKind::Throttled).on(Api::ExecTran).times(2));
        let b = plan.add(Fault::new(FaultKind::UnknownOutcome));
        assert_eq!(plan.pick(Api::SearchTrade).map(|f| f.fault_id), Some(b));
        assert_eq!(plan.pick(Api::ExecTran).map(|f| f.fault_id), Some(a));
        assert_eq!(plan.pick(Api::ExecTran).map(|f| f.fault_id), Some(a));
        assert_eq!(plan.pick(Api::ExecTran), None);
        let statuses = plan.statuses();
        assert_eq!(statuses[0].remaining, Some(0));
        assert_eq!(statuses[0].fired, 2);
        assert_eq!(statuses[1].fired, 1);
    }

    #[test]
    fn probabilities_repeat_for_a_seed() {
        let draw = |seed| {
            let mut plan = FaultPlan::new(100);
            plan.add(Fault::new(FaultKind::Throttled).with_probability(0.5, seed));
            (0..64)
                .map(|_| plan.pick(Api::EntryTran).is_some())
                .collect::<Vec<_>>()
        };
        let first = draw(42);
        assert_eq!(first, draw(42));
        assert_ne!(first, draw(43));
        let fired = first.iter().filter(|f| **f).count();
        assert!((16..=48).contains(&fired), "{fired}");
    }

    #[test]
    fn names_round_trip() {
        for name in FaultKind::NAMES {
            let kind = FaultKind::from_name(name, Duration::from_millis(5)).unwrap();
            assert_eq!(kind.name(), *name);
        }
        assert_eq!(FaultKind::from_name("nope", Duration::ZERO), None);
    }
}
