//! The values of GMO's fields, each validated when made: identifiers ([`OrderId`],
//! [`AccessId`], [`MemberId`], [`ShopId`], [`SiteId`]), the enums of the protocol ([`JobCd`],
//! [`Status`], [`Method`], [`SeqMode`], …), amounts ([`Amount`], [`Tax`]), card sequence
//! numbers ([`CardSeq`]), free texts with their byte limits in Windows-31J, the 3-D Secure
//! tenant name, and the few response values that need care (timestamps, a stored card's expiry).
//!
//! Every constructor checks GMO's rule for the field (`docs/protocol.md` §1.7) and answers an
//! [`InvalidValue`] naming the field and the rule, never the value, so a request that compiles
//! and was built from these values is sent as it is.

mod codes;
mod fields;
mod ids;

pub use codes::*;
pub use fields::*;
pub use ids::*;

/// A value that does not satisfy GMO's format for a field; the message names the field and the
/// rule, never the value (it could be personal data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{field}` must be {rule}")]
pub struct InvalidValue {
    /// The GMO field name, e.g. `OrderID`.
    pub field: &'static str,
    /// The rule it breaks, e.g. `1 to 27 characters of A-Z, a-z, 0-9 and -`.
    pub rule: &'static str,
}
