//! The shop's customers and its owner: a fixed list, signed in by choosing one (a demo sign-in).

use gmo_core::flow::{Address, RiskData};
use gmo_core::values::InvalidValue;

/// A user of the shop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct User {
    /// Stable id: the payment customer id.
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// May see every order and capture, void or refund.
    pub admin: bool,
    /// Their e-mail address.
    pub email: &'static str,
    /// Where their orders are shipped (also their billing address, in this demo).
    pub address: PostalAddress,
}

/// A customer's address in Japan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PostalAddress {
    /// Street, block and building.
    pub line1: &'static str,
    /// City or ward.
    pub city: &'static str,
    /// Post code, seven digits.
    pub post_code: &'static str,
    /// Prefecture code (JIS X 0401, `13` Tokyo).
    pub prefecture: &'static str,
}

impl User {
    /// What the shop knows about the customer, for the issuer's 3-D Secure risk assessment:
    /// their e-mail and their address (billing and shipping). Personal data: handed to the
    /// payments with the order, never logged.
    pub fn risk_data(&self) -> Result<RiskData, InvalidValue> {
        let a = &self.address;
        let address = Address::new(a.line1, a.city, a.post_code)
            .state(a.prefecture)
            .country(JAPAN);
        RiskData::new()
            .email(self.email)?
            .billing_address(&address)?
            .shipping_address(&address)
    }
}

/// ISO 3166 numeric code of Japan.
const JAPAN: &str = "392";

/// Everyone who can sign in.
pub const USERS: &[User] = &[
    User {
        id: "alice",
        name: "Alice Sato",
        admin: false,
        email: "alice@example.jp",
        address: PostalAddress {
            line1: "1-2-3 Jingumae",
            city: "Shibuya-ku",
            post_code: "1500001",
            prefecture: "13",
        },
    },
    User {
        id: "bob",
        name: "Bob Suzuki",
        admin: false,
        email: "bob@example.jp",
        address: PostalAddress {
            line1: "4-5-6 Umeda",
            city: "Osaka-shi Kita-ku",
            post_code: "5300001",
            prefecture: "27",
        },
    },
    User {
        id: "carol",
        name: "Carol Tanaka",
        admin: false,
        email: "carol@example.jp",
        address: PostalAddress {
            line1: "7-8-9 Sakae",
            city: "Nagoya-shi Naka-ku",
            post_code: "4600008",
            prefecture: "23",
        },
    },
    User {
        id: "owner",
        name: "Shop owner",
        admin: true,
        email: "owner@example.jp",
        address: PostalAddress {
            line1: "1-1 Marunouchi",
            city: "Chiyoda-ku",
            post_code: "1000005",
            prefecture: "13",
        },
    },
];

/// A user by id.
pub fn user(id: &str) -> Option<&'static User> {
    USERS.iter().find(|u| u.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_user_has_valid_risk_data() {
        for user in USERS {
            let risk = user.risk_data().expect("valid risk data");
            assert_eq!(
                risk.tds2().get(gmo_core::api::Tds2Field::Email),
                Some(user.email)
            );
        }
    }
}
