//! The bodies of `POST /cards` and `POST /checkout/{order_id}`, as JSON or as a form.
//!
//! | route | body |
//! |---|---|
//! | `POST /cards` | `{"token": "…"}` or `token=…` |
//! | `PUT /cards/{card_seq}` | `{"token": "…"}` or `token=…` (the replacing card) |
//! | `PUT`/`POST /cards/{card_seq}/default` | nothing, `{}`, or a form (its CSRF field, say) |
//! | `POST /checkout/{order_id}` | `{"token": "…"}` (a new card) or `{"card_seq": 0}` (a saved card), and optionally the payment method: `"method": "installments", "pay_times": 3`; or the same as a form |
//!
//! `method` is `lump` (the default when absent), `installments`, `bonus_lump`,
//! `bonus_installments` or `revolving`; `pay_times` (a number, 1 to 99) goes with the two
//! instalment methods only. Whether the shop offers it is the flow's decision
//! ([`PaymentError::MethodNotOffered`](crate::PaymentError::MethodNotOffered)).
//!
//! The rules, the same for both encodings:
//!
//! * The content type is `application/json` (or `…+json`) or
//!   `application/x-www-form-urlencoded`; anything else is [`BodyError::UnsupportedMediaType`].
//! * **No price from the browser**: a field naming an amount (`amount`, `price`, `tax`, `total`,
//!   `currency`, `job_cd`, in any case or spelling with `_`/`-`) is refused
//!   ([`BodyError::PriceField`]) rather than ignored, so that a front end that believes it sets
//!   the price learns at once that it does not. The amount is the one the server prepared.
//! * **No card details**: a field named like a card number, expiry or security code is refused
//!   ([`BodyError::CardField`]) even when its value is empty or too short for the card-data guard
//!   to recognise (a CVC is three digits).
//! * Other unknown fields are ignored: HTML forms carry CSRF tokens and submit buttons.
//! * A field we read that appears twice, or both `token` and `card_seq`, is refused: the
//!   request is ambiguous.
//! * Error messages name fields, never echo values.

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

use crate::flow::{Checkout, PaymentSource};
use crate::secret::CardToken;
use crate::values::CardSeq;
use crate::values::{InvalidValue, Method};

/// The largest body the payment routes read: 64 KiB (the guard's recommendation), plenty for a
/// token and a few form fields.
pub const MAX_BODY_BYTES: usize = crate::guard::RECOMMENDED_MAX_BODY_BYTES;

/// The longest token accepted (GMO's rule for `Token`: 1 to 512 printable ASCII characters).
const MAX_TOKEN_LEN: usize = 512;

