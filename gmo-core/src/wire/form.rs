//! `application/x-www-form-urlencoded` bodies in Windows-31J: what the client sends to GMO, and
//! what GMO (or a browser coming back from 3-D Secure) posts to the merchant.

use std::borrow::Cow;

use super::percent::{Plus, percent_decode};
use super::sjis::{DecodeError, EncodeError, decode_windows_31j, encode_in_chunks};

/// Builds a request body: `Key=percent(cp932(value))&…`, in the order fields are pushed.
///
/// ```
/// use gmo_core::wire::FormEncoder;
///
/// let mut form = FormEncoder::new();
/// form.push("OrderID", "order-1")?;
/// form.push("ClientField1", "ｼﾞｴﾑｵ ①")?;
/// assert_eq!(form.finish(), "OrderID=order-1&ClientField1=%BC%DE%B4%D1%B5+%87%40");
/// # Ok::<(), gmo_core::wire::EncodeError>(())
/// ```
#[derive(Default, Clone)]
pub struct FormEncoder {
    // Only ASCII is ever written, so `finish` turns it into a `String` for free.
    body: Vec<u8>,
}

impl std::fmt::Debug for FormEncoder {
    // Field names only: the body holds passwords and tokens in clear.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<Cow<'_, str>> = self
            .body
            .split(|&b| b == b'&')
            .filter(|p| !p.is_empty())
            .map(|p| String::from_utf8_lossy(p.split(|&b| b == b'=').next().unwrap_or(b"")))
            .collect();
        f.debug_struct("FormEncoder")
            .field("fields", &names)
            .finish()
    }
}

impl FormEncoder {
    /// An empty body.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty body with room for `bytes` bytes.
    pub fn with_capacity(bytes: usize) -> Self {
        Self {
            body: Vec::with_capacity(bytes),
        }
    }

    /// Appends `field=value`. The field name must be ASCII, as all GMO names are.
    pub fn push(&mut self, field: &'static str, value: &str) -> Result<&mut Self, EncodeError> {
        self.push_named(field, value)
    }

    /// Appends `field=value` when `value` is `Some`.
    pub fn push_opt(
        &mut self,
        field: &'static str,
        value: Option<&str>,
    ) -> Result<&mut Self, EncodeError> {
        match value {
            Some(value) => self.push_named(field, value),
            None => Ok(self),
        }
    }

    /// Appends a field whose name is only known at run time (the raw call). On error the body
    /// is left as it was.
    pub fn push_named(
        &mut self,
        field: impl Into<Cow<'static, str>>,
        value: &str,
    ) -> Result<&mut Self, EncodeError> {
        let field = field.into();
        let start = self.body.len();
        if start > 0 {
            self.body.push(b'&');
        }
        // Names are ASCII; encoding them like values keeps a stray character harmless.
        self.push_text(&field).map_err(|character| EncodeError {
            field: field.clone(),
            character,
        })?;
        self.body.push(b'=');
        if let Err(character) = self.push_text(value) {
            self.body.truncate(start);
            return Err(EncodeError { field, character });
        }
        Ok(self)
    }

    /// Writes `text` as percent-encoded Windows-31J.
    fn push_text(&mut self, text: &str) -> Result<(), char> {
        let body = &mut self.body;
        if text.is_ascii() {
            percent_encode_into(text.as_bytes(), body);
            Ok(())
        } else {
            encode_in_chunks(text, |chunk| percent_encode_into(chunk, body))
        }
    }

    /// Whether no field was pushed.
    pub fn is_empty(&self) -> bool {
        self.body.is_empty()
    }

    /// The finished body, pure ASCII.
    pub fn finish(self) -> String {
        // Every byte written is ASCII, so the conversion cannot fail.
        String::from_utf8(self.body)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

/// Which bytes HTML forms leave as is: alphanumerics and `*-._`.
static UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = byte.is_ascii_alphanumeric() || matches!(byte, b'*' | b'-' | b'.' | b'_');
        b += 1;
    }
    table
};

/// Percent-encodes bytes the way HTML forms do: alphanumerics and `*-._` as is, space as `+`,
/// everything else `%XX`. Runs of plain bytes are copied at once.
fn percent_encode_into(bytes: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.reserve(bytes.len());
    let mut rest = bytes;
    loop {
        let run = rest
            .iter()
            .position(|&b| !UNRESERVED[usize::from(b)])
            .unwrap_or(rest.len());
        out.extend_from_slice(&rest[..run]);
        let Some((&b, tail)) = rest[run..].split_first() else {
            return;
        };
        if b == b' ' {
            out.push(b'+');
        } else {
            out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0x0f)]]);
        }
        rest = tail;
    }
}

/// Fields of a form body, in the order they came. Repeated keys are kept; [`FormFields::get`]
/// answers the first.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FormFields {
    fields: Vec<(String, String)>,
}

impl FormFields {
    /// The first value of `key`, if any.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `key`, treating an empty value as absent (GMO's rule for optional fields).
    pub fn get_non_empty(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.is_empty())
    }

    /// All fields in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there is no field.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

impl FromIterator<(String, String)> for FormFields {
    fn from_iter<T: IntoIterator<Item = (String, String)>>(iter: T) -> Self {
        Self {
            fields: iter.into_iter().collect(),
        }
    }
}

/// Parses a Windows-31J form body (`a=1&b=%82%A0`). Empty pieces are skipped; a piece without `=`
/// is a key with an empty value, as in HTML forms.
///
/// ```
/// let form = gmo_core::wire::parse_form(b"AccessID=abc&ClientField1=%82%D9%82%B0+x")?;
/// assert_eq!(form.get("ClientField1"), Some("ほげ x"));
/// # Ok::<(), gmo_core::wire::DecodeError>(())
/// ```
pub fn parse_form(body: &[u8]) -> Result<FormFields, DecodeError> {
    let mut fields = Vec::new();
    let mut buf = Vec::new();
    for piece in body.split(|&b| b == b'&') {
        if piece.is_empty() {
            continue;
        }
        let (key, value) = match piece.iter().position(|&b| b == b'=') {
            Some(at) => (&piece[..at], &piece[at + 1..]),
            None => (piece, &b""[..]),
        };
        let key = decode_windows_31j(percent_decode(key, Plus::IsSpace, &mut buf))?.into_owned();
        let value =
            decode_windows_31j(percent_decode(value, Plus::IsSpace, &mut buf))?.into_owned();
        fields.push((key, value));
    }
    Ok(FormFields { fields })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_recorded_client_field() {
        let mut form = FormEncoder::new();
        form.push("ClientField1", "～－￠￡￢－∥①ほげほげhogehoge")
            .unwrap();
        assert_eq!(
            form.finish(),
            "ClientField1=%81%60%81%7C%81%91%81%92%81%CA%81%7C%81a%87%40%82%D9%82%B0%82%D9%82%B0hogehoge"
        );
    }

    #[test]
    fn reports_the_field_that_cannot_be_encoded() {
        let mut form = FormEncoder::new();
        let err = form.push("MemberName", "Zoë 😀").unwrap_err();
        assert_eq!(err.field, "MemberName");
    }

    #[test]
    fn parses_forms_leniently_but_exactly() {
        let form = parse_form(b"a=1&&b=%zz&c&d=x%3Dy=z").unwrap();
        let got: Vec<_> = form.iter().collect();
        assert_eq!(got, [("a", "1"), ("b", "%zz"), ("c", ""), ("d", "x=y=z")]);
    }
}
