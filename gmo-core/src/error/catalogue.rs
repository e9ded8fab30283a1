//! The catalogue of GMO error codes (PROTOCOL.md §7.3), in our own words.
//!
//! FILLED IN BY THE CATALOGUE WORK: the table below is empty until then.

use super::kind::ErrorKind;

/// What one `ErrInfo` code means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeInfo {
    /// The 3-character class GMO pairs with it, e.g. `E01`.
    pub err_code: &'static str,
    /// The 9-character detail code, e.g. `E01040010`.
    pub err_info: &'static str,
    /// What it means for the caller.
    pub kind: ErrorKind,
    /// Whether the same request may be sent again later unchanged.
    pub retryable: bool,
    /// A short message in English.
    pub en: &'static str,
    /// A short message in Japanese.
    pub ja: &'static str,
}

/// Every catalogued code, sorted by `err_info`.
static CATALOGUE: &[CodeInfo] = &[];

/// Every catalogued code, sorted by `err_info`.
pub fn all() -> &'static [CodeInfo] {
    CATALOGUE
}

/// The catalogue entry of an `ErrInfo` code.
pub fn lookup(err_info: &str) -> Option<&'static CodeInfo> {
    CATALOGUE
        .binary_search_by(|c| c.err_info.cmp(err_info))
        .ok()
        .map(|i| &CATALOGUE[i])
}

/// Classifies a code pair: the catalogue first, then GMO's prefixes for codes it does not list.
pub fn classify(err_code: &str, err_info: &str) -> ErrorKind {
    if let Some(info) = lookup(err_info) {
        return info.kind;
    }
    let _ = err_code;
    ErrorKind::InvalidRequest
}
