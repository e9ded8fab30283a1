//! What a shop route answers, before a web framework turns it into its own response type: a
//! status, headers and a body. Each shop's glue converts a [`Reply`] the same way, so both
//! shops answer the same bytes.

use std::borrow::Cow;

use gmo_core::web::ErrorResponse;

/// The content type of pages.
pub const HTML: &str = "text/html; charset=utf-8";

/// The content type of JSON answers.
pub const JSON: &str = "application/json";

/// An answer: status, headers (in order; a name may repeat) and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// Header names (lowercase) and values.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Cow<'static, str>,
}

impl Reply {
    /// An HTML page.
    pub fn page(status: u16, html: String) -> Self {
        Self {
            status,
            headers: vec![("content-type", HTML.to_owned())],
            body: html.into(),
        }
    }

    /// A JSON answer.
    pub fn json(status: u16, value: &impl serde::Serialize) -> Self {
        match serde_json::to_string(value) {
            Ok(body) => Self {
                status,
                headers: vec![("content-type", JSON.to_owned())],
                body: body.into(),
            },
            // The shop's values are plain data: this does not happen.
            Err(_) => Self::error(&ErrorResponse::new(
                500,
                "internal",
                "the answer could not be written",
            )),
        }
    }

    /// `413 body_too_large`: the shop's own routes read at most
    /// [`MAX_BODY_BYTES`](gmo_core::web::MAX_BODY_BYTES) (64 KiB), as the payment routes do (the
    /// card-data guard around the app no longer caps bodies: it streams large ones).
    pub fn body_too_large() -> Self {
        let limit = gmo_core::web::MAX_BODY_BYTES;
        let error = gmo_core::web::BodyError::TooLarge { limit }.into();
        Self::error(&ErrorResponse::from_error(
            &error,
            gmo_core::web::MessagePolicy::default(),
        ))
    }

    /// A JSON error, `{"error": {"code", "message"}}`, as the payment routes answer theirs:
    /// never cached, with `Retry-After` when throttled.
    pub fn error(answer: &ErrorResponse) -> Self {
        let mut headers = vec![
            ("cache-control", "no-store".to_owned()),
            ("content-type", JSON.to_owned()),
        ];
        if let Some(secs) = answer.retry_after() {
            headers.push(("retry-after", secs.to_string()));
        }
        Self {
            status: answer.status(),
            headers,
            body: answer.to_json().into(),
        }
    }

    /// `303 See Other` to `location`.
    pub fn redirect(location: &str) -> Self {
        Self {
            status: 303,
            headers: vec![("location", location.to_owned())],
            body: Cow::Borrowed(""),
        }
    }

    /// A static asset, revalidated on each use.
    pub fn asset(content_type: &'static str, body: &'static str) -> Self {
        Self {
            status: 200,
            headers: vec![
                ("content-type", content_type.to_owned()),
                ("cache-control", "no-cache".to_owned()),
            ],
            body: Cow::Borrowed(body),
        }
    }

    /// Adds a `Set-Cookie` header; the answer is then never cached ([`Reply::no_store`]).
    #[must_use]
    pub fn with_cookie(mut self, set_cookie: String) -> Self {
        self.headers.push(("set-cookie", set_cookie));
        self.no_store()
    }

    /// `Cache-Control: no-store`: for every answer that carries a session or a CSRF token.
    #[must_use]
    pub fn no_store(mut self) -> Self {
        self.headers.retain(|(name, _)| *name != "cache-control");
        self.headers.push(("cache-control", "no-store".to_owned()));
        self
    }

    /// The value of header `name`, if set.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub use crate::csp::security_headers;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_json_and_never_cached() {
        let reply = Reply::error(&ErrorResponse::new(403, "csrf_failed", "no token"));
        assert_eq!(reply.status, 403);
        assert_eq!(reply.header("Content-Type"), Some(JSON));
        assert_eq!(reply.header("cache-control"), Some("no-store"));
        assert_eq!(
            reply.body,
            r#"{"error":{"code":"csrf_failed","message":"no token"}}"#
        );
        let redirect = Reply::redirect("/signin").with_cookie("a=b".into());
        assert_eq!(
            (redirect.status, redirect.header("location")),
            (303, Some("/signin"))
        );
        assert_eq!(redirect.header("set-cookie"), Some("a=b"));
        assert_eq!(redirect.header("cache-control"), Some("no-store"));
        let json = Reply::json(200, &1).no_store().no_store();
        let caching: Vec<_> = json
            .headers
            .iter()
            .filter(|(n, _)| *n == "cache-control")
            .collect();
        assert_eq!(caching, [&("cache-control", "no-store".to_owned())]);
    }

    #[test]
    fn pages_get_the_policy_and_everything_nosniff() {
        let page = security_headers(Some(HTML), "default-src 'self'");
        assert!(page.contains(&("content-security-policy", "default-src 'self'".into())));
        let json = security_headers(Some(JSON), "default-src 'self'");
        assert!(json.iter().all(|(n, _)| *n != "content-security-policy"));
        assert!(json.contains(&("x-content-type-options", "nosniff".into())));
    }
}
