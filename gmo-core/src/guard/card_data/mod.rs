//! The card-data guard: refuses any request that carries a card number.
//!
//! With GMO's token flow a card number never has to reach the merchant's server. When one does,
//! an integration mistake has happened (a template posts the card field, a script serialises the
//! whole form): the guard turns it into a refused request, before anything parses, stores or logs
//! it. The report, [`CardDataFound`], names the field and never holds any digit of the value.
//!
//! ```
//! use gmo_core::guard::{CardDataGuard, GuardConfig, Location};
//!
//! let guard = CardDataGuard::new(GuardConfig::default());
//! assert!(guard.check_query("order=order-20261127-0001&tel=090-1234-5678").is_ok());
//!
//! let found = guard
//!     .check_body(
//!         Some("application/x-www-form-urlencoded"),
//!         b"amount=1200&card_no=4111+1111+1111+1111",
//!     )
//!     .unwrap_err();
//! assert_eq!(found.location(), Location::Form);
//! assert_eq!(found.field(), Some("card_no"));
//! assert_eq!(found.code(), "card_data_refused");
//! assert!(!found.to_string().contains("4111"));
//!
//! // Full-width digits typed through a Japanese input method, in JSON.
//! let json = r#"{"memo":"４１１１　１１１１　１１１１　１１１１"}"#;
//! assert!(guard.check_body(Some("application/json"), json.as_bytes()).is_err());
//! ```
//!
//! # What is a card number
//!
//! The scanner reads digits: ASCII `0`–`9` and full-width `０`–`９` (U+FF10–U+FF19). Digits with
//! nothing between them form a *group*; groups joined by 1–3 separator characters form a
//! *chain*. Separators are the space, tab, line feed and the other Unicode spaces, no-break
//! space, ideographic space (U+3000), `-`, full-width hyphen-minus (U+FF0D), the dashes
//! U+2010–U+2015, the minus sign (U+2212) and the katakana prolonged sound marks `ー`/`ｰ` that
//! input methods give for a hyphen; and, after a group of 4 digits or more and before one of 3
//! or more only, the dot and the slash (ASCII and full-width) and the katakana middle dot `・`
//! (so that `2026/11/27`, `192.168.0.1` and `4200.50` never chain). Carriage returns and zero-width characters (U+200B–
//! U+200D, U+2060, U+FEFF, the soft hyphen) are read as if absent. Any run of consecutive
//! groups of a chain holding 13–19 digits is a candidate (so `4111 1111 1111 1111 1228`, a card
//! number followed by its expiry, is caught), except that a group of more than 6 digits combines
//! with no other (card numbers are printed 4-4-4-4, 4-6-5, 4-6-4; a UUID is 8-4-4-4-12). Never
//! a candidate:
//!
//! * part of a group: a group of more than 19 digits (a 28-digit GMO TranID) is never searched
//!   for a card number inside it;
//! * a group glued to an ASCII or full-width Latin letter, directly or through one `-`/`_`
//!   (`ord4111…`, `order-2026…`, `…1111abc`): it is part of an identifier, such as a hex
//!   AccessID, a token or an OrderID.
//!
//! A candidate is a card number when it passes the Luhn check and:
//!
//! | first digits | brand | lengths |
//! |---|---|---|
//! | 4 | Visa | 16, 19 (13: see below) |
//! | 51–55, 2221–2720 | Mastercard | 16 |
//! | 34, 37 | American Express | 15 |
//! | 3528–3589 | JCB | 16–19 |
//! | 300–305, 3095, 36, 38, 39 | Diners Club | 14–19 |
//! | 6 | Discover (6011, 644–649, 65), UnionPay (62), RuPay, Maestro | 16–19 |
//! | 50, 56–59 | Maestro | 16–19 |
//!
//! **13 digits.** Only legacy Visa numbers, long out of issue, have 13 digits, while 13-digit
//! numbers abound in Japanese data: JAN codes (EAN-13 starting with 45 or 49; every 13-digit
//! code starting with 4 is a GS1 product prefix, 400–440 being Germany), corporate numbers
//! (法人番号). So 13 digits are a card number
//!
//! * in a card-like field (below), when Luhn-valid;
//! * where no field name applies (a text body, a key, a part without a name, the path), when
//!   they start with 4, pass Luhn and are *not* a valid EAN-13 / JAN code;
//! * in any other named field, never.
//!
//! **Split across fields.** Consecutive values of one form (urlencoded or multipart), one
//! cookie header, one JSON object or array, that are each one group of digits (the four boxes of Japanese card forms,
//! `card1=4111&card2=1111&…`, `["4111","1111",…]`) are read together when every value but the
//! last holds 4–6 digits and the last 2–6, and the fields share a name but for digits (or one of
//! them is card-like); the result is judged as a value of a named field.
//!
//! **Identifier fields.** In a field whose name ends with the word `id` or `ids` (`order_id`,
//! `orderId`, `OrderID`, `ids[]`), and is not card-like, a value that is a bare run of 13–19
//! digits and nothing else is an identifier, never a card number (random 16-digit ids pass Luhn
//! and carry an issuer prefix one time in 25). The same digits spaced or hyphenated are refused.
//!
//! **Card-like fields.** In a field whose name contains `card` (any case), `カード` or
//! `クレジット`, or has one of the words `cc`, `pan`, `ccnum`, `ccno`, `ccnumber`, `cardno`,
//! `cardnum`, `cnum` (split on punctuation and camelCase: `ccNumber`, `payment[cc]`), or is listed
//! in [`GuardConfig::card_like_fields`], any Luhn-valid candidate of 13–19 digits is a card
//! number, whatever its first digits. For JSON, a field is card-like when any key on its path is.
//!
//! # Where the guard looks
//!
//! * [`CardDataGuard::check_header`]: a header value, percent-decoded, under the header's name,
//!   except the headers of [`GuardConfig::unscanned_headers`] (tracing ids that are long decimal
//!   numbers); `Cookie` is read cookie by cookie, each under its name.
//! * [`CardDataGuard::check_query`]: every key and value of the query string, percent-decoded
//!   (`+` is a space), read as UTF-8 or, failing that, Windows-31J.
//! * [`CardDataGuard::check_path`]: the percent-decoded URL path.
//! * [`CardDataGuard::check_body`], by content type:
//!   * a `charset` parameter other than UTF-8 is honoured (UTF-16, EUC-JP, ISO-2022-JP and every
//!     other WHATWG label); a body starting with a UTF-16 byte-order mark is read as UTF-16;
//!   * `application/x-www-form-urlencoded`: like the query; a `charset=Shift_JIS` (or
//!     `Windows-31J`, `CP932`…) parameter makes Windows-31J the first guess;
//!   * `application/json`, `text/json`, `*/*+json`: a tolerant scanner decodes strings (`\uFF14`,
//!     `\u0034` escapes included) and reads numbers; malformed JSON is read as far as it goes;
//!   * `multipart/form-data`: every part without a file name, and file parts of a text type,
//!     under the part's name (JSON parts as JSON); binary file parts (images, PDFs) are skipped;
//!   * anything else, or no content type: as JSON when the body starts with `{` or `[`; as a
//!     form when it looks urlencoded (printable ASCII without spaces, holding `=`, `%` or `+`);
//!     else as text (UTF-8, Windows-31J, or both with replacement characters when neither reads
//!     it cleanly), and also as JSON when it holds `\u` escapes.
//!
//! Keys and part names are scanned too: a card number posted as a key is found (and reported
//! without a field name).
//!
//! # Limits, by design
//!
//! Not found: a card number split by other characters (`4111,1111,…`, `4111*1111…`), spelled
//! out, in an exponent (`4.111e15`), encoded twice (`%2534`), base64-encoded, compressed
//! (`Content-Encoding`), or inside a binary file part; a number glued to letters; boxes of
//! differently named fields. [`GuardConfig::exempt_fields`] turns the guard off for fields that
//! legitimately carry card-shaped numbers (use sparingly).
//!
//! The scan is one linear pass per view of the data (at most two for an unknown content type),
//! with at most one decoded copy of the input besides constant state; it never fails and never
//! panics. The web adapters buffer and scan bodies up to [`GuardConfig::max_body_bytes`] (64 KiB
//! by default) before the app sees them; larger bodies are handed on as they arrive and scanned
//! on the way by a [`BodyScanner`] (as text, without field names, file parts of a multipart
//! upload included, which the buffered scan skips when binary), which cuts the body off at the
//! first card number. Nothing here logs: the caller records the refusal, and only from
//! [`CardDataFound`].

