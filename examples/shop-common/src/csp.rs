//! The Content-Security-Policy of the shop's pages: scripts only from the shop and from
//! token.js's origin; the token request only to the shop, token.js's origin and the gateway;
//! forms only to the shop; no framing, no plugins, no inline script.

/// The origin (`scheme://host[:port]`) of an absolute URL, or `None`.
pub fn origin(url: &str) -> Option<&str> {
    let scheme_end = url.find("://")? + 3;
    let host_end = url[scheme_end..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| scheme_end + i);
    (host_end > scheme_end).then(|| &url[..host_end])
}

/// The headers every answer of the shop gets, set over what the route set (the payment
/// routes' and the card-data guard's answers too): pages (`content_type` HTML) get the
/// Content-Security-Policy `csp` and `no-store`; every answer `nosniff` and no referrer beyond
/// the shop.
pub fn security_headers(content_type: Option<&str>, csp: &str) -> Vec<(&'static str, String)> {
    let mut headers = Vec::with_capacity(4);
    if content_type.is_some_and(|ct| ct.starts_with("text/html")) {
        headers.push(("content-security-policy", csp.to_owned()));
        headers.push(("cache-control", "no-store".to_owned()));
    }
    headers.push(("x-content-type-options", "nosniff".to_owned()));
    headers.push(("referrer-policy", "same-origin".to_owned()));
    headers
}

/// The policy for pages that load `token_js_url`, with the gateway at `gateway_base_url`
/// (token.js may call either).
///
/// ```
/// let csp = shop_common::csp::content_security_policy(
///     "https://stg.static.mul-pay.jp/ext/js/token.js",
///     "https://pt01.mul-pay.jp",
/// );
/// assert!(csp.contains("script-src 'self' https://stg.static.mul-pay.jp;"));
/// assert!(!csp.contains("unsafe-inline"));
/// ```
pub fn content_security_policy(token_js_url: &str, gateway_base_url: &str) -> String {
    let token_origin = origin(token_js_url).unwrap_or_default();
    let mut connect = vec!["'self'", token_origin];
    if let Some(gateway) = origin(gateway_base_url)
        && gateway != token_origin
    {
        connect.push(gateway);
    }
    format!(
        "default-src 'self'; script-src 'self' {token_origin}; connect-src {}; \
         style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; \
         base-uri 'none'; object-src 'none'",
        connect.join(" ").trim()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert_eq!(
            origin("http://127.0.0.1:4000/ext/js/token.js"),
            Some("http://127.0.0.1:4000")
        );
        assert_eq!(origin("https://a.example"), Some("https://a.example"));
        assert_eq!(origin("/relative"), None);
        assert_eq!(origin("https:///x"), None);
        let csp = content_security_policy(
            "http://127.0.0.1:4000/ext/js/token.js",
            "http://127.0.0.1:4000",
        );
        assert!(
            csp.contains("connect-src 'self' http://127.0.0.1:4000;"),
            "{csp}"
        );
    }
}
