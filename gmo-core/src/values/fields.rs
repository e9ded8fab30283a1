//! Validated values of GMO fields: amounts, card sequence numbers, free texts with their byte
//! limits in Windows-31J, the 3-D Secure tenant name, and the few response values that need care
//! (timestamps, a stored card's expiry).

use std::fmt;

use base64::Engine as _;

use super::InvalidValue;
use crate::wire::encode_windows_31j;

/// The largest amount (and tax) GMO accepts: seven digits of yen.
pub const MAX_AMOUNT: u32 = 9_999_999;

macro_rules! yen {
    ($(#[$doc:meta])* $name:ident, $field:literal, $rule:literal) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(try_from = "u32", into = "u32")]
        pub struct $name(u32);

        impl TryFrom<u32> for $name {
            type Error = InvalidValue;
            fn try_from(yen: u32) -> Result<Self, InvalidValue> {
                Self::new(yen)
            }
        }

        impl From<$name> for u32 {
            fn from(value: $name) -> u32 {
                value.0
            }
        }

        impl $name {
            /// The GMO field name of this value.
            pub const FIELD: &'static str = $field;

            /// Validates an amount of yen.
            pub fn new(yen: u32) -> Result<Self, InvalidValue> {
                if yen <= MAX_AMOUNT {
                    Ok(Self(yen))
                } else {
                    Err(InvalidValue { field: $field, rule: $rule })
                }
            }

            /// The amount in yen.
            pub fn yen(self) -> u32 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidValue;
            /// Parses GMO's digits (1 to 7 of them).
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let invalid = InvalidValue { field: $field, rule: $rule };
                if s.is_empty() || s.len() > 7 || !s.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(invalid);
                }
                s.parse().map_err(|_| invalid).and_then(Self::new)
            }
        }
    };
}

yen!(
    /// An amount of yen (`Amount`): 0 to 9,999,999.
    ///
    /// ```
    /// use gmo_core::values::Amount;
    ///
    /// assert_eq!(Amount::new(1_500)?.yen(), 1_500);
    /// assert_eq!(Amount::new(10_000_000).unwrap_err().field, "Amount");
    /// # Ok::<(), gmo_core::values::InvalidValue>(())
    /// ```
    Amount,
    "Amount",
    "at most 9,999,999 yen"
);

yen!(
    /// Tax and shipping (`Tax`, 税送料): 0 to 9,999,999 yen, charged on top of the amount.
    Tax,
    "Tax",
    "at most 9,999,999 yen"
);

/// The largest charged total (`Amount` + `Tax`) we let through.
///
/// GMO rejects a total that is too large with `E01490005` but does not publish the limit; we
/// assume it is the same seven digits as each part (9,999,999 yen).
pub const MAX_TOTAL: u32 = MAX_AMOUNT;

/// Checks that `Amount + Tax` stays within [`MAX_TOTAL`] and answers the total.
pub fn checked_total(amount: Amount, tax: Option<Tax>) -> Result<u32, InvalidValue> {
    let total = amount.yen() + tax.map_or(0, Tax::yen);
    if total <= MAX_TOTAL {
        Ok(total)
    } else {
        Err(InvalidValue {
            field: "Amount",
            rule: "at most 9,999,999 yen together with Tax (our assumption for GMO's limit on the total, E01490005)",
        })
    }
}

/// The number of a stored card (`CardSeq`): 0 to 9999, the first card being 0.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "u16", into = "u16")]
pub struct CardSeq(u16);

impl TryFrom<u16> for CardSeq {
    type Error = InvalidValue;
    fn try_from(seq: u16) -> Result<Self, InvalidValue> {
        Self::new(seq)
    }
}

impl From<CardSeq> for u16 {
    fn from(seq: CardSeq) -> u16 {
        seq.0
    }
}

impl CardSeq {
    const RULE: &'static str = "a number from 0 to 9999 (at most 4 digits)";

    /// Validates a card sequence number.
    pub fn new(seq: u16) -> Result<Self, InvalidValue> {
        if seq <= 9999 {
            Ok(Self(seq))
        } else {
            Err(InvalidValue {
                field: "CardSeq",
                rule: Self::RULE,
            })
        }
    }

    /// The number.
    pub fn get(self) -> u16 {
        self.0
    }
}

impl fmt::Display for CardSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::str::FromStr for CardSeq {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = InvalidValue {
            field: "CardSeq",
            rule: Self::RULE,
        };
        if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid);
        }
        s.parse().map_err(|_| invalid).and_then(Self::new)
    }
}