mod boxes;
mod field;
mod form;
mod json;
mod multipart;
mod number;
mod runs;
mod stream;
mod text;

use crate::wire::percent::{Plus, percent_decode};
use runs::RunScanner;
pub use stream::BodyScanner;
use text::{Charset, decode_text, decode_whole_body, scan_bytes};

/// The body size the guard buffers and scans whole before the app sees it, by default: 64 KiB
/// is plenty for any payment form and keeps the scan well under a millisecond. Larger bodies are
/// streamed through and scanned on the way.
pub const RECOMMENDED_MAX_BODY_BYTES: usize = 64 * 1024;

/// Headers never scanned by default: tracing context that carries long decimal ids (Datadog's
/// 64-bit ids, Google Cloud's span ids), which pass for card numbers now and then.
pub const DEFAULT_UNSCANNED_HEADERS: &[&str] = &[
    "traceparent",
    "tracestate",
    "x-cloud-trace-context",
    "x-datadog-trace-id",
    "x-datadog-parent-id",
    "x-amzn-trace-id",
    "x-b3-traceid",
    "x-b3-spanid",
    "x-b3-parentspanid",
    "b3",
    "sentry-trace",
];

/// What the guard is told about the merchant's fields.
///
/// ```
/// use gmo_core::guard::{CardDataGuard, GuardConfig};
///
/// let mut config = GuardConfig::default();
/// // A field of ours that holds card numbers by another name: any Luhn-valid number counts.
/// config.card_like_fields.push("kaiin_bango".to_owned());
/// // A field that legitimately holds 16-digit numbers that look like card numbers.
/// config.exempt_fields.push("gift_code".to_owned());
/// // A header of ours that carries long decimal ids.
/// config.unscanned_headers.push("x-shipment-id".to_owned());
/// let guard = CardDataGuard::new(config);
/// assert!(guard.check_query("gift_code=4111111111111111").is_ok());
/// assert!(guard.check_query("kaiin_bango=1000000000000008").is_err());
/// assert!(guard.check_header("X-Shipment-Id", b"4111111111111111").is_ok());
/// assert!(guard.check_header("X-Other", b"4111111111111111").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GuardConfig {
    /// Names (compared ignoring ASCII case) of further fields treated as card-like, on top of the
    /// built-in rule: in them, any Luhn-valid run of 13–19 digits is a card number.
    pub card_like_fields: Vec<String>,
    /// Names (compared ignoring ASCII case) of fields whose values are never scanned; for JSON,
    /// any key on the value's path. Every exemption is a hole: keep the list short.
    pub exempt_fields: Vec<String>,
    /// Headers (compared ignoring ASCII case) never scanned; default
    /// [`DEFAULT_UNSCANNED_HEADERS`]. Every other header is, `Cookie` cookie by cookie.
    pub unscanned_headers: Vec<String>,
    /// The largest body the web adapters buffer and scan whole before the app sees it; default
    /// [`RECOMMENDED_MAX_BODY_BYTES`] (64 KiB). A larger body is handed on as it arrives and
    /// scanned on the way ([`BodyScanner`]); the first card number cuts it off.
    pub max_body_bytes: usize,
    /// Refuse bodies the guard cannot read (`415 body_not_scannable`): a `Content-Encoding`
    /// other than `identity` (compressed). Off by default: they are handed on unscanned.
    pub refuse_unscannable: bool,
}

