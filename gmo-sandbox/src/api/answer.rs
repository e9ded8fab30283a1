//! An answer of an API: fields in GMO's fixed order, or a list of errors.

use gmo_core::wire::ResponseWriter;

/// What an API answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// A success answer, fields in order.
    Fields(Vec<(&'static str, String)>),
    /// An error answer: `ErrInfo` codes in order; `ErrCode` is derived from each.
    Errors(Vec<String>),
}

impl Answer {
    /// One error.
    pub(crate) fn error(info: impl Into<String>) -> Self {
        Self::Errors(vec![info.into()])
    }

    /// Several errors.
    pub(crate) fn errors<I: Into<String>>(infos: impl IntoIterator<Item = I>) -> Self {
        Self::Errors(infos.into_iter().map(Into::into).collect())
    }

    /// An issuer decline or card-network error: `ErrCode=G02`, `ErrInfo=42G020000`.
    pub(crate) fn card_company(code: &str) -> Self {
        Self::error(card_company_info(code))
    }

    /// The error pairs of an error answer.
    pub(crate) fn error_pairs(&self) -> Option<Vec<(String, String)>> {
        match self {
            Self::Fields(_) => None,
            Self::Errors(infos) => Some(
                infos
                    .iter()
                    .map(|i| (err_code(i).to_owned(), i.clone()))
                    .collect(),
            ),
        }
    }

    /// The body GMO would send: Windows-31J, no trailing newline.
    pub(crate) fn to_body(&self) -> Vec<u8> {
        let mut w = ResponseWriter::new();
        match self {
            Self::Fields(fields) => {
                for (k, v) in fields {
                    w.field(k, v);
                }
            }
            Self::Errors(infos) => {
                let codes: Vec<&str> = infos.iter().map(|i| err_code(i)).collect();
                w.field("ErrCode", &codes.join("|"));
                w.field("ErrInfo", &infos.join("|"));
            }
        }
        // Every value came from a Windows-31J request or from the sandbox itself, so encoding
        // cannot fail; if it ever did, answer as GMO does for an internal error.
        w.finish()
            .unwrap_or_else(|_| b"ErrCode=E91&ErrInfo=E91099999".to_vec())
    }
}

/// `42G020000` for `G02`.
pub(crate) fn card_company_info(code: &str) -> String {
    format!("42{code}0000")
}

/// The 3-character class of an `ErrInfo`: its head, or for card-company codes (`42G020000`) the
/// three characters after `42`.
fn err_code(info: &str) -> &str {
    if info.len() == 9 && info.starts_with("42") {
        &info[2..5]
    } else {
        info.get(..3).unwrap_or(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_error_classes() {
        let body = Answer::errors(["E01050004", "M01004014"]).to_body();
        assert_eq!(body, b"ErrCode=E01|M01&ErrInfo=E01050004|M01004014");
        let body = Answer::card_company("G02").to_body();
        assert_eq!(body, b"ErrCode=G02&ErrInfo=42G020000");
        assert_eq!(
            Answer::error("EX1000301").to_body(),
            b"ErrCode=EX1&ErrInfo=EX1000301"
        );
    }
}
