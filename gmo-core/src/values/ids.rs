//! GMO's identifiers: the order, the transaction, the member, the shop and the site.

use std::fmt;

use super::InvalidValue;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $field:literal, $rule:literal, $check:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The GMO field name of this value.
            pub const FIELD: &'static str = $field;

            /// Validates and wraps a value.
            pub fn new(value: impl Into<String>) -> Result<Self, InvalidValue> {
                let value = value.into();
                let check: fn(&str) -> bool = $check;
                if check(&value) {
                    Ok(Self(value))
                } else {
                    Err(InvalidValue { field: $field, rule: $rule })
                }
            }

            /// The value as sent to GMO.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({:?})"), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidValue;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

fn is_lower_hex_32(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

string_id!(
    /// The merchant's order number (`OrderID`): 1 to 27 characters of `A-Z a-z 0-9 -`, unique
    /// per shop forever. It is GMO's only idempotency key.
    OrderId,
    "OrderID",
    "1 to 27 characters of A-Z, a-z, 0-9 and -",
    |s| (1..=27).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
);

string_id!(
    /// The transaction id (`AccessID`) issued by EntryTran: 32 lowercase hex characters.
    AccessId,
    "AccessID",
    "32 lowercase hexadecimal characters",
    is_lower_hex_32
);

string_id!(
    /// A GMO member id (`MemberID`): 1 to 60 characters of `A-Z a-z 0-9 - _ . @`.
    MemberId,
    "MemberID",
    "1 to 60 characters of A-Z, a-z, 0-9, -, _, . and @",
    |s| (1..=60).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'@'))
);

string_id!(
    /// The shop id (`ShopID`) GMO issued for the merchant's shop: 1 to 13 characters of
    /// `A-Z a-z 0-9` (test shops look like `tshop00012345`).
    ShopId,
    "ShopID",
    "1 to 13 characters of A-Z, a-z and 0-9",
    |s| (1..=13).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
);

string_id!(
    /// The site id (`SiteID`) under which members and their stored cards live: 1 to 13
    /// characters of `A-Z a-z 0-9`.
    SiteId,
    "SiteID",
    "1 to 13 characters of A-Z, a-z and 0-9",
    |s| (1..=13).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_ids_follow_gmo_rules() {
        assert!(OrderId::new("order-2026-0001").is_ok());
        assert!(OrderId::new("a".repeat(27)).is_ok());
        for bad in ["", "has space", "über", "a_b", &"a".repeat(28)] {
            let err = OrderId::new(bad).unwrap_err();
            assert_eq!(err.field, "OrderID");
        }
    }
}
