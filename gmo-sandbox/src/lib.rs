//! # gmo-sandbox
//!
//! An offline simulator of GMO Payment Gateway's PG Multi-Payment service (protocol type,
//! `/payment/<Api>.idPass`), for tests and local development: real GMO clients talk to it as
//! they talk to GMO — Windows-31J form bodies, `ErrCode`/`ErrInfo` pipe lists, fixed field
//! order, the unescaped `RedirectUrl` of 3-D Secure 2.0.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use gmo_sandbox::{Sandbox, DEFAULT_SHOP_ID, DEFAULT_SHOP_PASS};
//!
//! let sandbox = Sandbox::builder().spawn().await?;
//! let entry_tran = format!("{}/payment/EntryTran.idPass", sandbox.base_url());
//! assert_eq!(sandbox.shop_id(), DEFAULT_SHOP_ID);
//! assert_eq!(sandbox.shop_pass(), DEFAULT_SHOP_PASS);
//! let token = sandbox.issue_token("4111111111111111", "2812", "123")?;
//! # let _ = (entry_tran, token);
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! ## What it serves
//!
//! * `POST /payment/<Api>.idPass` for every [`Api`]; GET answers `E31500014`, an unknown API
//!   `E91099997`, a body that is neither `application/x-www-form-urlencoded` nor
//!   `multipart/form-data` (which GMO's own Node SDK sends) `E00000003`, a body of either type
//!   holding bytes that are not Windows-31J `E00000010`.
//! * `POST /sandbox/tokens` (form fields `cardno`, `expire`, `securitycode`, `holdername`,
//!   `tokennumber`, `shopid`): the JSON object token.js hands its callback.
//! * `GET /ext/js/token.js`: GMO's browser API (`Multipayment.init`, `Multipayment.getToken`)
//!   answered by this sandbox; a shop's page switches by the script URL alone.
//! * The simulated ACS of 3-D Secure 2.0 under `/acs/` (see [`ReturnForm`]).
//! * Control and inspection in JSON under `/sandbox/` (calls, transactions, members, state
//!   changes, faults, latency, notifications, clock, reset): the same abilities as the methods
//!   of [`Sandbox`]; the crate's README lists them with `curl` examples.
//!
//! ## Result notifications
//!
//! With a notification URL ([`SandboxBuilder::notify_url`], [`ShopConfig::notify_url`] or
//! [`Sandbox::set_notify_url`]), every state change made by ExecTran, SecureTran2, AlterTran or
//! ChangeTran is posted in the background as GMO's result notification, retried until the
//! receiver answers HTTP 200 `0` or the retries run out, one order's notifications in order.
//! [`Sandbox::notifications`] lists the deliveries, [`Sandbox::send_connectivity_test`] sends
//! GMO's connectivity test. Choices where GMO's behaviour is not known:
//!
//! * The `C01` test card's change is notified with its new status and empty `ErrCode`/`ErrInfo`
//!   (the notification reports the transaction as SearchTrade shows it).
//! * The end of a 3-D Secure authentication (`AUTHENTICATED`) is not notified.
//! * Only HTTP 200 with exactly `0` acknowledges (no trailing newline); `Content-Type` is
//!   `application/x-www-form-urlencoded` without a charset.
//! * A notification waits for the previous one of the same order to be acknowledged or given
//!   up; other orders do not wait. Retries follow a fixed interval.
//! * The connectivity test carries the ShopID (and the ShopPass mask) besides
//!   `ErrCode=E00&ErrInfo=E00000000`.
//!
//! ## Faults
//!
//! [`Sandbox::add_fault`] (or [`SandboxBuilder::fault`], or `POST /sandbox/faults`) arms a
//! [`Fault`]: latency, HTTP 503, a connection dropped before or after the call takes effect,
//! garbage or truncated answers after it took effect, `E92000001` throttling, `E91099999` with or
//! without the call taking effect; for one API or all, for the next `n` calls or with a seeded
//! probability. [`Sandbox::fired_faults`] tells which fired. A call runs in a task of its own, so a
//! client that times out does not cancel it: it takes effect after the client gave up, as it
//! would at GMO.
//!
//! ## Test cards
//!
//! See [`TEST_CARDS`]; any other Luhn-valid number is approved, frictionless. Outcomes apply at
//! ExecTran without 3-D Secure, at SecureTran2, and at the re-authorisations of AlterTran and
//! ChangeTran; the validity-check card (`4100000000000902`) fails `CHECK` and SaveCard only.
//!
//! ## Choices where GMO's behaviour is not public
//!
//! * Token endpoint: an unknown `shopid` answers `180` ("ShopID or public-key hash unknown": the
//!   endpoint's `shopid` plays the part of token.js's key pair); a Luhn-invalid number `102`;
//!   `maskedCardNo` shows the first 6 and last 4 digits.
//! * A token named by ExecTran, SaveCard or SearchCardDetail of its own shop is spent by that
//!   call whatever its outcome (validation errors included); another shop's token answers
//!   `EX1000304` and stays unspent.
//! * Shop and site credential errors (`E0101…`, `E0102…`, `E01030002`, `E0119…`, `E0120…`,
//!   `E01210002`) are reported alone.
//! * SecureTran2 before a successful authentication: `E21030007`; after the transaction was
//!   authorised: `E01050004|M01004014`, as a repeated ExecTran. An issuer decline at SecureTran2
//!   leaves the transaction AUTHENTICATED.
//! * A money-moving call on a transaction whose slow authorisation is still running:
//!   `E90010001`.
//! * Tds2Auth/Tds2Result called at the wrong moment or with the wrong `Tds2Param`: `E01E40008`
//!   (`E01E40001` without `Tds2Param`); on a transaction that is not in a CallbackType 2 flow but
//!   already authorised: `E01050004|M01004014`. Tds2Auth rejects with
//!   `Tds2TransResultReason=11`, a failed challenge gives `N` / `01`.
//! * The `ChallengeUrl` of Tds2Auth is `/acs/challenge/<transId>/<t>`: it holds no `&`, which
//!   clients would split on.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Library code paths that input can reach never unwrap; tests may (clippy.toml).
#![warn(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod api;
mod browser;
mod cards;
mod clock;
mod config;
mod events;
mod faults;
mod http;
mod ids;
mod inspect;
mod notifications;
mod sandbox;
mod server;
mod state;
mod tokens;

