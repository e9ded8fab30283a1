//! What the merchant knows about the shopper, for the issuer's risk-based 3-D Secure 2.0
//! decision (frictionless approval): typed setters over ExecTran's `Tds2*` fields, each value
//! checked by [`Tds2Data`]'s rules when it is set.
//!
//! Risk data is personal data, never card data. It is kept with the order until its ExecTran
//! (which may run on another instance) and never logged: `Debug` shows field names only.

use std::fmt;

use time::Date;

use crate::api::{Tds2Data, Tds2Field};
use crate::values::InvalidValue;

/// The shopper's risk data for an order ([`PrepareOrder::risk_data`](super::PrepareOrder::risk_data)),
/// sent with the order's ExecTran. Every field is optional; sending none is what a checkout
/// without risk data does.
///
/// ```
/// use gmo_core::flow::{Address, RiskData};
///
/// let home = Address::new("1-2-3 Jingumae", "Shibuya-ku", "150-0001")
///     .state("13")
///     .country("392");
/// let risk = RiskData::new()
///     .email("taro@example.jp")?
///     .mobile_phone("81", "9012345678")?
///     .billing_address(&home)?
///     .shipping_address(&home)?
///     .account_created(time::macros::date!(2021 - 04 - 01))?
///     .purchases_last_six_months(4)?;
/// assert_eq!(risk.tds2().get(gmo_core::api::Tds2Field::AddrMatch), Some("Y"));
/// assert!(!format!("{risk:?}").contains("taro"));
/// assert_eq!(RiskData::new().purchases_last_six_months(10_000).unwrap_err().field, "Tds2NbPurchaseAccount");
/// # Ok::<(), gmo_core::values::InvalidValue>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RiskData {
    data: Tds2Data,
}

/// A postal address, as the issuer's risk data takes it. Each part is at most 50 bytes of
/// Windows-31J text (post code 16, state 3), checked when it is given to [`RiskData`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Address {
    line1: String,
    line2: Option<String>,
    line3: Option<String>,
    city: String,
    post_code: String,
    state: Option<String>,
    country: Option<String>,
}

impl Address {
    /// An address of one line, a city and a post code.
    pub fn new(
        line1: impl Into<String>,
        city: impl Into<String>,
        post_code: impl Into<String>,
    ) -> Self {
        Self {
            line1: line1.into(),
            city: city.into(),
            post_code: post_code.into(),
            ..Self::default()
        }
    }

    /// The second address line.
    pub fn line2(mut self, line: impl Into<String>) -> Self {
        self.line2 = Some(line.into());
        self
    }

    /// The third address line.
    pub fn line3(mut self, line: impl Into<String>) -> Self {
        self.line3 = Some(line.into());
        self
    }

    /// The state or prefecture code (JIS X 0401 for Japan, e.g. `13` for Tokyo).
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.state = Some(state.into());
        self
    }

    /// The country, ISO 3166 numeric (`392` for Japan).
    pub fn country(mut self, country: impl Into<String>) -> Self {
        self.country = Some(country.into());
        self
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Personal data: never shown.
        f.write_str("Address(..)")
    }
}

/// The `Tds2*` fields of one address.
struct AddressFields {
    line1: Tds2Field,
    line2: Tds2Field,
    line3: Tds2Field,
    city: Tds2Field,
    post_code: Tds2Field,
    state: Tds2Field,
    country: Tds2Field,
}

const BILLING: AddressFields = AddressFields {
    line1: Tds2Field::BillAddrLine1,
    line2: Tds2Field::BillAddrLine2,
    line3: Tds2Field::BillAddrLine3,
    city: Tds2Field::BillAddrCity,
    post_code: Tds2Field::BillAddrPostCode,
    state: Tds2Field::BillAddrState,
    country: Tds2Field::BillAddrCountry,
};

