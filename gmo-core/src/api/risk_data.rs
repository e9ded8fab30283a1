//! The 3-D Secure 2.0 risk data sent with ExecTran (`Tds2*` fields), `docs/protocol.md` §4.
//! Its own module so that both ExecTran (`transaction.rs`) and the 3-D Secure APIs
//! (`three_d_secure.rs`, which re-exports it) can use it without importing each other.

use std::fmt;

use crate::error::RequestError;
use crate::values::InvalidValue;
use crate::wire::{FormEncoder, encode_windows_31j};

/// The shape a risk-data field must have.
#[derive(Clone, Copy)]
enum Shape {
    /// `yyyyMMdd`.
    Date,
    /// `yyyyMMddHHmm`.
    Minute,
    /// Between `min` and `max` ASCII digits.
    Digits(usize, usize),
    /// One of a few codes.
    OneOf(&'static [&'static str]),
    /// Windows-31J text of at most that many bytes.
    Text(usize),
}

const ONE_TWO: &[&str] = &["01", "02"];

macro_rules! tds2_fields {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, $shape:expr, $rule:literal;)*) => {
        /// A 3-D Secure 2.0 risk-data field of ExecTran (`Tds2*`), in GMO's order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Tds2Field {
            $($(#[$doc])* $variant,)*
        }

        impl Tds2Field {
            /// Every field, in GMO's order.
            pub const ALL: &'static [Tds2Field] = &[$(Self::$variant,)*];

            /// The GMO field name.
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }

            /// The field of a GMO field name, e.g. `Tds2Email`.
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $($name => Some(Self::$variant),)*
                    _ => None,
                }
            }

            fn shape(self) -> (Shape, &'static str) {
                match self {
                    $(Self::$variant => ($shape, $rule),)*
                }
            }
        }
    };
}

