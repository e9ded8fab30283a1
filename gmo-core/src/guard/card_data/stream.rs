//! Scanning a body piece by piece as it streams through, for bodies larger than the guard
//! buffers: constant memory, whatever the size.

use encoding_rs::{CoderResult, Decoder};

use super::runs::RunScanner;
use super::text::Charset;
use super::{CardDataFound, Location};

/// Scans a request body chunk by chunk, as it is handed on (see
/// [`CardDataGuard::body_scanner`](super::CardDataGuard::body_scanner)).
///
/// It reads the bytes as text in the declared character set (UTF-8 when none; malformed
/// sequences as U+FFFD), percent-decoding urlencoded forms, and finds card numbers as in a text
/// body: without field names, so the 13-digit rule of unnamed places applies, and without
/// decoding JSON `\u` escapes. A card number cut between two chunks is found.
///
/// ```
/// use gmo_core::guard::{CardDataGuard, GuardConfig};
///
/// let guard = CardDataGuard::new(GuardConfig::default());
/// let mut scanner = guard.body_scanner(Some("text/csv"));
/// scanner.feed(b"sku,memo\n1,4111 1111 ")?;
/// assert!(scanner.feed(b"1111 1111\n").is_err());
/// # Ok::<(), gmo_core::guard::CardDataFound>(())
/// ```
#[derive(Debug)]
pub struct BodyScanner {
    location: Location,
    decoder: Decoder,
    percent: Option<Percent>,
    scanner: RunScanner,
    bytes: Vec<u8>,
    text: String,
    found: bool,
}

/// Percent-decoding state across chunks: the `%` and hex digits of an escape not yet complete.
#[derive(Debug, Default)]
struct Percent {
    pending: Vec<u8>,
}

impl Percent {
    fn decode(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        for &b in chunk {
            if !self.pending.is_empty() {
                self.pending.push(b);
                if !b.is_ascii_hexdigit() {
                    out.append(&mut self.pending);
                } else if self.pending.len() == 3 {
                    let hex = |d: u8| char::from(d).to_digit(16).unwrap_or(0);
                    let value = hex(self.pending[1]) * 16 + hex(self.pending[2]);
                    out.push(u8::try_from(value).unwrap_or(b'?'));
                    self.pending.clear();
                }
                continue;
            }
            match b {
                b'%' => self.pending.push(b),
                b'+' => out.push(b' '),
                b => out.push(b),
            }
        }
    }
}

impl BodyScanner {
    pub(super) fn new(location: Location, charset: Charset, urlencoded: bool) -> Self {
        Self {
            location,
            decoder: charset.encoding().new_decoder_with_bom_removal(),
            percent: urlencoded.then(Percent::default),
            scanner: RunScanner::default(),
            bytes: Vec::new(),
            text: String::new(),
            found: false,
        }
    }

    /// Scans the next chunk. After a refusal, every further call refuses too.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), CardDataFound> {
        self.scan(chunk, false)
    }

    /// Ends the body: a number at its very end is judged now.
    pub fn finish(mut self) -> Result<(), CardDataFound> {
        self.scan(&[], true)?;
        if self.scanner.finish().in_unnamed_place() {
            return Err(self.refusal());
        }
        Ok(())
    }

    fn refusal(&mut self) -> CardDataFound {
        self.found = true;
        CardDataFound::new(self.location, None)
    }

    fn scan(&mut self, chunk: &[u8], last: bool) -> Result<(), CardDataFound> {
        if self.found {
            return Err(self.refusal());
        }
        let bytes = match self.percent.as_mut() {
            Some(percent) => {
                self.bytes.clear();
                percent.decode(chunk, &mut self.bytes);
                if last {
                    self.bytes.append(&mut percent.pending);
                }
                &self.bytes[..]
            }
            None => chunk,
        };
        let mut input = bytes;
        loop {
            self.text.clear();
            let room = self
                .decoder
                .max_utf8_buffer_length(input.len())
                .unwrap_or(input.len().saturating_mul(3))
                .clamp(16, 64 * 1024);
            self.text.reserve(room);
            let (result, read, _) = self.decoder.decode_to_string(input, &mut self.text, last);
            self.scanner.push_str(&self.text);
            input = input.get(read..).unwrap_or_default();
            if self.scanner.verdict().in_unnamed_place() {
                return Err(self.refusal());
            }
            if result == CoderResult::InputEmpty {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(chunks: &[&[u8]], charset: Charset, urlencoded: bool) -> Result<(), CardDataFound> {
        let mut scanner = BodyScanner::new(Location::Body, charset, urlencoded);
        for chunk in chunks {
            scanner.feed(chunk)?;
        }
        scanner.finish()
    }

    #[test]
    fn numbers_cut_between_chunks_are_found() {
        assert!(
            scan(
                &[b"a 4111 11", b"11 1111 1111 b"],
                Charset::Utf8First,
                false
            )
            .is_err()
        );
        assert!(scan(&[b"4111111111111111"], Charset::Utf8First, false).is_err());
        // A full-width digit cut in the middle of its UTF-8 bytes.
        let text = "４１１１１１１１１１１１１１１１".as_bytes();
        assert!(scan(&[&text[..4], &text[4..]], Charset::Utf8First, false).is_err());
        // A percent escape cut between chunks.
        assert!(
            scan(
                &[b"x=4111%2", b"01111%20", b"1111%201111"],
                Charset::Utf8First,
                true
            )
            .is_err()
        );
        assert!(scan(&[b"x=order-1&y=090-1234-5678"], Charset::Utf8First, true).is_ok());
        assert!(scan(&[b"4111 1111 1111"], Charset::Utf8First, false).is_ok());
    }

    #[test]
    fn declared_charsets_are_read() {
        let utf16: Vec<u8> = "memo 4111 1111 1111 1111"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let charset = Charset::from_content_type("text/plain; charset=utf-16le");
        assert!(scan(&[&utf16[..7], &utf16[7..]], charset, false).is_err());
        let mut big = vec![b'x'; 200_000];
        big.extend_from_slice(b" 4111111111111111");
        assert!(scan(&[&big], Charset::Utf8First, false).is_err());
    }
}
