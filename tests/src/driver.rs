//! The driver: how a scenario starts a shop and talks to it over HTTP, like a browser would
//! (cookies kept, redirects seen and followed on request).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use gmo_core::flow::{CardRegistrationMode, PaymentMethods};
use gmo_core::guard::ThrottleConfig;
use gmo_core::web::TrustedProxies;
use gmo_sandbox::{RunningSandbox, Sandbox, SandboxBuilder};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;
use shop_common::session_db::SessionLifetime;
use shop_common::signin::AdminSignIn;

/// How a scenario wants the shop set up.
#[derive(Debug, Clone)]
pub struct ShopOptions {
    /// How cards are registered.
    pub registration: CardRegistrationMode,
    /// The card-testing throttle's limits.
    pub throttle: ThrottleConfig,
    /// The URL browsers reach the shop at, when it is not the shop's own (a proxy in front).
    pub public_url: Option<String>,
    /// The proxies whose `X-Forwarded-For` the shop believes: loopback, as the shop binaries'
    /// `SHOP_TRUSTED_PROXIES` default (the scenarios' clients play the proxy with
    /// [`Client::behind_proxy`]).
    pub trusted_proxies: TrustedProxies,
    /// When set, the shop reconciles (several times a second) the orders untouched this long,
    /// its GMO calls timing out in half that time; else after the default half hour.
    pub reconcile_after: Option<Duration>,
    /// The payment methods the shop offers: lump sum and instalments of 3, 6 or 12 payments
    /// (as `SHOP_PAY_TIMES=3,6,12`).
    pub payment_methods: PaymentMethods,
    /// How the shop's owner signs in: by choice, as in the demo (`SHOP_DEMO=on`, the
    /// default), or with an admin token.
    pub admin_sign_in: AdminSignIn,
    /// How long sessions live (`SHOP_SESSION_IDLE_SECS`, `SHOP_SESSION_MAX_SECS`): short in
    /// the scenarios that wait for a session to end.
    pub session_lifetime: SessionLifetime,
}

impl Default for ShopOptions {
    fn default() -> Self {
        Self {
            registration: CardRegistrationMode::Verified,
            throttle: ThrottleConfig::default(),
            public_url: None,
            trusted_proxies: TrustedProxies::loopback(),
            reconcile_after: None,
            payment_methods: PaymentMethods::lump_sum_only().installments([3, 6, 12]),
            admin_sign_in: AdminSignIn::Demo,
            session_lifetime: SessionLifetime::default(),
        }
    }
}

impl ShopOptions {
    /// No throttle limits (scenarios that make many failing attempts on purpose).
    pub fn unthrottled() -> Self {
        Self {
            throttle: ThrottleConfig::unlimited(),
            ..Self::default()
        }
    }
}

/// A shop implementation the scenarios can run against (see [`crate::shops`]).
pub trait ShopUnderTest {
    /// A short name, for messages and file names (`axum-shop`).
    const NAME: &'static str;

    /// Serves the shop on `127.0.0.1:0`, paying through `sandbox`, until the returned handle is
    /// dropped; answers its own base URL (no trailing slash) and the handle. The shop's public
    /// URL (its 3-D Secure return URL) is `options.public_url` when set, else its own.
    fn start(
        sandbox: RunningSandbox,
        options: ShopOptions,
    ) -> impl Future<Output = (String, Box<dyn Send + Sync>)> + Send;
}

/// A running shop and the sandbox it pays through.
pub struct RunningShop {
    /// The shop's base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    /// The sandbox (a handle: inspect transactions, issue tokens).
    pub sandbox: Sandbox,
    _running: Box<dyn Send + Sync>,
}

impl std::fmt::Debug for RunningShop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningShop")
            .field("url", &self.url)
            .finish()
    }
}

/// The sandbox the scenarios use: a short slow-card delay, everything else as GMO.
pub fn sandbox_builder() -> SandboxBuilder {
    Sandbox::builder().slow_card_delay(Duration::from_millis(200))
}