tds2_fields! {
    /// Challenge preference: `01` no preference, `02` no challenge, `03` challenge wanted,
    /// `04` challenge mandated.
    ChallengeIndType = "Tds2ChallengeIndType", Shape::OneOf(&["01", "02", "03", "04"]), "01, 02, 03 or 04";
    /// Last change of the customer's account (`yyyyMMdd`).
    ChAccChange = "Tds2ChAccChange", Shape::Date, "a date yyyyMMdd";
    /// Creation of the customer's account (`yyyyMMdd`).
    ChAccDate = "Tds2ChAccDate", Shape::Date, "a date yyyyMMdd";
    /// Last password change (`yyyyMMdd`).
    ChAccPwChange = "Tds2ChAccPwChange", Shape::Date, "a date yyyyMMdd";
    /// Purchases in the last 6 months.
    NbPurchaseAccount = "Tds2NbPurchaseAccount", Shape::Digits(1, 4), "1 to 4 digits";
    /// When the card was stored with the merchant (`yyyyMMdd`).
    PaymentAccAge = "Tds2PaymentAccAge", Shape::Date, "a date yyyyMMdd";
    /// Attempts to add a card in the last 24 hours.
    ProvisionAttemptsDay = "Tds2ProvisionAttemptsDay", Shape::Digits(1, 3), "1 to 3 digits";
    /// First use of the shipping address (`yyyyMMdd`).
    ShipAddressUsage = "Tds2ShipAddressUsage", Shape::Date, "a date yyyyMMdd";
    /// `01` holder and shipping names match, `02` they differ.
    ShipNameInd = "Tds2ShipNameInd", Shape::OneOf(ONE_TWO), "01 or 02";
    /// `01` nothing suspicious seen, `02` suspicious activity seen.
    SuspiciousAccActivity = "Tds2SuspiciousAccActivity", Shape::OneOf(ONE_TWO), "01 or 02";
    /// Transactions in the last 24 hours.
    TxnActivityDay = "Tds2TxnActivityDay", Shape::Digits(1, 3), "1 to 3 digits";
    /// Transactions in the last year.
    TxnActivityYear = "Tds2TxnActivityYear", Shape::Digits(1, 3), "1 to 3 digits";
    /// Login evidence.
    ThreeDsReqAuthData = "Tds2ThreeDSReqAuthData", Shape::Text(2048), "at most 2048 bytes of Windows-31J text";
    /// Login method, `01` to `06`.
    ThreeDsReqAuthMethod = "Tds2ThreeDSReqAuthMethod", Shape::OneOf(&["01", "02", "03", "04", "05", "06"]), "01 to 06";
    /// Login time (`yyyyMMddHHmm`).
    ThreeDsReqAuthTimestamp = "Tds2ThreeDSReqAuthTimestamp", Shape::Minute, "a time yyyyMMddHHmm";
    /// `Y` billing and shipping addresses match, `N` they differ.
    AddrMatch = "Tds2AddrMatch", Shape::OneOf(&["Y", "N"]), "Y or N";
    /// Billing city.
    BillAddrCity = "Tds2BillAddrCity", Shape::Text(50), "at most 50 bytes of Windows-31J text";
    /// Billing country, ISO 3166 numeric (`392` for Japan).
    BillAddrCountry = "Tds2BillAddrCountry", Shape::Digits(3, 3), "3 digits (ISO 3166 numeric)";
    /// Billing address line 1.
    BillAddrLine1 = "Tds2BillAddrLine1", Shape::Text(50), "at most 50 bytes of Windows-31J text";
    /// Billing address line 2.
    BillAddrLine2 = "Tds2BillAddrLine2", Shape::Text(50), "at most 50 bytes of Windows-31J text";
    /// Billing address line 3.
    BillAddrLine3 = "Tds2BillAddrLine3", Shape::Text(50), "at most 50 bytes of Windows-31J text";
    /// Billing postcode.
    BillAddrPostCode = "Tds2BillAddrPostCode", Shape::Text(16), "at most 16 bytes of Windows-31J text";
    /// Billing state or prefecture code.
    BillAddrState = "Tds2BillAddrState", Shape::Text(3), "at most 3 bytes of Windows-31J text";
    /// The customer's e-mail address.
    Email = "Tds2Email", Shape::Text(254), "at most 254 bytes of Windows-31J text";
    /// Home phone country code.
    HomePhoneCc = "Tds2HomePhoneCC", Shape::Digits(1, 3), "1 to 3 digits";
    /// Home phone number.
    HomePhoneSubscriber = "Tds2HomePhoneSubscriber", Shape::Digits(1, 15), "1 to 15 digits";
    /// Mobile phone country code.
    MobilePhoneCc = "Tds2MobilePhoneCC", Shape::Digits(1, 3), "1 to 3 digits";
    /// Mobile phone number.
    MobilePhoneSubscriber = "Tds2MobilePhoneSubscriber", Shape::Digits(1, 15), "1 to 15 digits";
    /// Work phone country code.
    WorkPhoneCc = "Tds2WorkPhoneCC", Shape::Digits(1, 3), "1 to 3 digits";
    /// Work phone number.
    WorkPhoneSubscriber = "Tds2WorkPhoneSubscriber", Shape::Digits(1, 15), "1 to 15 digits";
    /// Shipping city.
    ShipAddrCity = "Tds2ShipAddrCity", Shape::Text(50), "at most 50 bytes of Windows-31J text";
    /// Shipping country, ISO 3166 numeric.
    ShipAddrCountry = "Tds2ShipAddrCountry", Shape::Digits(3, 3), "3 digits (ISO 3166 numeric)";
    /// Shipping address line 1.
    ShipAddrLine1 = "Tds2ShipAddrLine1", Shape::Text(50), "at most 50 bytes of Windows-31J text";
    /// Shipping address line 2.
    ShipAddrLine2 = "Tds2ShipAddrLine2", Shape::Text(50), "at most 50 bytes of Windows-31J text";
    /// Shipping address line 3.
    ShipAddrLine3 = "Tds2ShipAddrLine3", Shape::Text(50), "at most 50 bytes of Windows-31J text";
    /// Shipping postcode.
    ShipAddrPostCode = "Tds2ShipAddrPostCode", Shape::Text(16), "at most 16 bytes of Windows-31J text";
    /// Shipping state or prefecture code.
    ShipAddrState = "Tds2ShipAddrState", Shape::Text(3), "at most 3 bytes of Windows-31J text";
    /// E-mail address for electronic delivery.
    DeliveryEmailAddress = "Tds2DeliveryEmailAddress", Shape::Text(254), "at most 254 bytes of Windows-31J text";
    /// `01` electronic, `02` same day, `03` overnight, `04` two days or more.
    DeliveryTimeframe = "Tds2DeliveryTimeframe", Shape::OneOf(&["01", "02", "03", "04"]), "01, 02, 03 or 04";
    /// Total amount of prepaid or gift cards bought.
    GiftCardAmount = "Tds2GiftCardAmount", Shape::Digits(1, 15), "1 to 15 digits";
    /// Number of prepaid or gift cards bought.
    GiftCardCount = "Tds2GiftCardCount", Shape::Digits(1, 2), "1 or 2 digits";
    /// Currency of the gift cards, ISO 4217 numeric (`392` for yen).
    GiftCardCurr = "Tds2GiftCardCurr", Shape::Digits(3, 3), "3 digits (ISO 4217 numeric)";
    /// Release date of a pre-ordered item (`yyyyMMdd`).
    PreOrderDate = "Tds2PreOrderDate", Shape::Date, "a date yyyyMMdd";
    /// `01` available now, `02` future availability.
    PreOrderPurchaseInd = "Tds2PreOrderPurchaseInd", Shape::OneOf(ONE_TWO), "01 or 02";
    /// `01` first order, `02` reorder.
    ReorderItemsInd = "Tds2ReorderItemsInd", Shape::OneOf(ONE_TWO), "01 or 02";
    /// Shipping method, `01` to `07`.
    ShipInd = "Tds2ShipInd", Shape::OneOf(&["01", "02", "03", "04", "05", "06", "07"]), "01 to 07";
    /// End of a recurring payment (`yyyyMMdd`).
    RecurringExpiry = "Tds2RecurringExpiry", Shape::Date, "a date yyyyMMdd";
    /// Minimum days between recurring payments.
    RecurringFrequency = "Tds2RecurringFrequency", Shape::Digits(1, 4), "1 to 4 digits";
}