/// Whether `value` is Windows-31J text of at most `max` bytes, without control characters
/// (GMO has no use for them and they only hide mistakes) nor any of `forbidden`.
fn is_cp932_text(value: &str, max: usize, forbidden: &[char]) -> bool {
    if value
        .chars()
        .any(|c| c.is_control() || forbidden.contains(&c))
    {
        return false;
    }
    match encode_windows_31j("", value) {
        Ok(bytes) => bytes.len() <= max,
        Err(_) => false,
    }
}

/// Characters refused in texts GMO echoes back (ExecTran's ClientFields, SearchTrade,
/// SearchMember): answers are `&`-separated and never escaped, so a `&` would cut the value and
/// start a bogus field (or make the whole answer unreadable).
const ECHOED: &[char] = &['&'];

/// Characters refused in texts GMO lists (SearchCard): as [`ECHOED`], and `|`, which would
/// split the column of a list answer.
const LISTED: &[char] = &['&', '|'];

macro_rules! cp932_text {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:literal, $forbidden:expr, $rule:literal, $debug:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// The GMO field name of this value.
            pub const FIELD: &'static str = $field;
            /// The largest length in Windows-31J bytes.
            pub const MAX_BYTES: usize = $max;

            /// Validates a text: representable in Windows-31J and short enough once encoded.
            pub fn new(value: impl Into<String>) -> Result<Self, InvalidValue> {
                let value = value.into();
                if is_cp932_text(&value, $max, $forbidden) {
                    Ok(Self(value))
                } else {
                    Err(InvalidValue { field: $field, rule: $rule })
                }
            }

            /// The text as given.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        cp932_text!(@debug $name, $debug);

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
    (@debug $name:ident, shown) => {
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.0).finish()
            }
        }
    };
    (@debug $name:ident, personal) => {
        // Personal data: kept out of Debug output, hence out of logs.
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(<personal data>)"))
            }
        }
    };
}

cp932_text!(
    /// A merchant free field (`ClientField1`, `ClientField2`, `ClientField3`): at most 100 bytes
    /// in Windows-31J, without `&`. GMO stores it with the transaction and echoes it, unescaped,
    /// in ExecTran, SecureTran2 and SearchTrade.
    ///
    /// ```
    /// use gmo_core::values::ClientField;
    ///
    /// assert!(ClientField::new("～－￠￡￢－∥①ほげほげhogehoge").is_ok());
    /// assert!(ClientField::new("あ".repeat(51)).is_err()); // 102 bytes in Windows-31J
    /// assert!(ClientField::new("😀").is_err());
    /// assert!(ClientField::new("A & B").is_err()); // would be cut where GMO echoes it
    /// ```
    ClientField,
    "ClientField",
    100,
    ECHOED,
    "at most 100 bytes of Windows-31J text, without control characters or &",
    shown
);

cp932_text!(
    /// A member's name (`MemberName`): at most 255 bytes in Windows-31J, without `&` (SearchMember
    /// echoes it unescaped).
    MemberName,
    "MemberName",
    255,
    ECHOED,
    "at most 255 bytes of Windows-31J text, without control characters or &",
    personal
);

cp932_text!(
    /// The card holder's name stored with a card (`HolderName`): at most 50 bytes in
    /// Windows-31J, without `&` or `|` (SearchCard lists it unescaped).
    HolderName,
    "HolderName",
    50,
    LISTED,
    "at most 50 bytes of Windows-31J text, without control characters, & or |",
    personal
);

cp932_text!(
    /// The merchant's label of a stored card (`CardName`): at most 10 bytes in Windows-31J,
    /// without `&` or `|` (SearchCard lists it unescaped).
    CardName,
    "CardName",
    10,
    LISTED,
    "at most 10 bytes of Windows-31J text, without control characters, & or |",
    shown
);

cp932_text!(
    /// The text printed on the card statement (`DisplayInfo`): at most 100 bytes in
    /// Windows-31J.
    DisplayInfo,
    "DisplayInfo",
    100,
    &[],
    "at most 100 bytes of Windows-31J text, without control characters",
    shown
);

/// The merchant URL the browser comes back to after 3-D Secure (`RetUrl`): an `http://` or
/// `https://` URL of at most 256 printable ASCII characters.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RetUrl(String);

impl RetUrl {
    /// Validates a return URL.
    pub fn new(url: impl Into<String>) -> Result<Self, InvalidValue> {
        let url = url.into();
        let printable = url.bytes().all(|b| b.is_ascii_graphic());
        let scheme = url.starts_with("https://") || url.starts_with("http://");
        if printable && scheme && url.len() <= 256 {
            Ok(Self(url))
        } else {
            Err(InvalidValue {
                field: "RetUrl",
                rule: "an http:// or https:// URL of at most 256 printable ASCII characters",
            })
        }
    }

    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RetUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RetUrl").field(&self.0).finish()
    }
}

