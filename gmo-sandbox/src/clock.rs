//! Time as the sandbox sees it: token expiry, `TranDate` and `ProcessDate` read a [`Clock`], so
//! tests can freeze and advance time with a [`ManualClock`].

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use time::{OffsetDateTime, UtcOffset, macros::format_description, macros::offset};

/// Japan Standard Time, the zone of every GMO timestamp.
pub(crate) const JST: UtcOffset = offset!(+9);

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant.
    fn now(&self) -> OffsetDateTime;

    /// Moves the clock forward if it can be moved (`POST /sandbox/clock/advance`); whether it
    /// moved. The default cannot.
    fn advance(&self, by: Duration) -> bool {
        let _ = by;
        false
    }
}

/// The machine's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to. Clones share the same time.
///
/// ```
/// use std::time::Duration;
/// use gmo_sandbox::{Clock, ManualClock};
///
/// let clock = ManualClock::starting_at(time::macros::datetime!(2026-04-01 09:00 +9));
/// clock.advance(Duration::from_secs(31 * 60));
/// assert_eq!(clock.now(), time::macros::datetime!(2026-04-01 09:31 +9));
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<OffsetDateTime>>,
}

impl ManualClock {
    /// A clock frozen at `start`.
    pub fn starting_at(start: OffsetDateTime) -> Self {
        Self {
            now: Arc::new(Mutex::new(start)),
        }
    }

    /// A clock frozen at the current system time.
    pub fn starting_now() -> Self {
        Self::starting_at(OffsetDateTime::now_utc())
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }

    /// Sets the clock to `to` (which may be in the past).
    pub fn set(&self, to: OffsetDateTime) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn advance(&self, by: Duration) -> bool {
        ManualClock::advance(self, by);
        true
    }
}

/// `yyyyMMddHHmmss` in Japan time (`TranDate`, `ProcessDate`).
pub(crate) fn gmo_timestamp(at: OffsetDateTime) -> String {
    format_or_empty(
        at,
        format_description!("[year][month][day][hour][minute][second]"),
    )
}

/// `yyMMddHHmm` in Japan time (the head of a `TranID`).
pub(crate) fn tran_id_prefix(at: OffsetDateTime) -> String {
    format_or_empty(
        at,
        format_description!("[year repr:last_two][month][day][hour][minute]"),
    )
}

/// `yyyy-MM-dd-HH-mm-ss` in Japan time (token.js `toBeExpiredAt`).
pub(crate) fn token_expiry(at: OffsetDateTime) -> String {
    format_or_empty(
        at,
        format_description!("[year]-[month]-[day]-[hour]-[minute]-[second]"),
    )
}

fn format_or_empty(
    at: OffsetDateTime,
    format: &[time::format_description::BorrowedFormatItem<'_>],
) -> String {
    // Formatting a valid date with a fixed numeric pattern cannot fail; an empty string is a
    // visible, harmless fallback rather than a panic.
    at.to_offset(JST).format(format).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_in_japan_time() {
        let at = datetime!(2013-03-01 02:58:37 UTC);
        assert_eq!(gmo_timestamp(at), "20130301115837");
        assert_eq!(tran_id_prefix(at), "1303011158");
        assert_eq!(token_expiry(at), "2013-03-01-11-58-37");
    }
}