fn all_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

fn is_date(s: &str) -> bool {
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|v| v.parse::<u32>().ok());
    s.len() == 8
        && all_digits(s)
        && num(4..6).is_some_and(|m| (1..=12).contains(&m))
        && num(6..8).is_some_and(|d| (1..=31).contains(&d))
}

impl Shape {
    fn accepts(self, value: &str) -> bool {
        match self {
            Self::Date => is_date(value),
            Self::Minute => {
                value.len() == 12
                    && is_date(&value[..8])
                    && value[8..10].parse::<u32>().is_ok_and(|h| h < 24)
                    && value[10..12].parse::<u32>().is_ok_and(|m| m < 60)
            }
            Self::Digits(min, max) => (min..=max).contains(&value.len()) && all_digits(value),
            Self::OneOf(codes) => codes.contains(&value),
            Self::Text(max) => {
                !value.chars().any(char::is_control)
                    && encode_windows_31j("", value).is_ok_and(|b| b.len() <= max)
            }
        }
    }
}

/// The 3-D Secure 2.0 risk data of an ExecTran: optional `Tds2*` fields that help the issuer
/// skip the challenge. Each value is checked when it is set; `Debug` shows field names only
/// (the values are personal data).
///
/// ```
/// use gmo_core::api::{Tds2Data, Tds2Field};
///
/// let mut data = Tds2Data::new();
/// data.set(Tds2Field::Email, "taro@example.jp")?
///     .set(Tds2Field::BillAddrCountry, "392")?
///     .set(Tds2Field::ChAccDate, "20240131")?;
/// assert_eq!(data.set(Tds2Field::ChAccDate, "2024-01-31").unwrap_err().field, "Tds2ChAccDate");
/// # Ok::<(), gmo_core::values::InvalidValue>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Tds2Data {
    values: Vec<(Tds2Field, String)>,
}

impl Tds2Data {
    /// No risk data.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a field, replacing an earlier value; refuses a value of the wrong shape.
    pub fn set(
        &mut self,
        field: Tds2Field,
        value: impl Into<String>,
    ) -> Result<&mut Self, InvalidValue> {
        let value = value.into();
        let (shape, rule) = field.shape();
        if !shape.accepts(&value) {
            return Err(InvalidValue {
                field: field.name(),
                rule,
            });
        }
        match self.values.binary_search_by_key(&field, |(f, _)| *f) {
            Ok(at) => self.values[at].1 = value,
            Err(at) => self.values.insert(at, (field, value)),
        }
        Ok(self)
    }

    /// The value of a field, if set.
    pub fn get(&self, field: Tds2Field) -> Option<&str> {
        self.values
            .binary_search_by_key(&field, |(f, _)| *f)
            .ok()
            .map(|at| self.values[at].1.as_str())
    }

    /// Whether no field is set.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The fields set, in GMO's order, with their values.
    pub fn iter(&self) -> impl Iterator<Item = (Tds2Field, &str)> {
        self.values.iter().map(|(f, v)| (*f, v.as_str()))
    }

    /// Checks the rules between fields: a phone's country code and number go together.
    pub fn check(&self) -> Result<(), InvalidValue> {
        for (code, number) in [
            (Tds2Field::HomePhoneCc, Tds2Field::HomePhoneSubscriber),
            (Tds2Field::MobilePhoneCc, Tds2Field::MobilePhoneSubscriber),
            (Tds2Field::WorkPhoneCc, Tds2Field::WorkPhoneSubscriber),
        ] {
            if self.get(code).is_some() != self.get(number).is_some() {
                return Err(InvalidValue {
                    field: code.name(),
                    rule: "given together with the phone number (and the number with it)",
                });
            }
        }
        Ok(())
    }