/// The shop name shown on the 3-D Secure page (`TdTenantName`), given as plain text.
///
/// GMO wants it as Base64 of its EUC-JP bytes, at most 25 bytes once encoded, which leaves 18
/// bytes of EUC-JP (9 kanji, or 18 ASCII characters).
///
/// ```
/// use gmo_core::values::TdTenantName;
///
/// let name = TdTenantName::new("ジーエムオー")?;
/// assert_eq!(name.encoded(), "pbihvKWopeClqqG8");
/// assert!(TdTenantName::new("とても長い店舗名ですね本当に").is_err());
/// # Ok::<(), gmo_core::values::InvalidValue>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TdTenantName {
    plain: String,
    encoded: String,
}

impl TdTenantName {
    /// Encodes and validates a tenant name.
    pub fn new(plain: impl Into<String>) -> Result<Self, InvalidValue> {
        let plain = plain.into();
        let invalid = InvalidValue {
            field: "TdTenantName",
            rule: "text EUC-JP can represent, at most 25 bytes once Base64-encoded (18 bytes of EUC-JP)",
        };
        if plain.chars().any(char::is_control) {
            return Err(invalid);
        }
        let (bytes, _, had_errors) = encoding_rs::EUC_JP.encode(&plain);
        if had_errors {
            return Err(invalid);
        }
        let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
        if encoded.len() > 25 {
            return Err(invalid);
        }
        Ok(Self { plain, encoded })
    }

    /// The name as given.
    pub fn as_str(&self) -> &str {
        &self.plain
    }

    /// The value sent to GMO: Base64 of the EUC-JP bytes.
    pub fn encoded(&self) -> &str {
        &self.encoded
    }
}

impl fmt::Debug for TdTenantName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TdTenantName").field(&self.plain).finish()
    }
}

/// A date and time as GMO writes it (`TranDate`, `ProcessDate`): `yyyyMMddHHmmss`, Japan time.
/// Kept verbatim (CheckString hashes it as sent).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GmoTimestamp(String);

impl GmoTimestamp {
    /// Validates the 14-digit form; answers `None` for anything else.
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = raw.len() == 14 && raw.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| Self(raw.to_owned()))
    }

    /// The value as GMO sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The instant, at Japan's offset (+09:00); `None` when the digits are no real date.
    pub fn to_offset_date_time(&self) -> Option<time::OffsetDateTime> {
        let n = |r: std::ops::Range<usize>| self.0[r].parse::<u16>().ok();
        let month = time::Month::try_from(u8::try_from(n(4..6)?).ok()?).ok()?;
        let date = time::Date::from_calendar_date(
            i32::from(n(0..4)?),
            month,
            u8::try_from(n(6..8)?).ok()?,
        )
        .ok()?;
        let clock = time::Time::from_hms(
            u8::try_from(n(8..10)?).ok()?,
            u8::try_from(n(10..12)?).ok()?,
            u8::try_from(n(12..14)?).ok()?,
        )
        .ok()?;
        let jst = time::UtcOffset::from_hms(9, 0, 0).ok()?;
        Some(time::PrimitiveDateTime::new(date, clock).assume_offset(jst))
    }
}

impl fmt::Display for GmoTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The expiry (`Expire`, `YYMM`) of a card as GMO reports it, for display to its owner.
///
/// Our side never accepts card data; GMO shows the expiry of stored cards so that a customer
/// can tell them apart. `Debug` hides it so that it cannot reach a log by accident.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CardExpiry(String);

