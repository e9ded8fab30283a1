//! GMO's error answers (`ErrCode=…&ErrInfo=…`), classified.

use std::borrow::Cow;
use std::fmt;

use super::catalogue::{self, CodeInfo};
use super::kind::ErrorKind;
use crate::wire::ErrorPair;

/// One `(ErrCode, ErrInfo)` pair of an error answer, with its classification.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApiErrorCode {
    /// The 3-character class, e.g. `E01`, `G02`, `EX1`.
    pub code: String,
    /// The 9-character detail, e.g. `E01040010`, `42G020000`.
    pub info: String,
    /// What the pair means for the caller (from the catalogue, else from GMO's prefixes).
    pub kind: ErrorKind,
}

impl ApiErrorCode {
    /// Classifies a pair with the catalogue.
    pub fn new(code: impl Into<String>, info: impl Into<String>) -> Self {
        let (code, info) = (code.into(), info.into());
        let kind = catalogue::classify(&code, &info);
        Self { code, info, kind }
    }

    /// The catalogue entry of this code, if the catalogue lists it.
    pub fn catalogue(&self) -> Option<&'static CodeInfo> {
        catalogue::lookup(&self.info)
    }

    /// A short English message, if the catalogue lists the code.
    pub fn message_en(&self) -> Option<&'static str> {
        self.catalogue().map(|c| c.en)
    }

    /// A short Japanese message, if the catalogue lists the code.
    pub fn message_ja(&self) -> Option<&'static str> {
        self.catalogue().map(|c| c.ja)
    }

    /// Whether this is an issuer decline (`ErrInfo` `42G…`, `ErrCode` `G..`).
    pub fn is_decline(&self) -> bool {
        self.info.starts_with("42G")
    }
}

impl fmt::Display for ApiErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}", self.info, self.code)?;
        if let Some(en) = self.message_en() {
            write!(f, ": {en}")?;
        }
        f.write_str(")")
    }
}

/// GMO answered with one or more error codes.
///
/// The overall [`kind`](Self::kind) is the most serious kind among the codes (see
/// [`ErrorKind::severity`]). The helpers read the codes themselves, so they hold whatever the
/// catalogue says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("GMO answered {api} with {kind}: {}", DisplayCodes(.codes))]
pub struct ApiError {
    api: Cow<'static, str>,
    codes: Vec<ApiErrorCode>,
    kind: ErrorKind,
}

struct DisplayCodes<'a>(&'a [ApiErrorCode]);

impl fmt::Display for DisplayCodes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, code) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            fmt::Display::fmt(code, f)?;
        }
        Ok(())
    }
}

/// `(ErrInfo)` pairs that mean "this transaction was already executed".
const ALREADY_EXECUTED: &str = "E11010001";
const EXECUTED_JOB_REFUSED: &str = "E01050004";
const EXECUTED_ORDER_SUBMITTED: &str = "M01004014";
/// `ErrInfo` codes that mean "no such thing": transaction, member, card, order (multi).
const NOT_FOUND: [&str; 4] = ["E01110002", "E01390002", "E01240002", "M01004002"];

impl ApiError {
    /// Classifies the pairs of an error answer to `api`.
    pub fn new(api: impl Into<Cow<'static, str>>, pairs: Vec<ErrorPair>) -> Self {
        Self::from_codes(
            api,
            pairs
                .into_iter()
                .map(|p| ApiErrorCode::new(p.code, p.info))
                .collect(),
        )
    }

    /// Builds the error from classified codes; the overall kind is the most serious one
    /// (`InvalidRequest` for an empty list, which GMO never sends).
    pub fn from_codes(api: impl Into<Cow<'static, str>>, codes: Vec<ApiErrorCode>) -> Self {
        let kind = codes
            .iter()
            .map(|c| c.kind)
            .max_by_key(|k| k.severity())
            .unwrap_or(ErrorKind::InvalidRequest);
        Self {
            api: api.into(),
            codes,
            kind,
        }
    }

    /// The API that answered, e.g. `ExecTran`.
    pub fn api(&self) -> &str {
        &self.api
    }

    /// Every pair, in GMO's order.
    pub fn codes(&self) -> &[ApiErrorCode] {
        &self.codes
    }

    /// The overall classification: the most serious kind among the codes.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Whether the answer carries this `ErrInfo` code.
    pub fn has_info(&self, info: &str) -> bool {
        self.codes.iter().any(|c| c.info == info)
    }

    /// The OrderID is already used in this shop (`E01040010`): look the order up with
    /// SearchTrade instead of registering it again.
    pub fn is_duplicate_order(&self) -> bool {
        self.has_info("E01040010")
    }