impl RunningShop {
    /// Starts shop `S` with a fresh sandbox.
    pub async fn start<S: ShopUnderTest>(options: ShopOptions) -> Self {
        Self::start_with::<S>(sandbox_builder(), options).await
    }

    /// Starts shop `S` with a sandbox built by `sandbox`.
    pub async fn start_with<S: ShopUnderTest>(
        sandbox: SandboxBuilder,
        options: ShopOptions,
    ) -> Self {
        let sandbox = sandbox.spawn().await.expect("the sandbox starts");
        let handle = sandbox.sandbox().clone();
        let (url, running) = S::start(sandbox, options).await;
        Self {
            url,
            sandbox: handle,
            _running: running,
        }
    }

    /// A new browser-like client (its own cookies).
    pub fn client(&self) -> Client {
        Client::new(&self.url)
    }

    /// A client signed in as `user`.
    pub async fn shopper(&self, user: &str) -> Client {
        let client = self.client();
        client.sign_in(user).await;
        client
    }

    /// A one-time token for `card`, as token.js would make it in the browser.
    pub fn token(&self, card: &str) -> String {
        self.sandbox
            .issue_token(card, "2812", "123")
            .expect("the sandbox issues a token")
    }
}

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The status.
    pub status: u16,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Answer {
    /// The body as JSON (`Value::Null` if it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The `Location` header.
    pub fn location(&self) -> Option<String> {
        self.header("location")
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// `error.code` of a JSON error body.
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = self.text();
        let cut: String = text.chars().take(400).collect();
        write!(f, "HTTP {} {cut}", self.status)
    }
}

/// A browser-like HTTP client: keeps cookies, sends the session's CSRF token on state-changing
/// requests, never follows redirects by itself.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    cookies: Arc<Mutex<BTreeMap<String, String>>>,
    csrf: Arc<Mutex<Option<String>>>,
    /// Sent with every request (a proxy's `X-Forwarded-For`).
    extra_headers: Vec<(String, String)>,
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Body {
    /// None.
    Empty,
    /// JSON.
    Json(Value),
    /// A urlencoded form.
    Form(Vec<(String, String)>),
    /// Raw bytes with a content type (or none).
    Raw(Option<String>, Vec<u8>),
}

impl Client {
    /// A client of the shop at `base`.
    pub fn new(base: &str) -> Self {
        Self::with_http(base, Self::http_client())
    }