impl Default for GuardConfig {
    fn default() -> Self {
        Self {
            card_like_fields: Vec::new(),
            exempt_fields: Vec::new(),
            unscanned_headers: DEFAULT_UNSCANNED_HEADERS
                .iter()
                .map(|&h| h.to_owned())
                .collect(),
            max_body_bytes: RECOMMENDED_MAX_BODY_BYTES,
            refuse_unscannable: false,
        }
    }
}

/// The field rules, borrowed from the config for one scan.
#[derive(Debug, Default, Clone, Copy)]
struct Policy<'a> {
    card_like_fields: &'a [String],
    exempt_fields: &'a [String],
}

impl Policy<'_> {
    fn is_card_like(&self, name: &str) -> bool {
        field::is_card_like(name, self.card_like_fields)
    }

    fn is_exempt(&self, name: &str) -> bool {
        !self.exempt_fields.is_empty() && field::is_listed(name, self.exempt_fields)
    }

    /// Whether a value of field `name` with this verdict is a card number. `value` gives the
    /// value's text, asked only for an identifier field (`order_id`, `userId`, `ids`): there a
    /// bare run of digits, nothing else, is an identifier that happens to pass Luhn.
    fn card_in_field<'v>(
        &self,
        verdict: number::Verdict,
        name: &str,
        value: impl FnOnce() -> std::borrow::Cow<'v, str>,
    ) -> bool {
        if verdict == number::Verdict::Clean {
            return false;
        }
        if self.is_card_like(name) {
            return true;
        }
        verdict == number::Verdict::Card && !(field::is_id_like(name) && is_bare_number(&value()))
    }
}