    /// The transaction was already executed (`E01050004` with `M01004014`, or `E11010001`):
    /// look it up with SearchTrade; the first attempt may well have succeeded.
    pub fn is_already_executed(&self) -> bool {
        self.has_info(ALREADY_EXECUTED)
            || (self.has_info(EXECUTED_JOB_REFUSED) && self.has_info(EXECUTED_ORDER_SUBMITTED))
    }

    /// The transaction, member, card or order does not exist (`E01110002`, `E01390002`,
    /// `E01240002`, `M01004002`).
    pub fn is_not_found(&self) -> bool {
        NOT_FOUND.iter().any(|info| self.has_info(info))
    }

    /// The issuer's decline code, if the card was declined (`42G…`).
    pub fn declined(&self) -> Option<&ApiErrorCode> {
        self.codes.iter().find(|c| c.is_decline())
    }

    /// Whether the outcome at GMO is unknown (the overall kind is
    /// [`ErrorKind::OutcomeUnknown`]): look the transaction up before anything else.
    pub fn outcome_unknown(&self) -> bool {
        self.kind == ErrorKind::OutcomeUnknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(info: &str, kind: ErrorKind) -> ApiErrorCode {
        ApiErrorCode {
            code: info[..3].to_owned(),
            info: info.to_owned(),
            kind,
        }
    }

    #[test]
    fn the_most_serious_kind_wins() {
        let err = ApiError::from_codes(
            "ExecTran",
            vec![
                code("E01090008", ErrorKind::InvalidRequest),
                code("E91099999", ErrorKind::OutcomeUnknown),
                code("E11010001", ErrorKind::StateConflict),
            ],
        );
        assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
        assert!(err.outcome_unknown());
        let err = ApiError::from_codes(
            "ExecTran",
            vec![
                code("E92000001", ErrorKind::Throttled),
                code("E01090008", ErrorKind::InvalidRequest),
            ],
        );
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
        let empty = ApiError::from_codes("X", vec![]);
        assert_eq!(empty.kind(), ErrorKind::InvalidRequest);
    }

    #[test]
    fn severity_is_a_total_order() {
        let all = [
            ErrorKind::InvalidRequest,
            ErrorKind::Declined,
            ErrorKind::TokenProblem,
            ErrorKind::StateConflict,
            ErrorKind::OutcomeUnknown,
            ErrorKind::Throttled,
            ErrorKind::MerchantConfiguration,
            ErrorKind::ThreeDSecureFailed,
        ];
        let mut ranks: Vec<u8> = all.iter().map(|k| k.severity()).collect();
        ranks.sort_unstable();
        ranks.dedup();
        assert_eq!(ranks.len(), all.len());
    }

    #[test]
    fn helpers_read_the_codes() {
        let pairs = |s: &[(&str, &str)]| {
            s.iter()
                .map(|(c, i)| ErrorPair {
                    code: (*c).to_owned(),
                    info: (*i).to_owned(),
                })
                .collect::<Vec<_>>()
        };
        let twice = ApiError::new(
            "ExecTran",
            pairs(&[("E01", "E01050004"), ("M01", "M01004014")]),
        );
        assert!(twice.is_already_executed());
        assert!(!twice.is_duplicate_order());
        let only_job = ApiError::new("AlterTran", pairs(&[("E01", "E01050004")]));
        assert!(!only_job.is_already_executed());
        assert!(ApiError::new("SecureTran2", pairs(&[("E11", "E11010001")])).is_already_executed());
        assert!(ApiError::new("EntryTran", pairs(&[("E01", "E01040010")])).is_duplicate_order());
        assert!(ApiError::new("SearchMember", pairs(&[("E01", "E01390002")])).is_not_found());
        let declined = ApiError::new("ExecTran", pairs(&[("G55", "42G550000")]));
        assert_eq!(
            declined.declined().map(|c| c.info.as_str()),
            Some("42G550000")
        );
        assert!(
            ApiError::new("ExecTran", pairs(&[("E01", "E01090008")]))
                .declined()
                .is_none()
        );
    }

    #[test]
    fn display_names_the_api_and_every_code() {
        let err = ApiError::from_codes(
            "EntryTran",
            vec![
                code("E01050002", ErrorKind::InvalidRequest),
                code("E01060006", ErrorKind::InvalidRequest),
            ],
        );
        let text = err.to_string();
        assert!(text.contains("EntryTran"), "{text}");
        assert!(
            text.contains("E01050002") && text.contains("E01060006"),
            "{text}"
        );
    }
}
