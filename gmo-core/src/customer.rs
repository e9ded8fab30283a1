//! Who is paying: the one thing the payment routes need from the merchant's authentication.
//!
//! The web adapters serve card and checkout routes for "the signed-in customer". They do not
//! know the merchant's users, sessions or login library; they ask a value the merchant already
//! extracts in its own handlers (its current-user type) for the customer's id, through
//! [`Customer`]. The id keys the customer's orders and GMO member, so it must be stable (a user
//! id, not a session id) and must never be chosen by the browser.
//!
//! ```
//! use gmo_core::customer::{Customer, CustomerId};
//! use gmo_core::values::InvalidValue;
//!
//! /// The merchant's signed-in user, as its own auth layer extracts it.
//! struct CurrentUser {
//!     id: u64,
//! }
//!
//! impl Customer for CurrentUser {
//!     fn customer_id(&self) -> Result<CustomerId, InvalidValue> {
//!         Ok(CustomerId::from(self.id))
//!     }
//! }
//!
//! let user = CurrentUser { id: 42 };
//! assert_eq!(user.customer_id()?.as_str(), "42");
//! # Ok::<(), InvalidValue>(())
//! ```

use std::fmt;

use crate::values::InvalidValue;

/// The merchant's own identifier of a customer (their user id), 1 to 255 characters without
/// control characters.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CustomerId(String);

impl CustomerId {
    /// Validates and wraps a customer id.
    pub fn new(value: impl Into<String>) -> Result<Self, InvalidValue> {
        let value = value.into();
        if (1..=255).contains(&value.chars().count()) && !value.chars().any(char::is_control) {
            Ok(Self(value))
        } else {
            Err(InvalidValue {
                field: "customer_id",
                rule: "1 to 255 characters without control characters",
            })
        }
    }

    /// The id as given by the merchant.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CustomerId({:?})", self.0)
    }
}

impl fmt::Display for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CustomerId {
    type Error = InvalidValue;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<CustomerId> for String {
    fn from(value: CustomerId) -> String {
        value.0
    }
}

/// A signed-in customer of the merchant: the routes that act for a customer (their cards, their
/// checkout) learn whose data it is from this.
pub trait Customer {
    /// The merchant's stable id of the customer. An error is the merchant's bug (an id that
    /// breaks [`CustomerId`]'s rule); the adapters answer it with a 500.
    fn customer_id(&self) -> Result<CustomerId, InvalidValue>;
}

impl Customer for CustomerId {
    fn customer_id(&self) -> Result<CustomerId, InvalidValue> {
        Ok(self.clone())
    }
}

macro_rules! customer_id_from_integer {
    ($($int:ty),*) => {$(
        impl From<$int> for CustomerId {
            /// A numeric user id, in decimal.
            fn from(id: $int) -> Self {
                // Decimal digits (and a minus sign) always make a valid id.
                CustomerId::new(id.to_string())
                    .unwrap_or_else(|_| unreachable!("a decimal number is a valid customer id"))
            }
        }
    )*};
}

customer_id_from_integer!(u32, u64, i32, i64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_make_customer_ids() {
        assert_eq!(CustomerId::from(7_u32).as_str(), "7");
        assert_eq!(CustomerId::from(-3_i64).as_str(), "-3");
        assert_eq!(CustomerId::from(u64::MAX).as_str(), "18446744073709551615");
        let id = CustomerId::new("alice").unwrap();
        assert_eq!(id.customer_id().unwrap(), id);
    }
}
