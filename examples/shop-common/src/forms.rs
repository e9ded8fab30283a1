//! What the shop's handlers read of a request beyond their framework's extractors: whether the
//! client wants JSON, and the fields of a body that may be a form or a JSON object (every
//! route that takes a form also takes the same fields as JSON, for scripts), with the refusals
//! both shops answer alike.

use gmo_core::web::{BodyError, ErrorResponse, MessagePolicy, RouteError};

/// Whether the client wants JSON rather than a page: it accepts JSON and not HTML
/// (`accept`), or it sent JSON (`content_type`).
pub fn wants_json(accept: Option<&str>, content_type: Option<&str>) -> bool {
    let accept = accept.unwrap_or_default();
    (accept.contains("application/json") && !accept.contains("text/html")) || is_json(content_type)
}

/// Whether a body is declared JSON.
pub fn is_json(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|ct| ct.starts_with("application/json"))
}

/// Whether a body is declared a urlencoded form.
pub fn is_form(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"))
}

/// The fields of a form or JSON object `body`, as text pairs (JSON numbers as text, other
/// non-strings empty). An empty body without a content type has no fields. Refused:
/// `400 malformed_body` (JSON that is not an object), `415 unsupported_media_type`.
pub fn fields(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Vec<(String, String)>, ErrorResponse> {
    if is_json(content_type) {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) else {
            return Err(ErrorResponse::new(
                400,
                "malformed_body",
                "the body must be a JSON object",
            ));
        };
        return Ok(map
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Number(n) => n.to_string(),
                    _ => String::new(),
                };
                (k, v)
            })
            .collect());
    }
    if is_form(content_type) || body.is_empty() {
        return Ok(form_urlencoded::parse(body).into_owned().collect());
    }
    Err(ErrorResponse::new(
        415,
        "unsupported_media_type",
        "send a form or a JSON object",
    ))
}

/// The first value of `name` in `fields`.
pub fn field<'f>(fields: &'f [(String, String)], name: &str) -> Option<&'f str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The answer to a body over `limit` bytes, as the payment routes give it
/// (`413 body_too_large`).
pub fn body_too_large(limit: usize) -> ErrorResponse {
    ErrorResponse::from_error(
        &RouteError::Body(BodyError::TooLarge { limit }),
        MessagePolicy::default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_wanted_when_asked_or_sent() {
        assert!(wants_json(Some("application/json"), None));
        assert!(!wants_json(Some("text/html, application/json"), None));
        assert!(wants_json(None, Some("application/json; charset=utf-8")));
        assert!(!wants_json(None, None));
    }

    #[test]
    fn bodies_are_forms_or_json_objects() {
        let json = Some("application/json");
        assert_eq!(
            fields(json, br#"{"product": "tea", "quantity": 2, "x": []}"#).unwrap(),
            [
                ("product".to_owned(), "tea".to_owned()),
                ("quantity".to_owned(), "2".to_owned()),
                ("x".to_owned(), String::new()),
            ]
        );
        assert_eq!(fields(json, b"[]").unwrap_err().code(), "malformed_body");
        let form = Some("application/x-www-form-urlencoded");
        let parsed = fields(form, b"a=1").unwrap();
        assert_eq!(field(&parsed, "a"), Some("1"));
        assert!(fields(None, b"").unwrap().is_empty());
        assert_eq!(fields(Some("text/xml"), b"<a/>").unwrap_err().status(), 415);
        assert_eq!(body_too_large(10).status(), 413);
    }
}
