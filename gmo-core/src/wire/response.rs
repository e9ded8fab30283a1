//! GMO's answers: `Key=Value&…` in Windows-31J, values raw.

use std::ops::Range;

use super::sjis::{DecodeError, EncodeError, decode_windows_31j, encode_windows_31j};

/// The 3-D Secure 2.0 answer of ExecTran: everything after `RedirectUrl=` is one unescaped URL.
const ACS2_PREFIX: &str = "ACS=2&RedirectUrl=";

/// One `(ErrCode, ErrInfo)` pair of an error answer, paired by position.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ErrorPair {
    /// The 3-character class, e.g. `E01`, `G02`, `EX1`.
    pub code: String,
    /// The 9-character detail, e.g. `E01040010`, `42G020000`.
    pub info: String,
}

/// A decoded answer: its fields in the order GMO sent them.
///
/// Keys and values are slices of one decoded string, so parsing allocates twice whatever the
/// number of fields.
///
/// ```
/// use gmo_core::wire::Response;
///
/// let answer = Response::parse(b"ACS=2&RedirectUrl=https://acs.example/cb?transId=1&t=ab")?;
/// assert_eq!(answer.get("RedirectUrl"), Some("https://acs.example/cb?transId=1&t=ab"));
/// assert_eq!(answer.get("t"), None);
/// # Ok::<(), gmo_core::wire::DecodeError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    text: String,
    fields: Vec<(Range<usize>, Range<usize>)>,
}

impl std::fmt::Debug for Response {
    // Keys only: values may hold AccessPass or personal data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("keys", &self.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Response {
    /// Decodes and splits a body: Windows-31J, split on `&` and the first `=`, never URL-decoded;
    /// a trailing CR/LF is dropped; `ACS=2&RedirectUrl=` keeps the rest of the body as the URL.
    pub fn parse(body: &[u8]) -> Result<Self, DecodeError> {
        let mut text = decode_windows_31j(body)?.into_owned();
        let trimmed = text.trim_end_matches(['\r', '\n']).len();
        text.truncate(trimmed);
        if text.is_empty() {
            return Err(DecodeError::Empty);
        }
        let mut fields = Vec::with_capacity(text.len() / 16 + 1);
        if let Some(url_at) = text.strip_prefix(ACS2_PREFIX).map(|_| ACS2_PREFIX.len()) {
            fields.push((0..3, 4..5));
            fields.push((6..17, url_at..text.len()));
        } else {
            let mut start = 0;
            for piece in text.split('&') {
                let end = start + piece.len();
                if !piece.is_empty() {
                    let eq = piece
                        .find('=')
                        .ok_or(DecodeError::MissingEquals { offset: start })?;
                    fields.push((start..start + eq, start + eq + 1..end));
                }
                start = end + 1;
            }
        }
        Ok(Self { text, fields })
    }

    /// The value of the first field named `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| &self.text[k.clone()] == key)
            .map(|(_, v)| &self.text[v.clone()])
    }

    /// The value of `key`, or [`DecodeError::MissingField`].
    pub fn require(&self, key: &'static str) -> Result<&str, DecodeError> {
        self.get(key).ok_or(DecodeError::MissingField(key))
    }

    /// Fields in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields
            .iter()
            .map(|(k, v)| (&self.text[k.clone()], &self.text[v.clone()]))
    }

    /// Keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|(k, _)| &self.text[k.clone()])
    }

    /// Whether this is an error answer (it carries `ErrCode`).
    pub fn is_error(&self) -> bool {
        self.get("ErrCode").is_some()
    }

    /// The `(ErrCode, ErrInfo)` pairs of an error answer, zipped by position; `None` for a
    /// success answer.
    pub fn errors(&self) -> Option<Result<Vec<ErrorPair>, DecodeError>> {
        let codes = self.get("ErrCode")?;
        let infos = self.get("ErrInfo").unwrap_or("");
        let (n_codes, n_infos) = (codes.split('|').count(), infos.split('|').count());
        if n_codes != n_infos {
            return Some(Err(DecodeError::ErrorListMismatch {
                codes: n_codes,
                infos: n_infos,
            }));
        }
        Some(Ok(codes
            .split('|')
            .zip(infos.split('|'))
            .map(|(code, info)| ErrorPair {
                code: code.to_owned(),
                info: info.to_owned(),
            })
            .collect()))
    }

    /// The rows of a pipe-joined column (`CardSeq=0|1|2`); `None` when the column is absent.
    pub fn column(&self, key: &str) -> Option<impl Iterator<Item = &str>> {
        self.get(key).map(|v| v.split('|'))
    }

    /// Splits the named columns of a list answer into rows. Every present column must have the
    /// same number of rows as the first; an absent column yields `None` in every row.
    pub fn rows<const N: usize>(
        &self,
        columns: [&'static str; N],
    ) -> Result<Vec<[Option<&str>; N]>, DecodeError> {
        let split: [Option<Vec<&str>>; N] =
            columns.map(|c| self.get(c).map(|v| v.split('|').collect()));
        let expected = split.iter().flatten().map(Vec::len).next().unwrap_or(0);
        for (name, col) in columns.iter().zip(&split) {
            if let Some(col) = col
                && col.len() != expected
            {
                return Err(DecodeError::RaggedColumns {
                    field: name,
                    found: col.len(),
                    expected,
                });
            }
        }
        Ok((0..expected)
            .map(|row| std::array::from_fn(|c| split[c].as_ref().map(|col| col[row])))
            .collect())
    }
}