pub use api::Api;
pub use browser::{AcsBrowser, AcsError};
pub use cards::{
    AuthorisationOutcome, DEFAULT_SLOW_CARD_DELAY, TEST_CARDS, TestCard, ThreeDsBehaviour,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    ApprovePadding, ContentTypeVariant, DEFAULT_HISTORY_LIMIT, DEFAULT_MAX_CARDS_PER_MEMBER,
    DEFAULT_SHOP_ID, DEFAULT_SHOP_PASS, DEFAULT_SITE_ID, DEFAULT_SITE_PASS, DEFAULT_TOKEN_TTL,
    NotEnrolledPolicy, SandboxBuilder, ShopConfig, SiteConfig, StateChangeListener, TokenStyle,
};
pub use events::StateChange;
pub use faults::{Fault, FaultKind, FaultStatus, FiredFault, Trigger};
pub use http::ReturnForm;
pub use inspect::{
    MemberSnapshot, StoredCardSnapshot, ThreeDsSnapshot, ThreeDsState, TransactionSnapshot,
};
pub use notifications::{
    DEFAULT_NOTIFICATION_INTERVAL, DEFAULT_NOTIFICATION_RETRIES, DEFAULT_NOTIFICATION_TIMEOUT,
    Delivery, DeliveryAttempt, DeliveryOutcome, GMO_NOTIFICATION_INTERVAL, NotifyError,
};
pub use sandbox::{RESPONSE_CONTENT_TYPE, Sandbox};
pub use server::{RunningSandbox, SpawnError};
pub use tokens::{IssuedTokens, TokenError, TokenRequest};

/// The README's Rust examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The one-time password that passes a 3-D Secure challenge in the sandbox.
pub const CHALLENGE_OTP: &str = "123456";
