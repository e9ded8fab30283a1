//! What an error code means for the caller.

/// The classification of a GMO error code (`docs/protocol.md` §7.1): what happened and what to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request was malformed or refers to nothing (`E00`, `E01`, `E31`, `M01`…): fix it; never
    /// retry as is. Nothing happened at GMO.
    InvalidRequest,
    /// The issuer declined the card (`G..` / `42G…`): ask for another card; never retry the same
    /// card automatically. Nothing was charged.
    Declined,
    /// The card token is unknown, used, expired or for another shop (`EX1`): get a new token in
    /// the browser.
    TokenProblem,
    /// The transaction is not in a state that allows the call (`E11`, "already executed"): look
    /// the transaction up.
    StateConflict,
    /// GMO or the card network failed midway (`E90`, `E91`, `C..` / `42C…`): the outcome is
    /// unknown. Look it up with SearchTrade before anything else; never retry blind.
    OutcomeUnknown,
    /// GMO throttled the request (`E92`): retry later with back-off. Nothing happened.
    Throttled,
    /// The shop's contract or settings do not allow the call (`E61`, some `E01`): contact GMO.
    MerchantConfiguration,
    /// 3-D Secure authentication failed or could not be done (`E21`).
    ThreeDSecureFailed,
}

impl ErrorKind {
    /// A stable machine-readable name, e.g. `outcome_unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::Declined => "declined",
            Self::TokenProblem => "token_problem",
            Self::StateConflict => "state_conflict",
            Self::OutcomeUnknown => "outcome_unknown",
            Self::Throttled => "throttled",
            Self::MerchantConfiguration => "merchant_configuration",
            Self::ThreeDSecureFailed => "three_d_secure_failed",
        }
    }
}

impl ErrorKind {
    /// How serious the kind is when an answer carries several codes; the overall kind of an
    /// answer is its most serious code's kind.
    ///
    /// From most to least serious: `OutcomeUnknown` (money may have moved: look it up first),
    /// `StateConflict` (look the transaction up), `MerchantConfiguration` (nothing will work
    /// until GMO changes a setting), `Declined`, `ThreeDSecureFailed`, `TokenProblem` (the
    /// customer must act), `InvalidRequest` (our input must change), `Throttled` (only waiting
    /// is needed; ranked last so that an answer that also reports an invalid request is never
    /// retried unchanged).
    pub fn severity(self) -> u8 {
        match self {
            Self::OutcomeUnknown => 7,
            Self::StateConflict => 6,
            Self::MerchantConfiguration => 5,
            Self::Declined => 4,
            Self::ThreeDSecureFailed => 3,
            Self::TokenProblem => 2,
            Self::InvalidRequest => 1,
            Self::Throttled => 0,
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