/// Writes an answer the way GMO does (used by the sandbox): `Key=Value&…`, values raw, encoded
/// to Windows-31J, no trailing newline.
#[derive(Debug, Default, Clone)]
pub struct ResponseWriter {
    text: String,
}

impl ResponseWriter {
    /// An empty answer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `key=value`.
    pub fn field(&mut self, key: &str, value: &str) -> &mut Self {
        if !self.text.is_empty() {
            self.text.push('&');
        }
        self.text.push_str(key);
        self.text.push('=');
        self.text.push_str(value);
        self
    }

    /// The answer as text (before encoding).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The answer as Windows-31J bytes.
    pub fn finish(self) -> Result<Vec<u8>, EncodeError> {
        Ok(encode_windows_31j("response", &self.text)?.into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_first_equals_and_never_url_decodes() {
        let r = Response::parse(b"Token=ab+c/d==&MemberName=John Smith&X=%41").unwrap();
        assert_eq!(r.get("Token"), Some("ab+c/d=="));
        assert_eq!(r.get("MemberName"), Some("John Smith"));
        assert_eq!(r.get("X"), Some("%41"));
    }

    #[test]
    fn keeps_the_redirect_url_whole() {
        let body = b"ACS=2&RedirectUrl=https://manage.tds2gw.gmopg.jp/api/v2/brw/callback?transId=6e48e31f-2940-48e1-a702-ebba2f3373ee&t=dccc8a7ed85372c9accff576bff59b3a";
        let r = Response::parse(body).unwrap();
        assert_eq!(r.keys().collect::<Vec<_>>(), ["ACS", "RedirectUrl"]);
        assert_eq!(r.get("ACS"), Some("2"));
        assert!(
            r.get("RedirectUrl")
                .unwrap()
                .ends_with("&t=dccc8a7ed85372c9accff576bff59b3a")
        );
    }

    #[test]
    fn zips_error_lists() {
        let r = Response::parse(b"ErrCode=E01|M01&ErrInfo=E01050004|M01004014").unwrap();
        let errors = r.errors().unwrap().unwrap();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[1].code, "M01");
        assert_eq!(errors[1].info, "M01004014");
        let bad = Response::parse(b"ErrCode=E01|E01&ErrInfo=E01050004").unwrap();
        assert!(matches!(
            bad.errors(),
            Some(Err(DecodeError::ErrorListMismatch { .. }))
        ));
        assert!(Response::parse(b"A=1").unwrap().errors().is_none());
    }

    #[test]
    fn zips_columns_into_rows() {
        let r = Response::parse(b"CardSeq=0|1|2&CardName=||&CardNo=*1|*2|*3").unwrap();
        let rows = r.rows(["CardSeq", "CardName", "Brand"]).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[2], [Some("2"), Some(""), None]);
        let ragged = Response::parse(b"CardSeq=0|1&CardNo=*1").unwrap();
        assert!(ragged.rows(["CardSeq", "CardNo"]).is_err());
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(Response::parse(b""), Err(DecodeError::Empty));
        assert!(matches!(
            Response::parse(b"<html>oops</html>"),
            Err(DecodeError::MissingEquals { .. })
        ));
        assert_eq!(
            Response::parse(&[0x82]),
            Err(DecodeError::InvalidWindows31j)
        );
    }

    #[test]
    fn writer_round_trips() {
        let mut w = ResponseWriter::new();
        w.field("MemberName", "ｼﾞｴﾑｵ").field("X", "a=b+c");
        let r = Response::parse(&w.finish().unwrap()).unwrap();
        assert_eq!(r.get("MemberName"), Some("ｼﾞｴﾑｵ"));
        assert_eq!(r.get("X"), Some("a=b+c"));
    }
}
