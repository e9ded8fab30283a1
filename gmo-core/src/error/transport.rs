//! Failures to exchange a request and an answer with GMO.

use std::borrow::Cow;
use std::fmt;

/// What went wrong on the way to GMO or back, and so whether GMO may have acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportFailure {
    /// The request certainly did not reach GMO: the name did not resolve, the connection was
    /// refused or could not be set up (TCP or TLS), or the request could not be built.
    NotSent,
    /// No answer came within the timeout after the request was sent.
    TimedOut,
    /// The connection broke after the request was sent (reset, closed early).
    ConnectionLost,
    /// GMO answered with an HTTP status other than 2xx.
    HttpStatus(u16),
    /// The answer's body could not be read to its end.
    BodyUnreadable,
}

impl TransportFailure {
    /// Whether GMO may have received the request and acted on it.
    ///
    /// Everything after the request may have left is unknown: timeouts, broken connections,
    /// unreadable bodies, and HTTP 5xx (GMO's front may fail after its back end committed).
    /// Other statuses are answers of a front that refused the request.
    pub fn outcome_unknown(self) -> bool {
        match self {
            Self::NotSent => false,
            Self::TimedOut | Self::ConnectionLost | Self::BodyUnreadable => true,
            Self::HttpStatus(status) => status >= 500,
        }
    }
}

impl fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotSent => f.write_str("the request could not be sent"),
            Self::TimedOut => f.write_str("no answer within the timeout"),
            Self::ConnectionLost => f.write_str("the connection broke before the answer came"),
            Self::HttpStatus(status) => write!(f, "HTTP status {status}"),
            Self::BodyUnreadable => f.write_str("the answer could not be read"),
        }
    }
}

/// The request and its answer could not be exchanged with GMO.
#[derive(Debug, thiserror::Error)]
#[error("calling GMO {api} failed: {failure}{}", if failure.outcome_unknown() { " (outcome unknown)" } else { "" })]
pub struct TransportError {
    api: Cow<'static, str>,
    failure: TransportFailure,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl TransportError {
    /// A failure of a call to `api`, with its underlying cause.
    pub fn new(
        api: impl Into<Cow<'static, str>>,
        failure: TransportFailure,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            api: api.into(),
            failure,
            source,
        }
    }

    /// The API that was called.
    pub fn api(&self) -> &str {
        &self.api
    }

    /// What went wrong.
    pub fn failure(&self) -> TransportFailure {
        self.failure
    }

    /// Whether GMO may have received the request and acted on it.
    pub fn outcome_unknown(&self) -> bool {
        self.failure.outcome_unknown()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failures_after_sending_are_unknown() {
        assert!(!TransportFailure::NotSent.outcome_unknown());
        assert!(TransportFailure::TimedOut.outcome_unknown());
        assert!(TransportFailure::ConnectionLost.outcome_unknown());
        assert!(TransportFailure::BodyUnreadable.outcome_unknown());
        assert!(TransportFailure::HttpStatus(503).outcome_unknown());
        assert!(!TransportFailure::HttpStatus(404).outcome_unknown());
        let err = TransportError::new("ExecTran", TransportFailure::TimedOut, None);
        assert!(err.to_string().contains("outcome unknown"));
    }
}