impl CardExpiry {
    /// Validates the 4-digit `YYMM` form; answers `None` for anything else.
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = raw.len() == 4 && raw.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| Self(raw.to_owned()))
    }

    /// `YYMM` as GMO sent it.
    pub fn yymm(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CardExpiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CardExpiry(<hidden>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_totals_follow_the_seven_digit_rule() {
        assert!(Amount::new(9_999_999).is_ok());
        assert_eq!(Amount::new(10_000_000).unwrap_err().field, "Amount");
        assert_eq!(Tax::new(10_000_000).unwrap_err().field, "Tax");
        let a = Amount::new(9_999_000).unwrap();
        assert_eq!(
            checked_total(a, Some(Tax::new(999).unwrap())),
            Ok(9_999_999)
        );
        let err = checked_total(a, Some(Tax::new(1_000).unwrap())).unwrap_err();
        assert_eq!(err.field, "Amount");
        assert!(err.rule.contains("Tax"));
        assert_eq!("1000".parse::<Amount>().unwrap().yen(), 1000);
        for bad in ["", "-1", "1e3", "12345678", " 1"] {
            assert!(bad.parse::<Amount>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn card_seq_has_at_most_four_digits() {
        assert_eq!(CardSeq::new(9999).unwrap().get(), 9999);
        assert!(CardSeq::new(10_000).is_err());
        assert_eq!("0".parse::<CardSeq>().unwrap().get(), 0);
        assert!("10000".parse::<CardSeq>().is_err());
    }

    #[test]
    fn texts_are_measured_in_windows_31j_bytes() {
        // 50 full-width characters are 100 bytes: the limit exactly.
        assert!(ClientField::new("あ".repeat(50)).is_ok());
        assert!(ClientField::new("あ".repeat(50) + "a").is_err());
        // Half-width katakana are one byte each.
        assert!(ClientField::new("ｼ".repeat(100)).is_ok());
        assert!(CardName::new("ﾒｲﾝｶｰﾄﾞ123").is_ok());
        assert!(CardName::new("メインカード").is_err()); // 12 bytes
        assert!(CardName::new("a|b").is_err());
        assert!(HolderName::new("TARO YAMADA").is_ok());
        assert!(HolderName::new("A".repeat(51)).is_err());
        assert!(MemberName::new("髙橋 ㈱ジエムオ").is_ok());
        assert!(MemberName::new("x".repeat(256)).is_err());
        // GMO echoes these unescaped in `&`-separated answers.
        for echoed in ["Smith & Co", "a&b=c"] {
            assert_eq!(ClientField::new(echoed).unwrap_err().field, "ClientField");
            assert_eq!(MemberName::new(echoed).unwrap_err().field, "MemberName");
            assert_eq!(HolderName::new(echoed).unwrap_err().field, "HolderName");
        }
        assert!(CardName::new("A&B").is_err());
        assert!(ClientField::new("a=b + c%20 #1").is_ok());
        assert!(DisplayInfo::new("Smith & Co").is_ok());
        assert!(DisplayInfo::new("line\nbreak").is_err());
        let err = ClientField::new("😀").unwrap_err();
        assert_eq!(err.field, "ClientField");
        assert!(!err.to_string().contains('😀'));
    }

    #[test]
    fn personal_texts_stay_out_of_debug() {
        let name = MemberName::new("Marker Person").unwrap();
        assert!(!format!("{name:?}").contains("Marker"));
        let holder = HolderName::new("MARKER HOLDER").unwrap();
        assert!(!format!("{holder:?}").contains("MARKER"));
        let expiry = CardExpiry::parse("2812").unwrap();
        assert!(!format!("{expiry:?}").contains("2812"));
        assert_eq!(expiry.yymm(), "2812");
    }

    #[test]
    fn ret_url_is_an_http_url_of_at_most_256_characters() {
        assert!(RetUrl::new("https://shop.example/3ds/order-1").is_ok());
        assert!(RetUrl::new(format!("https://x/{}", "a".repeat(246))).is_ok());
        assert!(RetUrl::new(format!("https://x/{}", "a".repeat(247))).is_err());
        assert!(RetUrl::new("ftp://x").is_err());
        assert!(RetUrl::new("https://x/a b").is_err());
    }

    #[test]
    fn tenant_name_is_base64_of_euc_jp() {
        let name = TdTenantName::new("ジーエムオー").unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(name.encoded())
            .unwrap();
        let (back, _, bad) = encoding_rs::EUC_JP.decode(&bytes);
        assert!(!bad);
        assert_eq!(back, "ジーエムオー");
        assert_eq!(bytes.len(), 12);
        // 18 ASCII bytes → 24 Base64 characters; 19 → 28.
        assert!(TdTenantName::new("a".repeat(18)).is_ok());
        assert!(TdTenantName::new("a".repeat(19)).is_err());
        assert!(TdTenantName::new("한국").is_err());
    }

    #[test]
    fn timestamps_read_as_japan_time() {
        let t = GmoTimestamp::parse("20130301120312").unwrap();
        let at = t.to_offset_date_time().unwrap();
        assert_eq!(at.unix_timestamp(), 1_362_106_992);
        assert!(GmoTimestamp::parse("2013030112031").is_none());
        assert!(
            GmoTimestamp::parse("20131301120312")
                .unwrap()
                .to_offset_date_time()
                .is_none()
        );
    }
}