/// A request body the payment routes cannot use. Each variant has a stable
/// [`code`](BodyError::code) and [`http_status`](BodyError::http_status).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// More than the route reads (`body_too_large`, 413).
    #[error("the request body is larger than {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// Neither JSON nor a form (`unsupported_media_type`, 415).
    #[error("send the body as application/json or application/x-www-form-urlencoded")]
    UnsupportedMediaType,
    /// JSON that does not parse (`malformed_body`, 400).
    #[error("the body is not valid JSON (line {line}, column {column})")]
    MalformedJson {
        /// Where the parser stopped.
        line: usize,
        /// Where the parser stopped.
        column: usize,
    },
    /// A form that does not decode (`malformed_body`, 400).
    #[error("the body is not a valid UTF-8 urlencoded form")]
    MalformedForm,
    /// The body could not be read to its end (`malformed_body`, 400).
    #[error("the request body could not be read")]
    Unreadable,
    /// A compressed body the card-data guard cannot read, refused by its settings
    /// (`body_not_scannable`, 415).
    #[error("send the body without Content-Encoding: compressed bodies are not accepted")]
    NotScannable,
    /// JSON that is not an object (`malformed_body`, 400).
    #[error("the JSON body must be an object")]
    NotAnObject,
    /// A required field is absent (`missing_field`, 400).
    #[error("the field `{0}` is missing")]
    MissingField(&'static str),
    /// A field of the wrong JSON type (`wrong_type`, 400).
    #[error("the field `{field}` must be {expected}")]
    WrongType {
        /// The field.
        field: &'static str,
        /// What it must be, e.g. `a string`.
        expected: &'static str,
    },
    /// A field appears twice, or both `token` and `card_seq` are given (`ambiguous_body`, 400).
    #[error("the body is ambiguous: {0}")]
    Ambiguous(&'static str),
    /// A field value breaks its rule (`invalid_value`, 400).
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// A price field (`price_not_accepted`, 400).
    #[error("the amount is set by the server, not by the request: remove the `{0}` field")]
    PriceField(&'static str),
    /// A card-detail field (`card_data_refused`, 400).
    #[error(
        "card details must never be sent to this server: remove the `{0}` field and send the card token"
    )]
    CardField(&'static str),
}

impl BodyError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "body_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::NotScannable => "body_not_scannable",
            Self::MalformedJson { .. }
            | Self::MalformedForm
            | Self::Unreadable
            | Self::NotAnObject => "malformed_body",
            Self::MissingField(_) => "missing_field",
            Self::WrongType { .. } => "wrong_type",
            Self::Ambiguous(_) => "ambiguous_body",
            Self::Invalid(_) => "invalid_value",
            Self::PriceField(_) => "price_not_accepted",
            Self::CardField(_) => crate::guard::CardDataFound::CODE,
        }
    }

    /// The HTTP status to answer.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::TooLarge { .. } => 413,
            Self::UnsupportedMediaType | Self::NotScannable => 415,
            _ => 400,
        }
    }
}

/// Reads the body of `POST /cards`: the card token.
///
/// ```
/// use gmo_core::web::body::{BodyError, card_request};
///
/// let token = card_request(Some("application/json"), br#"{"token":"tok_1"}"#)?;
/// assert_eq!(token.expose_secret(), "tok_1");
/// let token = card_request(Some("application/x-www-form-urlencoded"), b"token=tok_2&csrf=x")?;
/// assert_eq!(token.expose_secret(), "tok_2");
/// assert_eq!(
///     card_request(Some("application/json"), br#"{"token":"t","amount":1}"#).unwrap_err(),
///     BodyError::PriceField("amount")
/// );
/// # Ok::<(), BodyError>(())
/// ```
pub fn card_request(content_type: Option<&str>, body: &[u8]) -> Result<CardToken, BodyError> {
    let fields = Fields::read(content_type, body)?;
    match fields.token()? {
        Some(token) => Ok(token),
        None => Err(BodyError::MissingField("token")),
    }
}

/// Reads the body of a route that takes no field (`PUT /cards/{card_seq}/default`): empty, a
/// JSON object or a form, with the same refusals as the others (a price or card field, a
/// malformed body).
///
/// ```
/// use gmo_core::web::body::{BodyError, no_fields_request};
///
/// no_fields_request(None, b"")?;
/// no_fields_request(Some("application/json"), b"{}")?;
/// no_fields_request(Some("application/x-www-form-urlencoded"), b"csrf=x")?;
/// assert_eq!(
///     no_fields_request(Some("application/json"), b"[1]").unwrap_err(),
///     BodyError::NotAnObject
/// );
/// # Ok::<(), BodyError>(())
/// ```
pub fn no_fields_request(content_type: Option<&str>, body: &[u8]) -> Result<(), BodyError> {
    Fields::read(content_type, body).map(|_| ())
}