/// A value that is one run of 13–19 ASCII digits and nothing else (spaces around it aside).
fn is_bare_number(value: &str) -> bool {
    let value = value.trim();
    (number::MIN_DIGITS..=number::MAX_DIGITS).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_digit())
}

/// Refuses requests that carry a card number. Cheap to clone; share one per application.
#[derive(Debug, Clone, Default)]
pub struct CardDataGuard {
    config: GuardConfig,
}

impl CardDataGuard {
    /// A guard with the given field rules.
    pub fn new(config: GuardConfig) -> Self {
        Self { config }
    }

    fn policy(&self) -> Policy<'_> {
        Policy {
            card_like_fields: &self.config.card_like_fields,
            exempt_fields: &self.config.exempt_fields,
        }
    }

    /// The rules in force.
    pub fn config(&self) -> &GuardConfig {
        &self.config
    }

    /// Scans one header: `Cookie` cookie by cookie (each percent-decoded, under its name, and
    /// adjacent cookies together as boxes), any other header as its percent-decoded value under
    /// its name; headers of [`GuardConfig::unscanned_headers`] not at all.
    pub fn check_header(&self, name: &str, value: &[u8]) -> Result<(), CardDataFound> {
        if field::is_listed(name, &self.config.unscanned_headers) {
            return Ok(());
        }
        let scanner = &mut RunScanner::default();
        if name.eq_ignore_ascii_case("cookie") {
            return form::scan_pairs(value, b';', Charset::Utf8First, &self.policy(), scanner)
                .map_err(|field| CardDataFound::new(Location::Cookie, field));
        }
        let mut buf = Vec::new();
        let decoded = percent_decode(value, Plus::Literal, &mut buf);
        let verdict = scan_bytes(scanner, decoded, Charset::Utf8First);
        if verdict.in_named_field(|| self.policy().is_card_like(name)) {
            return Err(CardDataFound::new(
                Location::Header,
                Some(name.to_ascii_lowercase()),
            ));
        }
        Ok(())
    }

    /// Scans every header of a request ([`CardDataGuard::check_header`]).
    pub fn check_headers<'h>(
        &self,
        headers: impl IntoIterator<Item = (&'h str, &'h [u8])>,
    ) -> Result<(), CardDataFound> {
        headers
            .into_iter()
            .try_for_each(|(name, value)| self.check_header(name, value))
    }

    /// A scanner for a body too large to buffer, fed chunk by chunk as it streams through (see
    /// [`BodyScanner`]), for a body of this `Content-Type`.
    pub fn body_scanner(&self, content_type: Option<&str>) -> BodyScanner {
        let content_type = content_type.unwrap_or_default().trim();
        let media = content_type.split(';').next().unwrap_or_default().trim();
        let charset = Charset::from_content_type(content_type);
        let form = media.eq_ignore_ascii_case("application/x-www-form-urlencoded");
        let location = if form {
            Location::Form
        } else if multipart::is_json(media) {
            Location::Json
        } else if media.eq_ignore_ascii_case("multipart/form-data") {
            Location::Multipart
        } else {
            Location::Body
        };
        BodyScanner::new(location, charset, form)
    }

    /// Scans a query string (with or without its leading `?`).
    pub fn check_query(&self, query: &str) -> Result<(), CardDataFound> {
        let query = query.strip_prefix('?').unwrap_or(query);
        form::scan_urlencoded(
            query.as_bytes(),
            Charset::Utf8First,
            &self.policy(),
            &mut RunScanner::default(),
        )
        .map_err(|field| CardDataFound::new(Location::Query, field))
    }

    /// Scans a URL path, percent-decoded (`/cards/4111111111111111` is refused).
    pub fn check_path(&self, path: &str) -> Result<(), CardDataFound> {
        let mut buf = Vec::new();
        let decoded = percent_decode(path.as_bytes(), Plus::Literal, &mut buf);
        if scan_bytes(&mut RunScanner::default(), decoded, Charset::Utf8First).in_unnamed_place() {
            return Err(CardDataFound::new(Location::Path, None));
        }
        Ok(())
    }

    /// Scans a request body according to its `Content-Type` header value (see the module docs).
    pub fn check_body(&self, content_type: Option<&str>, body: &[u8]) -> Result<(), CardDataFound> {
        if body.is_empty() {
            return Ok(());
        }
        let content_type = content_type.unwrap_or_default().trim();
        let charset = Charset::from_content_type(content_type);
        // UTF-16 and the like (declared, or a byte-order mark): decoded whole, then read as
        // UTF-8; and read as the bytes are too, as an app that ignores the mark reads them (a
        // mark before an ASCII form must not hide the form's card number).
        if let Some(text) = decode_whole_body(body, charset) {
            self.check_body_as(content_type, text.as_bytes(), Charset::Utf8First)?;
        }
        self.check_body_as(content_type, body, charset)
    }

    /// [`Self::check_body`] of a body read in `charset`.
    fn check_body_as(
        &self,
        content_type: &str,
        body: &[u8],
        charset: Charset,
    ) -> Result<(), CardDataFound> {
        let media = content_type.split(';').next().unwrap_or_default().trim();
        let policy = self.policy();
        let scanner = &mut RunScanner::default();
        if media.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return form::scan_urlencoded(body, charset, &policy, scanner)
                .map_err(|field| CardDataFound::new(Location::Form, field));
        }
        if multipart::is_json(media) {
            let text = decode_text(body, charset);
            return json::scan_json(&text, None, &policy, scanner)
                .map_err(|field| CardDataFound::new(Location::Json, field));
        }
        if media.eq_ignore_ascii_case("multipart/form-data")
            && let Some(boundary) = multipart::boundary(content_type)
            && let Ok(result) =
                multipart::scan_multipart(body, boundary.as_bytes(), &policy, scanner)
        {
            return result.map_err(|field| CardDataFound::new(Location::Multipart, field));
        }
        self.check_any_body(body, charset, &policy, scanner)
            .map_err(|field| CardDataFound::new(Location::Body, field))
    }

    /// A body of an unknown type: as JSON when it looks like JSON, as a form when it looks like
    /// one, else as text (and as JSON too when it holds `\u` escapes).
    fn check_any_body(
        &self,
        body: &[u8],
        charset: Charset,
        policy: &Policy<'_>,
        scanner: &mut RunScanner,
    ) -> Result<(), Option<String>> {
        let as_json = |scanner: &mut RunScanner| {
            json::scan_json(&decode_text(body, charset), None, policy, scanner)
        };
        let first = body.iter().find(|b| !b.is_ascii_whitespace());
        if matches!(first, Some(b'{' | b'[')) {
            return as_json(scanner);
        }
        if looks_urlencoded(body) {
            return form::scan_urlencoded(body, charset, policy, scanner);
        }
        if scan_bytes(scanner, body, charset).in_unnamed_place() {
            return Err(None);
        }
        if multipart::find(body, b"\\u", 0).is_some() {
            as_json(scanner)?;
        }
        Ok(())
    }
}