    /// Writes the fields in GMO's order; a phone country code and number go together.
    pub(crate) fn encode(&self, form: &mut FormEncoder) -> Result<(), RequestError> {
        self.check()?;
        for (field, value) in &self.values {
            form.push(field.name(), value)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Tds2Data {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tds2Data")
            .field(
                "fields",
                &self
                    .values
                    .iter()
                    .map(|(k, _)| k.name())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Stored as a JSON object of GMO field names and values (stores keep an order's risk data
/// until its ExecTran). Reading it back checks every value again: a stored value that breaks
/// its rule is an error, never sent.
impl serde::Serialize for Tds2Data {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.values.len()))?;
        for (field, value) in &self.values {
            map.serialize_entry(field.name(), value)?;
        }
        map.end()
    }
}

impl<'de> serde::Deserialize<'de> for Tds2Data {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let raw = std::collections::BTreeMap::<String, String>::deserialize(deserializer)?;
        let mut data = Tds2Data::new();
        for (name, value) in raw {
            let field = Tds2Field::from_name(&name)
                .ok_or_else(|| D::Error::custom("an unknown Tds2 field"))?;
            data.set(field, value).map_err(D::Error::custom)?;
        }
        data.check().map_err(D::Error::custom)?;
        Ok(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_name_is_a_tds2_name_and_unique() {
        let mut names: Vec<_> = Tds2Field::ALL.iter().map(|f| f.name()).collect();
        assert!(names.iter().all(|n| n.starts_with("Tds2")));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Tds2Field::ALL.len());
    }

    #[test]
    fn values_are_checked_against_their_shape() {
        let mut data = Tds2Data::new();
        assert!(data.set(Tds2Field::ChAccChange, "20240229").is_ok());
        assert!(data.set(Tds2Field::ChAccChange, "20241301").is_err());
        assert!(
            data.set(Tds2Field::ThreeDsReqAuthTimestamp, "202401011230")
                .is_ok()
        );
        assert!(
            data.set(Tds2Field::ThreeDsReqAuthTimestamp, "202401012460")
                .is_err()
        );
        assert!(data.set(Tds2Field::NbPurchaseAccount, "12345").is_err());
        assert!(data.set(Tds2Field::ShipNameInd, "03").is_err());
        assert!(data.set(Tds2Field::BillAddrCity, "渋谷区").is_ok());
        assert!(data.set(Tds2Field::BillAddrState, "東京都").is_err()); // 6 bytes
        let err = data.set(Tds2Field::Email, "x".repeat(255)).unwrap_err();
        assert_eq!(err.field, "Tds2Email");
        assert!(!err.to_string().contains("xxx"));
    }

    #[test]
    fn fields_are_written_in_gmo_order_and_phones_in_pairs() {
        let mut data = Tds2Data::new();
        data.set(Tds2Field::Email, "a@b.jp")
            .unwrap()
            .set(Tds2Field::ChAccDate, "20200101")
            .unwrap()
            .set(Tds2Field::MobilePhoneCc, "81")
            .unwrap();
        let mut form = FormEncoder::new();
        assert!(data.encode(&mut form).is_err());
        data.set(Tds2Field::MobilePhoneSubscriber, "9012345678")
            .unwrap();
        let mut form = FormEncoder::new();
        data.encode(&mut form).unwrap();
        assert_eq!(
            form.finish(),
            "Tds2ChAccDate=20200101&Tds2Email=a%40b.jp&Tds2MobilePhoneCC=81&Tds2MobilePhoneSubscriber=9012345678"
        );
        assert!(!format!("{data:?}").contains("a@b.jp"));
    }

    #[test]
    fn stored_json_round_trips_and_is_checked_again() {
        let mut data = Tds2Data::new();
        data.set(Tds2Field::Email, "a@b.jp")
            .unwrap()
            .set(Tds2Field::BillAddrCity, "渋谷区")
            .unwrap();
        let json = serde_json::to_string(&data).unwrap();
        assert_eq!(
            json,
            r#"{"Tds2BillAddrCity":"渋谷区","Tds2Email":"a@b.jp"}"#
        );
        assert_eq!(serde_json::from_str::<Tds2Data>(&json).unwrap(), data);
        for bad in [
            r#"{"Tds2ChAccDate":"2024-01-01"}"#,
            r#"{"Tds2Nope":"1"}"#,
            r#"{"Tds2MobilePhoneCC":"81"}"#,
        ] {
            assert!(serde_json::from_str::<Tds2Data>(bad).is_err(), "{bad}");
        }
        for field in Tds2Field::ALL {
            assert_eq!(Tds2Field::from_name(field.name()), Some(*field));
        }
    }
}
