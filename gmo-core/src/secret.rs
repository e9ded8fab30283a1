//! Secret values: passwords, AccessPass and card tokens. `Debug` and `Display` print a redaction
//! marker; the value is reachable only through `expose_secret`, so every place that reads it is
//! easy to find.

use secrecy::{ExposeSecret, SecretString};

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(SecretString);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(SecretString::from(value.into()))
            }

            /// The secret value. Call it only to put the value on the wire or into a store.
            pub fn expose_secret(&self) -> &str {
                self.0.expose_secret()
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("<redacted>")
            }
        }

        // Constant time, so that a comparison leaks nothing of the value through timing.
        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                use subtle::ConstantTimeEq as _;
                self.expose_secret()
                    .as_bytes()
                    .ct_eq(other.expose_secret().as_bytes())
                    .into()
            }
        }

        impl Eq for $name {}

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::new(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::new(value)
            }
        }
    };
}

secret_type!(
    /// The shop password (`ShopPass`), paired with the ShopID for Shop-API calls.
    ShopPass
);
secret_type!(
    /// The site password (`SitePass`), paired with the SiteID for Site-API (member and card) calls.
    SitePass
);
secret_type!(
    /// The transaction password (`AccessPass`) issued by EntryTran. It authorises captures, voids
    /// and refunds of the transaction, so stores must keep it as carefully as a password.
    AccessPass
);
impl serde::Serialize for AccessPass {
    // Stores must persist the AccessPass (later calls need it); nothing else is serialisable.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose_secret())
    }
}

impl<'de> serde::Deserialize<'de> for AccessPass {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

secret_type!(
    /// A one-time card token made by GMO's token JS in the browser (`Token`). Valid 30 minutes,
    /// once; never store it.
    CardToken
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_value() {
        let pass = AccessPass::new("marker-4099664bd4b1");
        assert_eq!(format!("{pass:?}"), "AccessPass(<redacted>)");
        assert_eq!(format!("{pass}"), "<redacted>");
        assert_eq!(pass.expose_secret(), "marker-4099664bd4b1");
    }
}
