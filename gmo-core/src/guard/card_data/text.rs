//! From bytes to text: percent-decoding and the character sets a browser may have used.

use std::borrow::Cow;

use encoding_rs::{Encoding, SHIFT_JIS, UTF_8};

use super::number::Verdict;
use super::runs::{RunScanner, scan_str};
use crate::wire::decode_windows_31j;

/// Which character set to try first for bytes that are not ASCII.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Charset {
    /// UTF-8 first, then Windows-31J.
    Utf8First,
    /// Windows-31J first (the form declared `charset=Shift_JIS` or the like), then UTF-8.
    Windows31jFirst,
    /// Another character set the request declared (UTF-16, EUC-JP, ISO-2022-JP, …): only it.
    Declared(&'static Encoding),
}

impl Charset {
    /// Reads the `charset` parameter of a content type.
    pub(super) fn from_content_type(content_type: &str) -> Self {
        let declared = content_type.split(';').skip(1).find_map(|param| {
            let (key, value) = param.split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case("charset")
                .then(|| value.trim().trim_matches('"'))
        });
        match declared {
            Some(name)
                if [
                    "shift_jis",
                    "shift-jis",
                    "sjis",
                    "x-sjis",
                    "windows-31j",
                    "cp932",
                    "ms932",
                ]
                .iter()
                .any(|n| n.eq_ignore_ascii_case(name)) =>
            {
                Self::Windows31jFirst
            }
            Some(name) => match Encoding::for_label(name.trim().as_bytes()) {
                Some(encoding) if encoding == SHIFT_JIS => Self::Windows31jFirst,
                Some(encoding) if encoding != UTF_8 => Self::Declared(encoding),
                _ => Self::Utf8First,
            },
            None => Self::Utf8First,
        }
    }

    /// The encoding to read a stream with (no second guess is possible there).
    pub(super) fn encoding(self) -> &'static Encoding {
        match self {
            Self::Utf8First => UTF_8,
            Self::Windows31jFirst => SHIFT_JIS,
            Self::Declared(encoding) => encoding,
        }
    }
}

/// A body in a declared character set that is not ASCII-compatible (UTF-16, ISO-2022-JP), or
/// one that starts with a UTF-16 byte-order mark, decoded whole to UTF-8: its structure (`{`,
/// `&`, `=`) cannot be read from the raw bytes. `None` for every other body.
pub(super) fn decode_whole_body(body: &[u8], charset: Charset) -> Option<String> {
    if let Some((encoding, _)) = Encoding::for_bom(body)
        && encoding != UTF_8
    {
        return Some(encoding.decode_with_bom_removal(body).0.into_owned());
    }
    match charset {
        // A form declared UTF-16 may still be percent-encoded ASCII: decoded value by value.
        Charset::Declared(encoding)
            if !encoding.is_ascii_compatible() && body.iter().any(|&b| b == 0 || b == 0x1b) =>
        {
            Some(encoding.decode_with_bom_removal(body).0.into_owned())
        }
        _ => None,
    }
}

/// Scans bytes as text: as UTF-8 or Windows-31J, whichever reads them without error (in the
/// order `charset` asks); when neither does, as both, with replacement characters.
pub(super) fn scan_bytes(scanner: &mut RunScanner, bytes: &[u8], charset: Charset) -> Verdict {
    if let Charset::Declared(encoding) = charset {
        return scan_str(scanner, &encoding.decode_without_bom_handling(bytes).0);
    }
    let utf8 = std::str::from_utf8(bytes).ok();
    if let Some(text) = utf8
        && (charset == Charset::Utf8First || text.is_ascii())
    {
        return scan_str(scanner, text);
    }
    if let Ok(text) = decode_windows_31j(bytes) {
        return scan_str(scanner, &text);
    }
    if let Some(text) = utf8 {
        return scan_str(scanner, text);
    }
    let as_utf8 = scan_lossy_utf8(scanner, bytes);
    if as_utf8 == Verdict::Card {
        return as_utf8;
    }
    let (as_sjis, _) = SHIFT_JIS.decode_without_bom_handling(bytes);
    as_utf8.max(scan_str(scanner, &as_sjis))
}

/// Reads bytes as text with the same choice of character set as [`scan_bytes`]; when neither
/// reads them cleanly, as UTF-8 with replacement characters.
pub(super) fn decode_text(bytes: &[u8], charset: Charset) -> Cow<'_, str> {
    if let Charset::Declared(encoding) = charset {
        return encoding.decode_without_bom_handling(bytes).0;
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if charset == Charset::Utf8First || text.is_ascii() => Cow::Borrowed(text),
        utf8 => match (decode_windows_31j(bytes), utf8) {
            (Ok(text), _) => text,
            (Err(_), Ok(text)) => Cow::Borrowed(text),
            (Err(_), Err(_)) => String::from_utf8_lossy(bytes),
        },
    }
}

/// Scans bytes as UTF-8, reading each malformed sequence as U+FFFD, without copying them.
fn scan_lossy_utf8(scanner: &mut RunScanner, bytes: &[u8]) -> Verdict {
    scanner.reset();
    for chunk in bytes.utf8_chunks() {
        scanner.push_str(chunk.valid());
        if scanner.found_card() {
            break;
        }
        if !chunk.invalid().is_empty() {
            scanner.push(char::REPLACEMENT_CHARACTER);
        }
    }
    scanner.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_declared_charset() {
        assert_eq!(
            Charset::from_content_type("application/x-www-form-urlencoded; charset=Shift_JIS"),
            Charset::Windows31jFirst
        );
        assert_eq!(
            Charset::from_content_type("application/x-www-form-urlencoded;charset=\"UTF-8\""),
            Charset::Utf8First
        );
        assert_eq!(Charset::from_content_type("text/plain"), Charset::Utf8First);
        assert_eq!(
            Charset::from_content_type("application/json; charset=UTF-16"),
            Charset::Declared(encoding_rs::UTF_16LE)
        );
        assert_eq!(
            Charset::from_content_type("text/plain; charset=euc-jp"),
            Charset::Declared(encoding_rs::EUC_JP)
        );
        assert_eq!(
            Charset::from_content_type("text/plain; charset=windows-31j"),
            Charset::Windows31jFirst
        );
    }

    #[test]
    fn reads_windows_31j_full_width_digits() {
        // "４１１１…" in Windows-31J: 0x82 0x53, 0x82 0x50 …
        let mut sjis = Vec::new();
        for d in "4111111111111111".bytes() {
            sjis.extend_from_slice(&[0x82, 0x4f + (d - b'0')]);
        }
        let mut scanner = RunScanner::default();
        assert_eq!(
            scan_bytes(&mut scanner, &sjis, Charset::Utf8First),
            Verdict::Card
        );
        // Broken in both charsets, the card number is still read.
        sjis.push(0xff);
        sjis.insert(0, 0xc3);
        assert_eq!(
            scan_bytes(&mut scanner, &sjis, Charset::Utf8First),
            Verdict::Card
        );
    }
}