const SHIPPING: AddressFields = AddressFields {
    line1: Tds2Field::ShipAddrLine1,
    line2: Tds2Field::ShipAddrLine2,
    line3: Tds2Field::ShipAddrLine3,
    city: Tds2Field::ShipAddrCity,
    post_code: Tds2Field::ShipAddrPostCode,
    state: Tds2Field::ShipAddrState,
    country: Tds2Field::ShipAddrCountry,
};

impl RiskData {
    /// No risk data.
    pub fn new() -> Self {
        Self::default()
    }

    /// Any `Tds2*` field, for what the typed setters do not cover.
    pub fn field(
        mut self,
        field: Tds2Field,
        value: impl Into<String>,
    ) -> Result<Self, InvalidValue> {
        self.data.set(field, value)?;
        Ok(self)
    }

    /// The shopper's e-mail address (`Tds2Email`).
    pub fn email(self, email: impl Into<String>) -> Result<Self, InvalidValue> {
        self.field(Tds2Field::Email, email)
    }

    /// The shopper's mobile phone: country calling code (`81`) and number without it.
    pub fn mobile_phone(
        self,
        country_code: impl Into<String>,
        number: impl Into<String>,
    ) -> Result<Self, InvalidValue> {
        self.field(Tds2Field::MobilePhoneCc, country_code)?
            .field(Tds2Field::MobilePhoneSubscriber, number)
    }

    /// The shopper's home phone: country calling code and number.
    pub fn home_phone(
        self,
        country_code: impl Into<String>,
        number: impl Into<String>,
    ) -> Result<Self, InvalidValue> {
        self.field(Tds2Field::HomePhoneCc, country_code)?
            .field(Tds2Field::HomePhoneSubscriber, number)
    }

    /// The shopper's work phone: country calling code and number.
    pub fn work_phone(
        self,
        country_code: impl Into<String>,
        number: impl Into<String>,
    ) -> Result<Self, InvalidValue> {
        self.field(Tds2Field::WorkPhoneCc, country_code)?
            .field(Tds2Field::WorkPhoneSubscriber, number)
    }

    /// The card holder's billing address.
    pub fn billing_address(self, address: &Address) -> Result<Self, InvalidValue> {
        self.address(address, &BILLING)?.address_match()
    }

    /// Where the order is shipped.
    pub fn shipping_address(self, address: &Address) -> Result<Self, InvalidValue> {
        self.address(address, &SHIPPING)?.address_match()
    }

    /// When the shopper's account was opened (`Tds2ChAccDate`).
    pub fn account_created(self, date: Date) -> Result<Self, InvalidValue> {
        self.field(Tds2Field::ChAccDate, yyyymmdd(date))
    }

    /// When the shopper's account last changed (`Tds2ChAccChange`).
    pub fn account_changed(self, date: Date) -> Result<Self, InvalidValue> {
        self.field(Tds2Field::ChAccChange, yyyymmdd(date))
    }

    /// When the shopper last changed their password (`Tds2ChAccPwChange`).
    pub fn password_changed(self, date: Date) -> Result<Self, InvalidValue> {
        self.field(Tds2Field::ChAccPwChange, yyyymmdd(date))
    }

    /// When the shipping address was first used (`Tds2ShipAddressUsage`).
    pub fn shipping_address_first_used(self, date: Date) -> Result<Self, InvalidValue> {
        self.field(Tds2Field::ShipAddressUsage, yyyymmdd(date))
    }

    /// Purchases with the account in the last six months (`Tds2NbPurchaseAccount`, at most
    /// 9999).
    pub fn purchases_last_six_months(self, count: u32) -> Result<Self, InvalidValue> {
        self.field(Tds2Field::NbPurchaseAccount, count.to_string())
    }

    /// Transactions of the account in the last 24 hours (`Tds2TxnActivityDay`, at most 999).
    pub fn transactions_last_day(self, count: u32) -> Result<Self, InvalidValue> {
        self.field(Tds2Field::TxnActivityDay, count.to_string())
    }

