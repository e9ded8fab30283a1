//! Framework-free guards for the routes that take card payments; the axum and actix adapters
//! wrap them.
//!
//! * [`CardDataGuard`] refuses any request that carries a card number (PCI DSS requirement 3,
//!   Japan's 非保持化: card numbers go from the browser to GMO's token API, never to the
//!   merchant). It reads query strings, paths, headers, cookies and bodies (forms, JSON,
//!   multipart, text) in every encoding a browser or a script produces, and reports the field,
//!   never the value.
//! * [`CardTestingThrottle`] limits failed card attempts per customer and per client address,
//!   and new cards per customer, so that a shop cannot be used to test stolen card numbers.
//! * [`CustomerMessage`] words card failures for the buyer without revealing the issuer's
//!   reason (no "decline oracle").
//!
//! ```
//! use gmo_core::guard::{CardDataGuard, CardTestingThrottle, GuardConfig, ThrottleConfig};
//!
//! let guard = CardDataGuard::new(GuardConfig::default());
//! let throttle = CardTestingThrottle::new(ThrottleConfig::default());
//!
//! // A checkout request: first the guard, then the throttle.
//! let body = b"token=a3Fk9x-token&amount=1200";
//! guard.check_body(Some("application/x-www-form-urlencoded"), body)?;
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let attempt = throttle.try_begin_attempt(Some("member-1"), "203.0.113.9".parse().ok()).await?;
//! // … EntryTran / ExecTran with the token …
//! attempt.succeeded().await;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod card_data;
pub mod customer_message;
pub mod throttle;

pub use card_data::{
    BodyScanner, CardDataFound, CardDataGuard, DEFAULT_UNSCANNED_HEADERS, GuardConfig, Location,
    RECOMMENDED_MAX_BODY_BYTES,
};
pub use customer_message::{CustomerMessage, MessagePolicy};
pub use throttle::{
    AttemptPermit, AttemptTicket, CardTestingThrottle, Clock, Decide, EventQuery, IpKey, Limit,
    LockedKey, ManualClock, MemoryThrottleStore, Scope, SystemClock, ThrottleConfig, ThrottleEvent,
    ThrottleKey, ThrottleStore, ThrottleStoreError, Throttled,
};