    /// A client of the shop at `base` with its own cookies, sending over `http` (made by
    /// [`Client::http_client`]): a browser that starts a new session on the connections it
    /// already has (gmo-bench's load driver runs checkout after checkout this way).
    pub fn with_http(base: &str, http: reqwest::Client) -> Self {
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            cookies: Arc::default(),
            csrf: Arc::default(),
            extra_headers: Vec::new(),
        }
    }

    /// This client (its cookies and session) reaching the shop through a local reverse proxy
    /// that forwards for `client_ip`: every request carries `X-Forwarded-For: client_ip`.
    pub fn behind_proxy(&self, client_ip: &str) -> Self {
        let mut clone = self.clone();
        clone.extra_headers = vec![("x-forwarded-for".to_owned(), client_ip.to_owned())];
        clone
    }

    /// The HTTP client of [`Client::new`]: redirects not followed, 30 s per request.
    pub fn http_client() -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client")
    }

    /// The shop's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Signs in as `user` (`POST /signin`); keeps the session cookie and CSRF token.
    pub async fn sign_in(&self, user: &str) {
        let answer = self
            .request(
                "POST",
                "/signin",
                Body::Form(vec![("user".into(), user.into())]),
                &[("accept", "application/json")],
            )
            .await;
        assert_eq!(answer.status, 200, "sign-in: {answer}");
        let token = answer.json()["csrf_token"].as_str().map(str::to_owned);
        *self.csrf.lock().unwrap_or_else(PoisonError::into_inner) = token;
    }

    /// The session's CSRF token, once signed in.
    pub fn csrf_token(&self) -> Option<String> {
        self.csrf
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Forgets the CSRF token (to test requests without it).
    pub fn without_csrf(&self) -> Self {
        let mut clone = self.clone();
        clone.csrf = Arc::default();
        clone
    }

    /// `GET path` as a page.
    pub async fn get(&self, path: &str) -> Answer {
        self.request("GET", path, Body::Empty, &[("accept", "text/html")])
            .await
    }

    /// `GET path` asking for JSON.
    pub async fn get_json(&self, path: &str) -> Answer {
        self.request("GET", path, Body::Empty, &[("accept", "application/json")])
            .await
    }

    /// `POST path` with a JSON body, asking for JSON.
    pub async fn post_json(&self, path: &str, body: Value) -> Answer {
        self.request(
            "POST",
            path,
            Body::Json(body),
            &[("accept", "application/json")],
        )
        .await
    }

    /// `POST path` with a form (the session's CSRF token added as `_csrf`), as a page would.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut pairs: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        if let Some(token) = self.csrf_token() {
            pairs.push(("_csrf".into(), token));
        }
        self.request("POST", path, Body::Form(pairs), &[("accept", "text/html")])
            .await
    }

    /// Follows an answer's `Location` with a GET.
    pub async fn follow(&self, answer: &Answer) -> Answer {
        let location = answer
            .location()
            .unwrap_or_else(|| panic!("no Location in {answer}"));
        self.get(&location).await
    }

    /// Any request. `path` is relative to the shop or absolute. The CSRF token goes in
    /// `X-CSRF-Token` on every method but GET. Panics when the shop cannot be reached.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        body: Body,
        headers: &[(&str, &str)],
    ) -> Answer {
        self.try_request(method, path, body, headers)
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// [`Client::request`], with the transport's error when the shop cannot be reached or
    /// stops answering (a shop killed mid-request).
    pub async fn try_request(
        &self,
        method: &str,
        path: &str,
        body: Body,
        headers: &[(&str, &str)],
    ) -> Result<Answer, reqwest::Error> {
        let url = if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut request = self.http.request(method.clone(), &url);
        let cookie = {
            let jar = self.cookies.lock().unwrap_or_else(PoisonError::into_inner);
            jar.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        if !cookie.is_empty() && url.starts_with(&self.base) {
            request = request.header("cookie", cookie);
        }
        if method != reqwest::Method::GET
            && let Some(token) = self.csrf_token()
        {
            request = request.header("x-csrf-token", token);
        }
        for (name, value) in &self.extra_headers {
            request = request.header(name, value);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request = match body {
            Body::Empty => request,
            Body::Json(value) => request
                .header("content-type", "application/json")
                .body(value.to_string()),
            Body::Form(pairs) => {
                let encoded = pairs
                    .iter()
                    .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                    .collect::<Vec<_>>()
                    .join("&");
                request
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(encoded)
            }
            Body::Raw(content_type, bytes) => {
                let request = match content_type {
                    Some(ct) => request.header("content-type", ct),
                    None => request,
                };
                request.body(bytes)
            }
        };
        let response = request.send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        for value in headers.get_all("set-cookie") {
            self.store_cookie(value);
        }
        let body = response.bytes().await.unwrap_or_default();
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    fn store_cookie(&self, value: &HeaderValue) {
        let Ok(text) = value.to_str() else { return };
        let Some((name, rest)) = text.split(';').next().and_then(|p| p.split_once('=')) else {
            return;
        };
        let mut jar = self.cookies.lock().unwrap_or_else(PoisonError::into_inner);
        let expired = text.to_ascii_lowercase().contains("max-age=0");
        if expired || rest.is_empty() {
            jar.remove(name.trim());
        } else {
            jar.insert(name.trim().to_owned(), rest.trim().to_owned());
        }
    }
}

/// Percent-encodes a form key or value.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