/// Reads the body of `POST /checkout/{order_id}`: a new card's token or a saved card's number,
/// and the payment method (lump sum when absent).
///
/// ```
/// use gmo_core::flow::PaymentSource;
/// use gmo_core::web::body::{BodyError, checkout_request};
/// use gmo_core::values::Method;
///
/// let checkout = checkout_request(Some("application/json"), br#"{"card_seq":2}"#)?;
/// assert!(matches!(checkout.source, PaymentSource::SavedCard(seq) if seq.get() == 2));
/// assert_eq!(checkout.method, Method::Lump);
/// let checkout = checkout_request(
///     Some("application/x-www-form-urlencoded"),
///     b"token=tok&method=installments&pay_times=3",
/// )?;
/// assert!(matches!(checkout.source, PaymentSource::NewCard(_)));
/// assert_eq!(checkout.method, Method::Installments(3));
/// assert_eq!(
///     checkout_request(Some("application/json"), br#"{"card_seq":"2"}"#).unwrap_err(),
///     BodyError::WrongType { field: "card_seq", expected: "a number from 0 to 9999" }
/// );
/// # Ok::<(), BodyError>(())
/// ```
pub fn checkout_request(content_type: Option<&str>, body: &[u8]) -> Result<Checkout, BodyError> {
    let fields = Fields::read(content_type, body)?;
    let source = match (fields.token()?, fields.card_seq()?) {
        (Some(_), Some(_)) => {
            return Err(BodyError::Ambiguous("give either `token` or `card_seq`"));
        }
        (Some(token), None) => PaymentSource::NewCard(token),
        (None, Some(seq)) => PaymentSource::SavedCard(seq),
        (None, None) => return Err(BodyError::MissingField("token")),
    };
    Ok(Checkout::new(source).method(fields.method()?))
}

/// A field value as the body carried it.
#[derive(Debug)]
enum Value {
    /// A form value or a JSON string.
    Text(String),
    /// A JSON number.
    Number(serde_json::Number),
    /// Any other JSON value.
    Other,
}

/// The fields of a body, in order, duplicates kept.
#[derive(Debug)]
struct Fields {
    entries: Vec<(String, Value)>,
    json: bool,
}

/// Field names that carry a price: refused.
const PRICE_FIELDS: &[&str] = &["amount", "price", "tax", "total", "currency", "jobcd"];

/// Field names that carry card details: refused.
const CARD_FIELDS: &[(&str, &str)] = &[
    ("cardno", "cardno"),
    ("cardnumber", "card_number"),
    ("ccnumber", "card_number"),
    ("pan", "pan"),
    ("expire", "expire"),
    ("expiry", "expiry"),
    ("expirydate", "expiry"),
    ("securitycode", "security_code"),
    ("cvc", "cvc"),
    ("cvv", "cvv"),
    ("cvv2", "cvv"),
    ("csc", "csc"),
];

impl Fields {
    fn read(content_type: Option<&str>, body: &[u8]) -> Result<Self, BodyError> {
        if body.len() > MAX_BODY_BYTES {
            return Err(BodyError::TooLarge {
                limit: MAX_BODY_BYTES,
            });
        }
        let media = content_type
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let fields = if media == "application/json" || media.ends_with("+json") {
            Self::json(body)?
        } else if media == "application/x-www-form-urlencoded" {
            Self::form(body)?
        } else if body.iter().all(u8::is_ascii_whitespace) {
            Self {
                entries: Vec::new(),
                json: false,
            }
        } else {
            return Err(BodyError::UnsupportedMediaType);
        };
        fields.refuse_forbidden()?;
        Ok(fields)
    }

    fn json(body: &[u8]) -> Result<Self, BodyError> {
        match serde_json::from_slice::<JsonObject>(body) {
            Ok(JsonObject(entries)) => Ok(Self {
                entries,
                json: true,
            }),
            Err(e) if e.classify() == serde_json::error::Category::Data => {
                Err(BodyError::NotAnObject)
            }
            Err(e) => Err(BodyError::MalformedJson {
                line: e.line(),
                column: e.column(),
            }),
        }
    }

