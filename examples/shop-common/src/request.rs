//! What the shop's routes read of a request: a few headers of its head, and the fields of a
//! form or JSON body. Each shop's glue builds a [`RequestHead`] from its framework's request.

use gmo_core::web::{BodyError, ErrorResponse, MessagePolicy, RouteError};

use crate::sessions::CSRF_HEADER;

/// The parts of a request the shop's routes look at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestHead {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, as sent.
    pub path: String,
    /// The query string, without `?`.
    pub query: Option<String>,
    /// `Accept`.
    pub accept: Option<String>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// Every `Cookie` header.
    pub cookies: Vec<String>,
    /// The CSRF token header (`X-CSRF-Token`).
    pub csrf_token: Option<String>,
    /// `Origin`: where a browser's request comes from (sent on every cross-site POST).
    pub origin: Option<String>,
    /// `Referer`: the page a request was sent from (the origin check's fallback).
    pub referer: Option<String>,
    /// `Sec-Fetch-Site`: `same-origin`, `same-site`, `cross-site` or `none`, from browsers.
    pub sec_fetch_site: Option<String>,
}

impl RequestHead {
    /// From a request's method, path, query and headers (names in any case; values that are not
    /// text are left out).
    pub fn new<'h>(
        method: &str,
        path: &str,
        query: Option<&str>,
        headers: impl IntoIterator<Item = (&'h str, &'h [u8])>,
    ) -> Self {
        let mut head = Self {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.map(str::to_owned),
            ..Self::default()
        };
        for (name, value) in headers {
            let Ok(value) = std::str::from_utf8(value) else {
                continue;
            };
            let value = value.to_owned();
            if name.eq_ignore_ascii_case("cookie") {
                head.cookies.push(value);
            } else if name.eq_ignore_ascii_case("accept") {
                head.accept.get_or_insert(value);
            } else if name.eq_ignore_ascii_case("content-type") {
                head.content_type.get_or_insert(value);
            } else if name.eq_ignore_ascii_case(CSRF_HEADER) {
                head.csrf_token.get_or_insert(value);
            } else if name.eq_ignore_ascii_case("origin") {
                head.origin.get_or_insert(value);
            } else if name.eq_ignore_ascii_case("referer") {
                head.referer.get_or_insert(value);
            } else if name.eq_ignore_ascii_case("sec-fetch-site") {
                head.sec_fetch_site.get_or_insert(value);
            }
        }
        head
    }

    /// Whether the client wants JSON rather than a page: it accepts JSON and not HTML, or it
    /// sent JSON.
    pub fn wants_json(&self) -> bool {
        let accept = self.accept.as_deref().unwrap_or_default();
        (accept.contains("application/json") && !accept.contains("text/html"))
            || self.is_json_body()
    }

    /// Whether the body is declared JSON.
    pub fn is_json_body(&self) -> bool {
        self.content_type
            .as_deref()
            .is_some_and(|ct| ct.starts_with("application/json"))
    }

    /// Whether the body is declared a urlencoded form.
    pub fn is_form_body(&self) -> bool {
        self.content_type
            .as_deref()
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"))
    }

    /// The first value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query.as_deref()?.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The fields of a form or JSON object body, as text pairs (JSON numbers as text, other
    /// non-strings empty). An empty body without a content type has no fields.
    pub fn body_fields(&self, body: &[u8]) -> Result<Vec<(String, String)>, ErrorResponse> {
        if self.is_json_body() {
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
        if self.is_form_body() || body.is_empty() {
            return Ok(form_urlencoded::parse(body).into_owned().collect());
        }
        Err(ErrorResponse::new(
            415,
            "unsupported_media_type",
            "send a form or a JSON object",
        ))
    }
}

/// The answer to a body over the limit, as the payment routes give it.
pub fn body_too_large(limit: usize) -> ErrorResponse {
    ErrorResponse::from_error(
        &RouteError::Body(BodyError::TooLarge { limit }),
        MessagePolicy::default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(headers: &[(&str, &str)]) -> RequestHead {
        RequestHead::new(
            "POST",
            "/orders",
            Some("registered=o-1&x=%20y"),
            headers.iter().map(|(k, v)| (*k, v.as_bytes())),
        )
    }

    #[test]
    fn json_is_wanted_when_asked_or_sent() {
        assert!(head(&[("Accept", "application/json")]).wants_json());
        assert!(!head(&[("accept", "text/html, application/json")]).wants_json());
        assert!(head(&[("content-type", "application/json; charset=utf-8")]).wants_json());
        assert!(!head(&[]).wants_json());
        let h = head(&[("Cookie", "a=b"), ("cookie", "c=d"), ("X-CSRF-Token", "t")]);
        assert_eq!(h.cookies, ["a=b", "c=d"]);
        assert_eq!(h.csrf_token.as_deref(), Some("t"));
        let h = head(&[
            ("Origin", "https://a.example"),
            ("referer", "https://a.example/signin"),
            ("Sec-Fetch-Site", "same-origin"),
        ]);
        assert_eq!(h.origin.as_deref(), Some("https://a.example"));
        assert_eq!(h.referer.as_deref(), Some("https://a.example/signin"));
        assert_eq!(h.sec_fetch_site.as_deref(), Some("same-origin"));
        assert_eq!(h.query_param("registered").as_deref(), Some("o-1"));
        assert_eq!(h.query_param("x").as_deref(), Some(" y"));
        assert_eq!(h.query_param("nope"), None);
    }

    #[test]
    fn bodies_are_forms_or_json_objects() {
        let json = head(&[("content-type", "application/json")]);
        assert_eq!(
            json.body_fields(br#"{"product": "tea", "quantity": 2, "x": []}"#)
                .unwrap(),
            [
                ("product".to_owned(), "tea".to_owned()),
                ("quantity".to_owned(), "2".to_owned()),
                ("x".to_owned(), String::new()),
            ]
        );
        assert_eq!(
            json.body_fields(b"[]").unwrap_err().code(),
            "malformed_body"
        );
        let form = head(&[("content-type", "application/x-www-form-urlencoded")]);
        assert_eq!(form.body_fields(b"a=1").unwrap().len(), 1);
        assert!(head(&[]).body_fields(b"").unwrap().is_empty());
        let xml = head(&[("content-type", "text/xml")]);
        assert_eq!(xml.body_fields(b"<a/>").unwrap_err().status(), 415);
        assert_eq!(body_too_large(10).status(), 413);
    }
}
