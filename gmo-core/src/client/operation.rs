//! The contract between a typed request and the client.

use crate::error::RequestError;
use crate::values::OrderId;
use crate::wire::{DecodeError, FormEncoder, Response};

/// Which credentials the client adds to a request. Request types never carry them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Credentials {
    /// None: the transaction's `AccessID`/`AccessPass` authorise the call (ExecTran with a
    /// token, SecureTran2).
    None,
    /// `ShopID` and `ShopPass` (Shop API).
    Shop,
    /// `SiteID` and `SitePass` (Site API: members and stored cards).
    Site,
    /// Both (TradedCard, SearchCardDetail by member with BIN information).
    ShopAndSite,
}

impl Credentials {
    /// Whether the shop's credentials are added.
    pub fn shop(self) -> bool {
        matches!(self, Self::Shop | Self::ShopAndSite)
    }

    /// Whether the site's credentials are added.
    pub fn site(self) -> bool {
        matches!(self, Self::Site | Self::ShopAndSite)
    }
}

/// What a call does at GMO, which decides how the client may treat failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Reads only: the client retries it on transport failures, HTTP 5xx and throttling.
    ReadOnly,
    /// Stores or deletes data (members, cards): never retried; an unreadable answer leaves the
    /// outcome unknown.
    ChangesData,
    /// Registers, authorises, captures, cancels or changes a payment: never retried; an
    /// unreadable answer leaves the outcome unknown.
    MovesMoney,
}

impl Effect {
    /// Whether the client may send the call again after a failure.
    pub fn may_retry(self) -> bool {
        self == Self::ReadOnly
    }

    /// A stable name for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadOnly => "read_only",
            Self::ChangesData => "changes_data",
            Self::MovesMoney => "moves_money",
        }
    }
}

/// One GMO API: how to write its request and read its answer.
///
/// Every API of [`crate::api`] implements it; [`crate::GmoClient::send`] runs any of them.
/// Implement it for an API this crate does not model, or use
/// [`crate::GmoClient::send_raw`].
pub trait Operation: Send + Sync {
    /// The typed answer.
    type Output: Send;

    /// The API name, as in `/payment/<API>.idPass`.
    const API: &'static str;

    /// What the call does at GMO.
    const EFFECT: Effect;

    /// Whether the answer may carry a `CheckString` that must be verified (the client then needs
    /// the ShopPass even if the call itself does not send it).
    const VERIFIES_CHECK_STRING: bool = false;

    /// The credentials the client must add.
    fn credentials(&self) -> Credentials;

    /// The OrderID, when the request names one (recorded in the tracing span).
    fn order_id(&self) -> Option<&OrderId> {
        None
    }

    /// Writes the request's own fields (credentials are added by the client).
    fn encode(&self, form: &mut FormEncoder) -> Result<(), RequestError>;

    /// Whether this success answer carries a CheckString to verify (asked only when
    /// [`Self::VERIFIES_CHECK_STRING`] is `true`).
    fn expects_check_string(&self, _response: &Response) -> bool {
        Self::VERIFIES_CHECK_STRING
    }

    /// Reads a success answer (error answers never reach it).
    fn decode(&self, response: &Response) -> Result<Self::Output, DecodeError>;
}
