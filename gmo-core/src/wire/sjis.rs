//! Windows-31J (CP932) conversion, strict in both directions.
//!
//! `encoding_rs::SHIFT_JIS` is the WHATWG Shift_JIS, which is Windows-31J: it holds `①`, `～`,
//! `－`, `∥`, `㈱` and the IBM extensions (`髙`). Three characters come back as others: `¥`
//! U+00A5 and `‾` U+203E, which its encoder maps onto ASCII bytes (`\`, `~`), and `−` U+2212
//! (MINUS SIGN), which it maps onto the bytes of `－` U+FF0D (FULLWIDTH HYPHEN-MINUS). We refuse
//! them too, naming the field, so that what GMO stores is exactly what was given (a test over
//! every code point holds it).

use std::borrow::Cow;

use encoding_rs::{EncoderResult, SHIFT_JIS};

/// A value that cannot be sent to GMO because Windows-31J cannot hold one of its characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}` holds the character U+{code:04X}, which Windows-31J cannot represent", code = u32::from(*.character))]
pub struct EncodeError {
    /// The GMO field name, e.g. `ClientField1`.
    pub field: Cow<'static, str>,
    /// The first character that cannot be represented.
    pub character: char,
}

/// A GMO body (response, form or notification) that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The bytes are not valid Windows-31J.
    #[error("the body is not valid Windows-31J text")]
    InvalidWindows31j,
    /// The body is empty.
    #[error("the body is empty")]
    Empty,
    /// A `key=value` piece has no `=`.
    #[error("the body has a piece without `=` at byte {offset}")]
    MissingEquals {
        /// Byte offset of the piece in the decoded text.
        offset: usize,
    },
    /// `ErrCode` and `ErrInfo` hold lists of different lengths.
    #[error("ErrCode lists {codes} entries but ErrInfo lists {infos}")]
    ErrorListMismatch {
        /// Number of `ErrCode` entries.
        codes: usize,
        /// Number of `ErrInfo` entries.
        infos: usize,
    },
    /// A field the answer must carry is absent.
    #[error("the answer lacks the field `{0}`")]
    MissingField(&'static str),
    /// A field holds a value of the wrong shape.
    #[error("the field `{field}` holds a value of the wrong shape ({expected})")]
    InvalidField {
        /// The field name.
        field: &'static str,
        /// What was expected, e.g. `32 lowercase hex characters`.
        expected: &'static str,
    },
    /// Pipe-joined columns of a list answer have different row counts.
    #[error("the column `{field}` has {found} rows where {expected} were expected")]
    RaggedColumns {
        /// The column name.
        field: &'static str,
        /// Rows found in that column.
        found: usize,
        /// Rows in the first column.
        expected: usize,
    },
}

/// Encodes `value` to Windows-31J, refusing any character that would not come back unchanged.
///
/// ASCII input is borrowed as is.
pub fn encode_windows_31j<'a>(
    field: impl Into<Cow<'static, str>>,
    value: &'a str,
) -> Result<Cow<'a, [u8]>, EncodeError> {
    if value.is_ascii() {
        return Ok(Cow::Borrowed(value.as_bytes()));
    }
    let mut bytes = Vec::with_capacity(value.len());
    encode_in_chunks(value, |chunk| bytes.extend_from_slice(chunk)).map_err(|character| {
        EncodeError {
            field: field.into(),
            character,
        }
    })?;
    Ok(Cow::Owned(bytes))
}

/// Encodes non-ASCII `value` to Windows-31J through a stack buffer, handing the bytes to `sink`
/// chunk by chunk (no allocation); answers the first character that would not come back
/// unchanged: one Windows-31J lacks, or `¥`/`‾`/`−`, which the WHATWG encoder maps onto the
/// bytes of other characters.
pub(crate) fn encode_in_chunks(value: &str, mut sink: impl FnMut(&[u8])) -> Result<(), char> {
    let lossy_at = find_lossy(value);
    let mut rest = &value[..lossy_at.unwrap_or(value.len())];
    let mut encoder = SHIFT_JIS.new_encoder();
    let mut buf = [0u8; 256];
    loop {
        let (result, read, written) =
            encoder.encode_from_utf8_without_replacement(rest, &mut buf, true);
        sink(&buf[..written]);
        rest = &rest[read..];
        match result {
            EncoderResult::InputEmpty => break,
            EncoderResult::OutputFull => {}
            EncoderResult::Unmappable(character) => return Err(character),
        }
    }
    match lossy_at.and_then(|at| value[at..].chars().next()) {
        Some(character) => Err(character),
        None => Ok(()),
    }
}

/// The byte offset of the first `¥` (C2 A5), `‾` (E2 80 BE) or `−` (E2 88 92), searched on
/// bytes for speed.
fn find_lossy(value: &str) -> Option<usize> {
    let bytes = value.as_bytes();
    let mut from = 0;
    while let Some(offset) = bytes[from..].iter().position(|&b| b == 0xC2 || b == 0xE2) {
        let at = from + offset;
        let tail = &bytes[at..];
        if tail.starts_with(&[0xC2, 0xA5])
            || tail.starts_with(&[0xE2, 0x80, 0xBE])
            || tail.starts_with(&[0xE2, 0x88, 0x92])
        {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Decodes Windows-31J bytes; malformed bytes are an error, never replaced.
pub fn decode_windows_31j(bytes: &[u8]) -> Result<Cow<'_, str>, DecodeError> {
    SHIFT_JIS
        .decode_without_bom_handling_and_without_replacement(bytes)
        .ok_or(DecodeError::InvalidWindows31j)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_cp932_specials() {
        for s in ["①", "～", "－", "∥", "㈱", "髙", "ｼﾞｴﾑｵ", "ほげ", "￠￡￢"]
        {
            let bytes = encode_windows_31j("F", s).unwrap();
            assert_eq!(decode_windows_31j(&bytes).unwrap(), s, "{s}");
        }
    }

    #[test]
    fn refuses_what_cp932_cannot_hold() {
        for (s, c) in [
            ("a😀b", '😀'),
            ("price ¥100", '¥'),
            ("x‾", '‾'),
            ("−5", '−'),
            ("한", '한'),
        ] {
            let err = encode_windows_31j("ClientField1", s).unwrap_err();
            assert_eq!(err.character, c);
            assert_eq!(err.field, "ClientField1");
            assert!(err.to_string().contains("ClientField1"));
        }
    }

    #[test]
    fn every_code_point_comes_back_as_given_or_is_refused() {
        let (mut sent, mut refused) = (0u32, 0u32);
        for c in (0x80..=0x10FFFF).filter_map(char::from_u32) {
            let text = c.to_string();
            match encode_windows_31j("F", &text) {
                Ok(bytes) => {
                    assert_eq!(
                        decode_windows_31j(&bytes).unwrap(),
                        text,
                        "U+{:04X}",
                        u32::from(c)
                    );
                    sent += 1;
                }
                Err(e) => {
                    assert_eq!(e.character, c);
                    refused += 1;
                }
            }
        }
        // Windows-31J holds about 7,700 non-ASCII characters (its duplicates encode once).
        assert!((7_000..8_000).contains(&sent), "{sent} characters sent");
        assert!(refused > 1_000_000);
    }

    #[test]
    fn refuses_malformed_bytes() {
        assert_eq!(
            decode_windows_31j(&[b'a', 0x81]),
            Err(DecodeError::InvalidWindows31j)
        );
    }
}