/// Whether a body of unknown type may be `application/x-www-form-urlencoded`: such bodies are
/// ASCII without spaces or line breaks (a text body read as a form would get bogus field names).
fn looks_urlencoded(body: &[u8]) -> bool {
    let body = body.trim_ascii_end();
    body.iter().any(|&b| matches!(b, b'=' | b'%' | b'+'))
        && body.iter().all(|&b| b.is_ascii_graphic())
}

/// Where in the request the card number was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Location {
    /// The query string.
    Query,
    /// The URL path.
    Path,
    /// An `application/x-www-form-urlencoded` body.
    Form,
    /// A JSON body.
    Json,
    /// A `multipart/form-data` body.
    Multipart,
    /// A body of another or no content type.
    Body,
    /// A request header (other than `Cookie`).
    Header,
    /// A cookie.
    Cookie,
}

impl Location {
    /// A stable machine-readable name, e.g. `form`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::Path => "path",
            Self::Form => "form",
            Self::Json => "json",
            Self::Multipart => "multipart",
            Self::Body => "body",
            Self::Header => "header",
            Self::Cookie => "cookie",
        }
    }

    fn described(self) -> &'static str {
        match self {
            Self::Query => "the query string",
            Self::Path => "the URL path",
            Self::Form => "the form body",
            Self::Json => "the JSON body",
            Self::Multipart => "the multipart form body",
            Self::Body => "the request body",
            Self::Header => "a header",
            Self::Cookie => "a cookie",
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request refused because it carries what looks like a card number.
///
/// It names where the number was (location and field) and never holds the value or any digit of
/// it; a field name with a run of 5 or more digits is shown with those digits masked as `#`, and
/// cut to 64 characters. Answer it with HTTP 400 and [`CardDataFound::code`], record it as a
/// security event, and drop the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardDataFound {
    location: Location,
    field: Option<String>,
}

impl CardDataFound {
    /// The stable error code of a refusal.
    pub const CODE: &'static str = "card_data_refused";

    pub(crate) fn new(location: Location, field: Option<String>) -> Self {
        Self {
            location,
            field: field.map(|name| field::shown_name(&name)),
        }
    }

    /// `card_data_refused`.
    pub fn code(&self) -> &'static str {
        Self::CODE
    }

    /// Where the card number was.
    pub fn location(&self) -> Location {
        self.location
    }

    /// The field (form or query key, JSON key path such as `card.number`, multipart part name),
    /// when the number was in a value with a name.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }
}

impl std::fmt::Display for CardDataFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request carries what looks like a card number ")?;
        match &self.field {
            Some(field) => write!(f, "in field `{field}` of ")?,
            None => f.write_str("in ")?,
        }
        write!(
            f,
            "{}; card numbers must never be sent to this server (use the card token)",
            self.location.described()
        )
    }
}

impl std::error::Error for CardDataFound {}