    fn form(body: &[u8]) -> Result<Self, BodyError> {
        let mut entries = Vec::new();
        for pair in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
            let (key, value) = match pair.iter().position(|&b| b == b'=') {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, &[][..]),
            };
            entries.push((decode_form(key)?, Value::Text(decode_form(value)?)));
        }
        Ok(Self {
            entries,
            json: false,
        })
    }

    fn refuse_forbidden(&self) -> Result<(), BodyError> {
        for (key, _) in &self.entries {
            let folded: String = key
                .chars()
                .filter(|c| !matches!(c, '_' | '-' | ' '))
                .flat_map(char::to_lowercase)
                .collect();
            if let Some(price) = PRICE_FIELDS.iter().find(|p| **p == folded) {
                return Err(BodyError::PriceField(if *price == "jobcd" {
                    "job_cd"
                } else {
                    price
                }));
            }
            if let Some((_, shown)) = CARD_FIELDS.iter().find(|(name, _)| *name == folded) {
                return Err(BodyError::CardField(shown));
            }
        }
        Ok(())
    }

    /// The one value of `name`, if any.
    fn one(&self, name: &'static str) -> Result<Option<&Value>, BodyError> {
        let mut found = self.entries.iter().filter(|(k, _)| k == name);
        let first = found.next().map(|(_, v)| v);
        if found.next().is_some() {
            return Err(BodyError::Ambiguous("a field appears more than once"));
        }
        Ok(first)
    }

    fn token(&self) -> Result<Option<CardToken>, BodyError> {
        let text = match self.one("token")? {
            None => return Ok(None),
            Some(Value::Text(text)) => text,
            Some(_) => {
                return Err(BodyError::WrongType {
                    field: "token",
                    expected: "a string",
                });
            }
        };
        let printable = text.bytes().all(|b| b.is_ascii_graphic());
        if text.is_empty() || text.len() > MAX_TOKEN_LEN || !printable {
            return Err(BodyError::Invalid(InvalidValue {
                field: "token",
                rule: "1 to 512 printable ASCII characters",
            }));
        }
        Ok(Some(CardToken::new(text.clone())))
    }

    /// `method` and `pay_times`: lump sum when neither is given.
    fn method(&self) -> Result<Method, BodyError> {
        const METHODS: &str = "lump, installments, bonus_lump, bonus_installments or revolving";
        let name = match self.one("method")? {
            None => None,
            Some(Value::Text(text)) => Some(text.as_str()),
            Some(_) => {
                return Err(BodyError::WrongType {
                    field: "method",
                    expected: "a string",
                });
            }
        };
        let pay_times = self.pay_times()?;
        let invalid = |field, rule| Err(BodyError::Invalid(InvalidValue { field, rule }));
        match (name.unwrap_or("lump"), pay_times) {
            ("installments", Some(n)) => Ok(Method::Installments(n)),
            ("bonus_installments", Some(n)) => Ok(Method::BonusInstallments(n)),
            ("installments" | "bonus_installments", None) => {
                Err(BodyError::MissingField("pay_times"))
            }
            ("lump" | "bonus_lump" | "revolving", Some(_)) => invalid(
                "pay_times",
                "given only with the method installments or bonus_installments",
            ),
            ("lump", None) => Ok(Method::Lump),
            ("bonus_lump", None) => Ok(Method::BonusLump),
            ("revolving", None) => Ok(Method::Revolving),
            _ => invalid("method", METHODS),
        }
    }

    fn pay_times(&self) -> Result<Option<u8>, BodyError> {
        const EXPECTED: &str = "a number from 1 to 99";
        let times = match self.one("pay_times")? {
            None => return Ok(None),
            Some(Value::Number(n)) if self.json => n.as_u64().and_then(|n| u8::try_from(n).ok()),
            Some(Value::Text(text)) if !self.json => text
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| text.parse::<u8>().ok())
                .flatten(),
            Some(_) => {
                return Err(BodyError::WrongType {
                    field: "pay_times",
                    expected: EXPECTED,
                });
            }
        };
        match times {
            Some(n @ 1..=99) => Ok(Some(n)),
            _ => Err(BodyError::Invalid(InvalidValue {
                field: "pay_times",
                rule: EXPECTED,
            })),
        }
    }

    fn card_seq(&self) -> Result<Option<CardSeq>, BodyError> {
        const EXPECTED: &str = "a number from 0 to 9999";
        let seq = match self.one("card_seq")? {
            None => return Ok(None),
            Some(Value::Number(n)) if self.json => n
                .as_u64()
                .and_then(|n| u16::try_from(n).ok())
                .map(CardSeq::new)
                .unwrap_or(Err(InvalidValue {
                    field: "card_seq",
                    rule: EXPECTED,
                })),
            Some(Value::Text(text)) if !self.json => text.parse::<CardSeq>(),
            Some(_) => {
                return Err(BodyError::WrongType {
                    field: "card_seq",
                    expected: EXPECTED,
                });
            }
        };
        seq.map(Some).map_err(|_| {
            BodyError::Invalid(InvalidValue {
                field: "card_seq",
                rule: EXPECTED,
            })
        })
    }
}