    /// Transactions of the account in the last year (`Tds2TxnActivityYear`, at most 999).
    pub fn transactions_last_year(self, count: u32) -> Result<Self, InvalidValue> {
        self.field(Tds2Field::TxnActivityYear, count.to_string())
    }

    /// The fields as ExecTran sends them.
    pub fn tds2(&self) -> &Tds2Data {
        &self.data
    }

    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    fn address(mut self, a: &Address, to: &AddressFields) -> Result<Self, InvalidValue> {
        for (field, value) in [
            (to.line1, Some(&a.line1)),
            (to.line2, a.line2.as_ref()),
            (to.line3, a.line3.as_ref()),
            (to.city, Some(&a.city)),
            (to.post_code, Some(&a.post_code)),
            (to.state, a.state.as_ref()),
            (to.country, a.country.as_ref()),
        ] {
            if let Some(value) = value {
                self.data.set(field, value.as_str())?;
            }
        }
        Ok(self)
    }

    /// `Tds2AddrMatch` once both addresses are known: `Y` when they are the same.
    fn address_match(self) -> Result<Self, InvalidValue> {
        let pairs = [
            (Tds2Field::BillAddrLine1, Tds2Field::ShipAddrLine1),
            (Tds2Field::BillAddrLine2, Tds2Field::ShipAddrLine2),
            (Tds2Field::BillAddrLine3, Tds2Field::ShipAddrLine3),
            (Tds2Field::BillAddrCity, Tds2Field::ShipAddrCity),
            (Tds2Field::BillAddrPostCode, Tds2Field::ShipAddrPostCode),
            (Tds2Field::BillAddrState, Tds2Field::ShipAddrState),
            (Tds2Field::BillAddrCountry, Tds2Field::ShipAddrCountry),
        ];
        let both_known = self.data.get(Tds2Field::BillAddrLine1).is_some()
            && self.data.get(Tds2Field::ShipAddrLine1).is_some();
        if !both_known {
            return Ok(self);
        }
        let same = pairs
            .iter()
            .all(|(bill, ship)| self.data.get(*bill) == self.data.get(*ship));
        self.field(Tds2Field::AddrMatch, if same { "Y" } else { "N" })
    }
}

impl From<RiskData> for Tds2Data {
    fn from(risk: RiskData) -> Self {
        risk.data
    }
}

impl fmt::Debug for RiskData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Field names only: the values are personal data.
        f.debug_tuple("RiskData").field(&self.data).finish()
    }
}

fn yyyymmdd(date: Date) -> String {
    format!(
        "{:04}{:02}{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_fill_their_fields_and_say_whether_they_match() {
        let home = Address::new("1-2-3", "渋谷区", "1500001").country("392");
        let office = Address::new("4-5-6", "千代田区", "1000001").country("392");
        let risk = RiskData::new()
            .billing_address(&home)
            .unwrap()
            .shipping_address(&office)
            .unwrap();
        assert_eq!(risk.tds2().get(Tds2Field::ShipAddrCity), Some("千代田区"));
        assert_eq!(risk.tds2().get(Tds2Field::AddrMatch), Some("N"));
        assert_eq!(risk.tds2().get(Tds2Field::BillAddrLine2), None);
        let long = Address::new("x".repeat(51), "c", "p");
        assert_eq!(
            RiskData::new().billing_address(&long).unwrap_err().field,
            "Tds2BillAddrLine1"
        );
    }

    #[test]
    fn dates_and_counts_take_gmo_shapes() {
        let risk = RiskData::new()
            .account_created(time::macros::date!(2020 - 02 - 09))
            .unwrap()
            .transactions_last_day(3)
            .unwrap();
        assert_eq!(risk.tds2().get(Tds2Field::ChAccDate), Some("20200209"));
        assert!(RiskData::new().transactions_last_year(1000).is_err());
        assert!(RiskData::new().mobile_phone("81", "09-1234").is_err());
    }
}
