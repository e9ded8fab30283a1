//! Encoding and decoding helpers the API modules share. Kept apart from `api/mod.rs`, which
//! re-exports the API modules, so that they depend on it and it on them never both ways.

use crate::error::RequestError;
use crate::secret::{AccessPass, CardToken};
use crate::values::{AccessId, InvalidValue};
use crate::wire::{DecodeError, FormEncoder, Response};

/// Writes a secret value. Secrets are ASCII; refusing anything else here keeps a stray
/// character of a secret out of the encoder's error message.
pub(crate) fn push_secret(
    form: &mut FormEncoder,
    field: &'static str,
    value: &str,
) -> Result<(), RequestError> {
    if !value.is_ascii() {
        return Err(InvalidValue {
            field,
            rule: "ASCII characters only",
        }
        .into());
    }
    form.push(field, value)?;
    Ok(())
}

/// Writes a one-time card token: 1 to 512 printable ASCII characters (GMO's sample form allows
/// 512).
pub(crate) fn push_token(form: &mut FormEncoder, token: &CardToken) -> Result<(), RequestError> {
    let value = token.expose_secret();
    if value.is_empty() || value.len() > 512 || !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(InvalidValue {
            field: "Token",
            rule: "1 to 512 printable ASCII characters",
        }
        .into());
    }
    push_secret(form, "Token", value)
}

/// Writes a transaction's `AccessID` and `AccessPass`.
pub(crate) fn push_access(
    form: &mut FormEncoder,
    access_id: &AccessId,
    access_pass: &AccessPass,
) -> Result<(), RequestError> {
    form.push("AccessID", access_id.as_str())?;
    push_secret(form, "AccessPass", access_pass.expose_secret())
}

/// A field that must be present (possibly empty).
pub(crate) fn required<'a>(r: &'a Response, key: &'static str) -> Result<&'a str, DecodeError> {
    r.require(key)
}

/// A field that may be absent or empty (GMO's way of saying "none").
pub(crate) fn optional<'a>(r: &'a Response, key: &str) -> Option<&'a str> {
    r.get(key).filter(|v| !v.is_empty())
}

/// An optional field as an owned string.
pub(crate) fn optional_string(r: &Response, key: &str) -> Option<String> {
    optional(r, key).map(str::to_owned)
}

/// Parses a present field with `parse`, or reports its expected shape.
pub(crate) fn parse_field<T>(
    value: &str,
    field: &'static str,
    expected: &'static str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, DecodeError> {
    parse(value).ok_or(DecodeError::InvalidField { field, expected })
}

/// Parses a required field.
pub(crate) fn parse_required<T>(
    r: &Response,
    field: &'static str,
    expected: &'static str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, DecodeError> {
    parse_field(required(r, field)?, field, expected, parse)
}

/// Parses an optional field (absent or empty is `None`).
pub(crate) fn parse_optional<T>(
    r: &Response,
    field: &'static str,
    expected: &'static str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<Option<T>, DecodeError> {
    optional(r, field)
        .map(|v| parse_field(v, field, expected, parse))
        .transpose()
}

/// `0`/`1` flags.
pub(crate) fn parse_flag(value: &str) -> Option<bool> {
    match value {
        "0" => Some(false),
        "1" => Some(true),
        _ => None,
    }
}

/// `Method` and `PayTimes` as GMO echoes them: an empty `Method` (JobCd=CHECK) is `None`.
pub(crate) fn parse_method(r: &Response) -> Result<Option<crate::values::Method>, DecodeError> {
    let method = r.get("Method").unwrap_or("");
    if method.is_empty() {
        return Ok(None);
    }
    let pay_times = r.get("PayTimes").unwrap_or("");
    crate::values::Method::parse(method, pay_times)
        .map(Some)
        .ok_or(DecodeError::InvalidField {
            field: "Method",
            expected: "1 to 5, with PayTimes for 2 and 4",
        })
}

/// Writes `Method` and `PayTimes`, checking the number of payments.
pub(crate) fn push_method(
    form: &mut FormEncoder,
    method: crate::values::Method,
) -> Result<(), RequestError> {
    form.push("Method", method.code())?;
    if let Some(times) = method.pay_times() {
        if !(1..=99).contains(&times) {
            return Err(InvalidValue {
                field: "PayTimes",
                rule: "1 to 99 payments",
            }
            .into());
        }
        form.push("PayTimes", &times.to_string())?;
    }
    Ok(())
}