/// One key or value of a urlencoded form: `+` is a space, `%XX` a byte, and the result UTF-8.
fn decode_form(raw: &[u8]) -> Result<String, BodyError> {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hex = raw.get(i + 1..i + 3).ok_or(BodyError::MalformedForm)?;
                let text = std::str::from_utf8(hex).map_err(|_| BodyError::MalformedForm)?;
                bytes.push(u8::from_str_radix(text, 16).map_err(|_| BodyError::MalformedForm)?);
                i += 2;
            }
            b => bytes.push(b),
        }
        i += 1;
    }
    String::from_utf8(bytes).map_err(|_| BodyError::MalformedForm)
}

/// A JSON object read entry by entry, so that duplicate keys are seen (serde_json's maps keep
/// only the last).
struct JsonObject(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for JsonObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = JsonObject;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonObject, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, serde_json::Value>()? {
                    let value = match value {
                        serde_json::Value::String(s) => Value::Text(s),
                        serde_json::Value::Number(n) => Value::Number(n),
                        _ => Value::Other,
                    };
                    entries.push((key, value));
                }
                Ok(JsonObject(entries))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: Option<&str> = Some("application/json");
    const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

    fn checkout(ct: Option<&str>, body: &str) -> Result<PaymentSource, BodyError> {
        checkout_request(ct, body.as_bytes()).map(|c| c.source)
    }

    fn method(ct: Option<&str>, body: &str) -> Result<Method, BodyError> {
        checkout_request(ct, body.as_bytes()).map(|c| c.method)
    }

    #[test]
    fn the_method_is_read_from_json_and_forms_and_lump_sum_by_default() {
        assert_eq!(method(JSON, r#"{"token":"t"}"#), Ok(Method::Lump));
        assert_eq!(
            method(
                JSON,
                r#"{"token":"t","method":"installments","pay_times":6}"#
            ),
            Ok(Method::Installments(6))
        );
        assert_eq!(
            method(FORM, "card_seq=0&method=bonus_installments&pay_times=2"),
            Ok(Method::BonusInstallments(2))
        );
        assert_eq!(
            method(FORM, "token=t&method=revolving"),
            Ok(Method::Revolving)
        );
        assert_eq!(
            method(JSON, r#"{"token":"t","method":"bonus_lump"}"#),
            Ok(Method::BonusLump)
        );
        for (ct, body, field) in [
            (
                JSON,
                r#"{"token":"t","method":"installments"}"#,
                "pay_times",
            ),
            (
                JSON,
                r#"{"token":"t","method":"installments","pay_times":"3"}"#,
                "pay_times",
            ),
            (
                JSON,
                r#"{"token":"t","method":"installments","pay_times":100}"#,
                "pay_times",
            ),
            (FORM, "token=t&method=installments&pay_times=0", "pay_times"),
            (
                FORM,
                "token=t&method=installments&pay_times=-3",
                "pay_times",
            ),
            (FORM, "token=t&pay_times=3", "pay_times"),
            (FORM, "token=t&method=split", "method"),
            (JSON, r#"{"token":"t","method":2}"#, "method"),
            (FORM, "token=t&method=revolving&method=lump", "method"),
        ] {
            let err = method(ct, body).unwrap_err();
            let named = match &err {
                BodyError::MissingField(f) => *f,
                BodyError::WrongType { field, .. } => field,
                BodyError::Invalid(invalid) => invalid.field,
                BodyError::Ambiguous(_) => "method",
                other => panic!("{other:?}"),
            };
            assert_eq!(named, field, "{body}: {err}");
            assert_eq!(err.http_status(), 400);
        }
    }

    #[test]
    fn tokens_and_saved_cards_in_both_encodings() {
        let token = |s: Result<PaymentSource, BodyError>| match s.unwrap() {
            PaymentSource::NewCard(t) => t.expose_secret().to_owned(),
            other => panic!("{other:?}"),
        };
        let seq = |s: Result<PaymentSource, BodyError>| match s.unwrap() {
            PaymentSource::SavedCard(seq) => seq.get(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            token(checkout(JSON, r#"{"token":"abc-DEF_1"}"#)),
            "abc-DEF_1"
        );
        assert_eq!(
            token(checkout(
                Some("application/json; charset=utf-8"),
                r#"{"token":"t"}"#
            )),
            "t"
        );
        assert_eq!(token(checkout(FORM, "token=a%2Bb&_csrf=zz")), "a+b");
        assert_eq!(seq(checkout(JSON, r#"{"card_seq":0}"#)), 0);
        assert_eq!(seq(checkout(FORM, "card_seq=9999")), 9999);
        assert_eq!(
            seq(checkout(
                Some("application/vnd.shop+json"),
                r#"{"card_seq":3}"#
            )),
            3
        );
    }

    #[test]
    fn prices_and_card_details_are_refused() {
        for (body, field) in [
            (r#"{"token":"t","amount":1}"#, "amount"),
            (r#"{"token":"t","Amount":"1"}"#, "amount"),
            (r#"{"card_seq":1,"PRICE":1}"#, "price"),
            (r#"{"token":"t","job_cd":"CAPTURE"}"#, "job_cd"),
            (r#"{"token":"t","total":0}"#, "total"),
        ] {
            assert_eq!(
                checkout(JSON, body).unwrap_err(),
                BodyError::PriceField(field),
                "{body}"
            );
        }
        assert_eq!(
            checkout(FORM, "token=t&tax=0").unwrap_err(),
            BodyError::PriceField("tax")
        );
        for (body, field) in [
            ("token=t&securitycode=123", "security_code"),
            ("token=t&cvc=", "cvc"),
            ("token=t&card-number=1", "card_number"),
            ("token=t&Expire=2812", "expire"),
        ] {
            assert_eq!(
                checkout(FORM, body).unwrap_err(),
                BodyError::CardField(field),
                "{body}"
            );
            assert_eq!(
                checkout(FORM, body).unwrap_err().code(),
                "card_data_refused"
            );
        }
    }

    #[test]
    fn malformed_and_wrong_type_bodies_get_clear_errors() {
        use BodyError::*;
        let cases: &[(Option<&str>, &str, BodyError)] = &[
            (JSON, "{", MalformedJson { line: 1, column: 1 }),
            (
                JSON,
                r#"{"token":"t",}"#,
                MalformedJson {
                    line: 1,
                    column: 14,
                },
            ),
            (JSON, "[1,2]", NotAnObject),
            (JSON, "\"token\"", NotAnObject),
            (JSON, "null", NotAnObject),
            (JSON, "{}", MissingField("token")),
            (JSON, "", MalformedJson { line: 1, column: 0 }),
            (None, "", MissingField("token")),
            (FORM, "", MissingField("token")),
            (FORM, "token=%zz", MalformedForm),
            (FORM, "token=%ff", MalformedForm),
            (FORM, "token=%4", MalformedForm),
            (Some("text/plain"), "token=t", UnsupportedMediaType),
            (None, "token=t", UnsupportedMediaType),
            (
                Some("multipart/form-data; boundary=x"),
                "--x",
                UnsupportedMediaType,
            ),
            (
                JSON,
                r#"{"token":12}"#,
                WrongType {
                    field: "token",
                    expected: "a string",
                },
            ),
            (
                JSON,
                r#"{"token":null}"#,
                WrongType {
                    field: "token",
                    expected: "a string",
                },
            ),
            (
                JSON,
                r#"{"card_seq":true}"#,
                WrongType {
                    field: "card_seq",
                    expected: "a number from 0 to 9999",
                },
            ),
            (
                JSON,
                r#"{"token":"a","token":"b"}"#,
                Ambiguous("a field appears more than once"),
            ),
            (
                FORM,
                "card_seq=1&card_seq=2",
                Ambiguous("a field appears more than once"),
            ),
            (
                JSON,
                r#"{"token":"a","card_seq":1}"#,
                Ambiguous("give either `token` or `card_seq`"),
            ),
        ];
        for (ct, body, expected) in cases {
            assert_eq!(&checkout(*ct, body).unwrap_err(), expected, "{ct:?} {body}");
        }
        for body in [
            r#"{"card_seq":-1}"#,
            r#"{"card_seq":10000}"#,
            r#"{"card_seq":1.5}"#,
        ] {
            assert_eq!(
                checkout(JSON, body).unwrap_err().code(),
                "invalid_value",
                "{body}"
            );
        }
        for body in [
            "card_seq=x",
            "card_seq=",
            "card_seq=12345",
            "token=",
            "token=a%20b",
        ] {
            assert_eq!(
                checkout(FORM, body).unwrap_err().code(),
                "invalid_value",
                "{body}"
            );
        }
        let long = format!("token={}", "a".repeat(513));
        assert_eq!(checkout(FORM, &long).unwrap_err().code(), "invalid_value");
        let huge = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(
            checkout_request(JSON, &huge).unwrap_err(),
            TooLarge {
                limit: MAX_BODY_BYTES
            }
        );
    }

    #[test]
    fn messages_never_echo_values() {
        let secret = "4111111111111111";
        for (ct, body) in [
            (JSON, format!(r#"{{"token":{secret}}}"#)),
            (JSON, format!(r#"{{"card_seq":{secret}}}"#)),
            (JSON, format!(r#"{{"card_seq":"{secret}"}}"#)),
            (FORM, format!("card_seq={secret}")),
            (FORM, format!("cvc={secret}")),
            (JSON, format!(r#"[{secret}]"#)),
            (JSON, format!(r#"{{"x":{secret}"#)),
        ] {
            let err = checkout(ct, &body).unwrap_err();
            assert!(!err.to_string().contains("1111"), "{err}");
            assert!(!format!("{err:?}").contains("1111"), "{err:?}");
        }
    }

    #[test]
    fn the_default_route_reads_no_field_but_refuses_bad_bodies() {
        assert_eq!(no_fields_request(None, b""), Ok(()));
        assert_eq!(no_fields_request(JSON, b"{}"), Ok(()));
        assert_eq!(no_fields_request(FORM, b"csrf_token=x"), Ok(()));
        assert_eq!(
            no_fields_request(JSON, b"{"),
            Err(BodyError::MalformedJson { line: 1, column: 1 })
        );
        assert_eq!(
            no_fields_request(FORM, b"amount=1"),
            Err(BodyError::PriceField("amount"))
        );
        assert_eq!(
            no_fields_request(JSON, br#"{"cvc":"123"}"#),
            Err(BodyError::CardField("cvc"))
        );
        assert_eq!(
            no_fields_request(Some("text/plain"), b"x"),
            Err(BodyError::UnsupportedMediaType)
        );
    }

    #[test]
    fn registration_needs_a_token() {
        assert_eq!(
            card_request(JSON, br#"{"card_seq":1}"#).unwrap_err(),
            BodyError::MissingField("token")
        );
        assert_eq!(card_request(FORM, b"token=x").unwrap().expose_secret(), "x");
    }
}
