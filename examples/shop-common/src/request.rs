//! What the shop's routes read of a request: a few headers of its head, and the fields of a
//! form or JSON body. Each shop's glue builds a [`RequestHead`] from its framework's request.

use gmo_core::web::ErrorResponse;

use crate::csrf::HEADER as CSRF_HEADER;

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

    /// Whether the client wants JSON rather than a page ([`crate::forms::wants_json`]).
    pub fn wants_json(&self) -> bool {
        crate::forms::wants_json(self.accept.as_deref(), self.content_type.as_deref())
    }

    /// Whether the body is declared a urlencoded form.
    pub fn is_form_body(&self) -> bool {
        crate::forms::is_form(self.content_type.as_deref())
    }

    /// The first value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query.as_deref()?.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The fields of a form or JSON object body ([`crate::forms::fields`]).
    pub fn body_fields(&self, body: &[u8]) -> Result<Vec<(String, String)>, ErrorResponse> {
        crate::forms::fields(self.content_type.as_deref(), body)
    }
}

pub use crate::forms::body_too_large;

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
}
