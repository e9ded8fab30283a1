//! The wire codec of GMO's protocol type, shared by the client and the sandbox.
//!
//! GMO speaks `application/x-www-form-urlencoded` in Windows-31J (CP932) both ways, with two twists
//! that most clients get wrong:
//!
//! * **requests**: every value is encoded to Windows-31J, then percent-encoded. A character that
//!   Windows-31J cannot hold is an [`EncodeError`] naming the field, never a silent `?`;
//! * **responses**: the body is Windows-31J text `Key=Value&Key=Value`, split on `&` and on the
//!   *first* `=`; values are raw, never URL-decoded (a `+` stays a `+`). The 3-D Secure answer
//!   `ACS=2&RedirectUrl=…` carries an unescaped URL, taken verbatim.
//!
//! The module is symmetrical so that one codec serves both sides: [`FormEncoder`] and
//! [`Response::parse`] are the client's half, [`parse_form`] and [`ResponseWriter`] the sandbox's
//! (and the half that reads GMO's result notifications and 3-D Secure returns).

mod form;
pub(crate) mod percent;
mod response;
mod sjis;

pub use form::{FormEncoder, FormFields, parse_form};
pub use response::{ErrorPair, Response, ResponseWriter};
pub use sjis::{DecodeError, EncodeError, decode_windows_31j, encode_windows_31j};
