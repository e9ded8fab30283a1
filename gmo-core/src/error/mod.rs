//! Errors of the GMO client.
//!
//! [`GmoError`] is what every call answers on failure. What matters most is whether GMO may
//! have acted: [`GmoError::outcome_unknown`] is `true` whenever the request may have reached
//! GMO and the answer cannot be relied on (timeouts and broken connections after sending, HTTP
//! 5xx, an unreadable answer to a call that changes something, a CheckString that does not
//! match, and GMO's own "outcome unknown" codes). Such an outcome must be looked up with
//! SearchTrade, never retried blind.

use std::borrow::Cow;

mod api;
pub mod catalogue;
mod kind;
mod transport;

pub use api::{ApiError, ApiErrorCode};
pub use kind::ErrorKind;
pub use transport::{TransportError, TransportFailure};

use crate::values::InvalidValue;
use crate::wire::{DecodeError, EncodeError};

/// A request that was not sent because it is invalid; nothing happened at GMO.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// A field breaks GMO's rule for it.
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// A field holds a character Windows-31J cannot represent.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The call needs credentials the client was not given.
    #[error("{api} needs the {credentials} credentials, which this client was not given")]
    MissingCredentials {
        /// The API.
        api: Cow<'static, str>,
        /// `shop` or `site`.
        credentials: &'static str,
    },
}

/// Any failure of a call to GMO.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GmoError {
    /// GMO answered with error codes.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The request and its answer could not be exchanged.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// GMO's answer could not be read.
    #[error("could not read GMO's answer to {api}{}: {source}", if *outcome_unknown { " (outcome unknown)" } else { "" })]
    Decode {
        /// The API.
        api: Cow<'static, str>,
        /// Whether the call may have changed something at GMO (it is not a read-only call).
        outcome_unknown: bool,
        /// What was wrong with the answer.
        #[source]
        source: DecodeError,
    },
    /// The request was invalid and was not sent.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// The answer's CheckString does not match its fields and the ShopPass: the answer cannot be
    /// trusted, so the outcome is unknown.
    #[error("the CheckString of GMO's answer to {api} does not match its fields (outcome unknown)")]
    CheckStringMismatch {
        /// The API.
        api: Cow<'static, str>,
    },
}

impl GmoError {
    /// Whether GMO may have acted on the request although no trustworthy success came back.
    /// Look the transaction up (SearchTrade) before anything else; never retry blind.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Self::Api(e) => e.outcome_unknown(),
            Self::Transport(e) => e.outcome_unknown(),
            Self::Decode {
                outcome_unknown, ..
            } => *outcome_unknown,
            Self::Request(_) => false,
            Self::CheckStringMismatch { .. } => true,
        }
    }

    /// The classification of the failure.
    ///
    /// GMO's errors have their codes' kind; an invalid request is
    /// [`ErrorKind::InvalidRequest`]; every failure whose outcome is unknown is
    /// [`ErrorKind::OutcomeUnknown`]. `None` for transport and decode failures that certainly
    /// changed nothing (the request was not sent, or a read-only call's answer was unreadable).
    pub fn kind(&self) -> Option<ErrorKind> {
        match self {
            Self::Api(e) => Some(e.kind()),
            Self::Request(_) => Some(ErrorKind::InvalidRequest),
            other if other.outcome_unknown() => Some(ErrorKind::OutcomeUnknown),
            _ => None,
        }
    }

    /// The API error, if GMO answered with error codes.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }

    /// GMO answered that the OrderID is already used (`E01040010`).
    pub fn is_duplicate_order(&self) -> bool {
        self.as_api().is_some_and(ApiError::is_duplicate_order)
    }

    /// GMO answered that the transaction was already executed.
    pub fn is_already_executed(&self) -> bool {
        self.as_api().is_some_and(ApiError::is_already_executed)
    }

    /// GMO answered that the transaction, member, card or order does not exist.
    pub fn is_not_found(&self) -> bool {
        self.as_api().is_some_and(ApiError::is_not_found)
    }

    /// The issuer's decline code, if the card was declined.
    pub fn declined(&self) -> Option<&ApiErrorCode> {
        self.as_api().and_then(ApiError::declined)
    }

    /// A stable name of the failure's class for logs and metrics: the [`ErrorKind`]'s name,
    /// or `transport`, `decode`.
    pub fn class(&self) -> &'static str {
        match self {
            Self::Api(e) => e.kind().as_str(),
            Self::Transport(_) => "transport",
            Self::Decode { .. } => "decode",
            Self::Request(_) => ErrorKind::InvalidRequest.as_str(),
            Self::CheckStringMismatch { .. } => "check_string_mismatch",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_outcomes_are_flagged_everywhere() {
        let transport = |f| GmoError::from(TransportError::new("ExecTran", f, None));
        assert!(transport(TransportFailure::TimedOut).outcome_unknown());
        assert_eq!(
            transport(TransportFailure::TimedOut).kind(),
            Some(ErrorKind::OutcomeUnknown)
        );
        assert!(!transport(TransportFailure::NotSent).outcome_unknown());
        assert_eq!(transport(TransportFailure::NotSent).kind(), None);
        let mismatch = GmoError::CheckStringMismatch {
            api: "SecureTran2".into(),
        };
        assert!(mismatch.outcome_unknown());
        let decode = |unknown| GmoError::Decode {
            api: "ExecTran".into(),
            outcome_unknown: unknown,
            source: DecodeError::Empty,
        };
        assert!(decode(true).outcome_unknown());
        assert!(!decode(false).outcome_unknown());
        let invalid = GmoError::from(RequestError::from(InvalidValue {
            field: "OrderID",
            rule: "r",
        }));
        assert!(!invalid.outcome_unknown());
        assert_eq!(invalid.kind(), Some(ErrorKind::InvalidRequest));
    }
}
