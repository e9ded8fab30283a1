//! Result notifications (結果通知プログラム): after each state change of a transaction the
//! sandbox, like GMO, posts the card fields of `docs/protocol.md` §6 to the shop's notification URL
//! and expects HTTP 200 with the body `0`.
//!
//! * Which changes: ExecTran (`ACS=0`), SecureTran2, AlterTran and ChangeTran. The end of a 3-D
//!   Secure authentication (status `AUTHENTICATED`) is internal to GMO's flow and sends nothing.
//! * The `C01` test card (the authorisation happens though the caller is told `C01`): the
//!   notification reports the transaction as it now is — its new `Status`, `TranID`… — with
//!   `ErrCode`/`ErrInfo` empty, as SearchTrade would show it; the error was the answer's, not the
//!   transaction's.
//! * The body is a Windows-31J `application/x-www-form-urlencoded` form in GMO's field order:
//!   `ShopID`, `ShopPass` (always `**********`), `AccessID`, `AccessPass` (always 32 `*`),
//!   `OrderID`, `Status`, `JobCd`, `Amount`, `Tax`, `Currency` (`JPN`), `Forward`, `Method`,
//!   `PayTimes`, `TranID`, `Approve`, `TranDate`, `ErrCode`, `ErrInfo`, `PayType` (`0`).
//! * Only exactly `0` with HTTP 200 acknowledges. Anything else — body `1`, another body, another
//!   status, a timeout, a connection error — is retried after an interval, a number of times
//!   ([`DEFAULT_NOTIFICATION_RETRIES`] × [`DEFAULT_NOTIFICATION_INTERVAL`] by default, short for
//!   tests; GMO's own schedule is about [`GMO_NOTIFICATION_INTERVAL`] × 5), then given up.
//! * Deliveries run in the background and never hold up an API answer. The deliveries of one
//!   order go out one after the other, in the order of the changes: a notification waits until
//!   the one before it for the same order is acknowledged or given up. Different orders do not
//!   wait for each other.
//! * The connectivity test of GMO's management screen ([`Sandbox::send_connectivity_test`](
//!   crate::Sandbox::send_connectivity_test)) sends `ShopID`, `ErrCode=E00` and
//!   `ErrInfo=E00000000`, every other field empty (`ShopPass` still masked). The ShopID is kept
//!   because a receiver checks it before anything else.

pub(crate) mod sender;

use std::time::Duration;

use gmo_core::values::{JobCd, Status};
use gmo_core::wire::{EncodeError, FormEncoder};

pub(crate) use sender::Notifier;

use crate::events::StateChange;

/// How many times a refused notification is sent again, unless configured otherwise.
pub const DEFAULT_NOTIFICATION_RETRIES: u32 = 5;
/// The wait between two attempts, unless configured otherwise (short, for tests).
pub const DEFAULT_NOTIFICATION_INTERVAL: Duration = Duration::from_millis(200);
/// How long an attempt may take before it counts as failed, unless configured otherwise (GMO
/// waits about 15 s).
pub const DEFAULT_NOTIFICATION_TIMEOUT: Duration = Duration::from_secs(5);
/// GMO's own wait between two attempts (about an hour, 5 retries), for a sandbox that should
/// behave like production.
pub const GMO_NOTIFICATION_INTERVAL: Duration = Duration::from_secs(60 * 60);

/// `ShopPass` as notifications show it.
pub(crate) const SHOP_PASS_MASK: &str = "**********";
/// `AccessPass` as notifications show it.
pub(crate) const ACCESS_PASS_MASK: &str = "********************************";

/// One notification the sandbox sent (or is sending), with its attempts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Delivery {
    /// Its number, in order of creation (from 1).
    pub id: u64,
    /// Where it goes.
    pub url: String,
    /// The shop.
    pub shop_id: String,
    /// The order (empty for a connectivity test).
    pub order_id: String,
    /// The status it reports (`None` for a connectivity test).
    pub status: Option<Status>,
    /// The job it reports (`None` for a connectivity test).
    pub job_cd: Option<JobCd>,
    /// The API whose state change it reports (empty for a connectivity test).
    pub api: String,
    /// Whether it is the connectivity test.
    pub connectivity_test: bool,
    /// The form body as sent (ASCII; passwords masked).
    pub body: String,
    /// The attempts so far, oldest first.
    pub attempts: Vec<DeliveryAttempt>,
    /// Where it stands.
    pub outcome: DeliveryOutcome,
}

/// One attempt to deliver a notification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeliveryAttempt {
    /// HTTP 200 with the body `0`.
    Acknowledged,
    /// The receiver answered, but not HTTP 200 with `0`.
    Refused {
        /// The HTTP status.
        http_status: u16,
        /// The body (at most 200 bytes of it, lossily decoded).
        body: String,
    },
    /// No complete answer within the timeout.
    TimedOut,
    /// The connection failed.
    ConnectionFailed {
        /// Why.
        error: String,
    },
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryOutcome {
    /// Waiting for its turn, being sent, or waiting to be sent again.
    Pending,
    /// Acknowledged.
    Delivered,
    /// Every attempt failed.
    GaveUp,
}

/// Why a connectivity test could not be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// No such shop.
    #[error("unknown shop {0}")]
    UnknownShop(String),
    /// The shop has no notification URL.
    #[error("the shop {0} has no notification URL")]
    NoUrl(String),
}

/// The form of a state change's notification.
pub(crate) fn state_change_form(change: &StateChange) -> Result<String, EncodeError> {
    let amount = change.amount.to_string();
    let tax = change.tax.to_string();
    let mut form = FormEncoder::with_capacity(400);
    form.push("ShopID", &change.shop_id)?
        .push("ShopPass", SHOP_PASS_MASK)?
        .push("AccessID", &change.access_id)?
        .push("AccessPass", ACCESS_PASS_MASK)?
        .push("OrderID", &change.order_id)?
        .push("Status", change.to.as_str())?
        .push("JobCd", change.job_cd.as_str())?
        .push("Amount", &amount)?
        .push("Tax", &tax)?
        .push("Currency", "JPN")?
        .push("Forward", &change.forward)?
        .push("Method", &change.method)?
        .push("PayTimes", &change.pay_times)?
        .push("TranID", &change.tran_id)?
        .push("Approve", &change.approve)?
        .push("TranDate", &change.tran_date)?
        // The operation succeeded (even for the C01 card, whose change did happen).
        .push("ErrCode", "")?
        .push("ErrInfo", "")?
        .push("PayType", "0")?;
    Ok(form.finish())
}

/// The form of the connectivity test.
pub(crate) fn connectivity_test_form(shop_id: &str) -> Result<String, EncodeError> {
    let mut form = FormEncoder::with_capacity(200);
    form.push("ShopID", shop_id)?
        .push("ShopPass", SHOP_PASS_MASK)?;
    for key in [
        "AccessID",
        "AccessPass",
        "OrderID",
        "Status",
        "JobCd",
        "Amount",
        "Tax",
        "Currency",
        "Forward",
        "Method",
        "PayTimes",
        "TranID",
        "Approve",
        "TranDate",
    ] {
        form.push(key, "")?;
    }
    form.push("ErrCode", "E00")?
        .push("ErrInfo", "E00000000")?
        .push("PayType", "")?;
    Ok(form.finish())
}

/// Whether a state change made by `api` is notified.
pub(crate) fn is_notified(api: &str) -> bool {
    matches!(api, "ExecTran" | "SecureTran2" | "AlterTran" | "ChangeTran")
}
