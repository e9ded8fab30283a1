//! The HTTP client: [`GmoClient`] sends the typed requests of [`crate::api`] (or raw ones) to
//! GMO, adds the shop's and site's credentials, and classifies every failure.
//!
//! ```no_run
//! use gmo_core::api::EntryTran;
//! use gmo_core::values::{OrderId, ShopId};
//! use gmo_core::values::Amount;
//! use gmo_core::{Environment, GmoClient, ShopPass};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = GmoClient::builder(Environment::Test)
//!     .shop(ShopId::new("tshop00012345")?, ShopPass::new("shop-password"))
//!     .build()?;
//! let entry = client
//!     .send(&EntryTran::auth(OrderId::new("order-1")?, Amount::new(1_000)?))
//!     .await?;
//! println!("registered as {}", entry.access_id);
//! # Ok(()) }
//! ```

// API names travel as `&Cow<'static, str>` so that errors can own them without allocating
// (they are `'static` for every typed API).
#![allow(clippy::ptr_arg)]

mod operation;
mod raw;
mod transport;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tracing::Instrument as _;

pub use operation::{Credentials, Effect, Operation};
pub use raw::RawRequest;

use crate::check_string::{self, CheckStringProblem};
use crate::error::{ApiError, ErrorKind, GmoError, RequestError, TransportError, TransportFailure};
use crate::secret::{ShopPass, SitePass};
use crate::values::{InvalidValue, ShopId, SiteId};
use crate::wire::{FormEncoder, Response};

/// Where GMO's protocol API lives.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Environment {
    /// GMO's test environment, `https://pt01.mul-pay.jp`.
    Test,
    /// GMO's production environment, `https://p01.mul-pay.jp`.
    Production,
    /// Any other base URL: a dedicated production host, or a simulator such as the sandbox.
    Custom(String),
}

impl Environment {
    /// The base URL, to which `/payment/<API>.idPass` is appended.
    pub fn base_url(&self) -> &str {
        match self {
            Self::Test => "https://pt01.mul-pay.jp",
            Self::Production => "https://p01.mul-pay.jp",
            Self::Custom(url) => url,
        }
    }
}

/// The client could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The base URL is not usable.
    #[error(
        "the base URL must be an http:// or https:// URL without credentials, query or fragment"
    )]
    InvalidBaseUrl,
    /// A password holds characters other than printable ASCII.
    #[error("the {0} must be printable ASCII")]
    InvalidCredential(&'static str),
    /// The HTTP client could not be built.
    #[error("the HTTP client could not be built")]
    Http(#[source] reqwest::Error),
}

/// Default time to establish a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time for a whole call (card networks can take tens of seconds).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Default number of retries of a read-only call.
pub const DEFAULT_READ_RETRIES: u32 = 2;
/// Default pause before the first retry; it doubles at each further retry.
pub const DEFAULT_RETRY_BACKOFF: Duration = Duration::from_millis(200);
/// Default number of calls in flight to GMO at once (GMO limits a shop's concurrent
/// connections; its number is not public).
pub const DEFAULT_MAX_CONNECTIONS: usize = 64;

/// Builds a [`GmoClient`].
#[derive(Debug)]
pub struct GmoClientBuilder {
    environment: Environment,
    shop: Option<(ShopId, ShopPass)>,
    site: Option<(SiteId, SitePass)>,
    connect_timeout: Duration,
    request_timeout: Duration,
    http: Option<reqwest::Client>,
    read_retries: u32,
    retry_backoff: Duration,
    max_connections: usize,
}

impl GmoClientBuilder {
    /// The shop's credentials, added to Shop-API calls.
    pub fn shop(mut self, shop_id: ShopId, shop_pass: ShopPass) -> Self {
        self.shop = Some((shop_id, shop_pass));
        self
    }

    /// The site's credentials, added to Site-API calls (members and stored cards).
    pub fn site(mut self, site_id: SiteId, site_pass: SitePass) -> Self {
        self.site = Some((site_id, site_pass));
        self
    }

    /// Time to establish a connection (default 10 s). Ignored with
    /// [`http_client`](Self::http_client), whose own setting applies.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time for a whole call, from sending to the end of the answer (default 60 s). A call that
    /// runs out of it after sending has an unknown outcome.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Uses the caller's `reqwest::Client` (for its connection pool, proxy or TLS settings).
    /// It should not follow redirects: GMO never sends any.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// How many times a read-only call (the searches, Tds2Result) is retried after a transport
    /// failure, HTTP 5xx or throttling (default 2). Calls that change something are never
    /// retried.
    pub fn read_retries(mut self, retries: u32) -> Self {
        self.read_retries = retries;
        self
    }

    /// Pause before the first retry (default 200 ms); it doubles at each further retry.
    pub fn retry_backoff(mut self, backoff: Duration) -> Self {
        self.retry_backoff = backoff;
        self
    }

    /// How many calls may be in flight to GMO at once (default 64, at least 1): GMO limits a
    /// shop's connections, and a burst of checkouts must not open thousands. A call beyond it
    /// waits its turn, at most the request timeout; one that waited that long is not sent
    /// ([`TransportFailure::NotSent`]: nothing happened). So a call ends at most twice the request timeout after it was asked for.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<GmoClient, BuildError> {
        let base_url = validate_base_url(self.environment.base_url())?;
        if let Some((_, pass)) = &self.shop
            && !is_printable_ascii(pass.expose_secret())
        {
            return Err(BuildError::InvalidCredential("ShopPass"));
        }
        if let Some((_, pass)) = &self.site
            && !is_printable_ascii(pass.expose_secret())
        {
            return Err(BuildError::InvalidCredential("SitePass"));
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .pool_max_idle_per_host(self.max_connections)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(BuildError::Http)?,
        };
        Ok(GmoClient {
            inner: Arc::new(Inner {
                http,
                base_url,
                shop: self.shop,
                site: self.site,
                request_timeout: self.request_timeout,
                read_retries: self.read_retries,
                retry_backoff: self.retry_backoff,
                connections: tokio::sync::Semaphore::new(self.max_connections),
                stats: Counters::default(),
            }),
        })
    }
}

fn is_printable_ascii(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_graphic())
}

fn validate_base_url(raw: &str) -> Result<String, BuildError> {
    let url = reqwest::Url::parse(raw).map_err(|_| BuildError::InvalidBaseUrl)?;
    let usable = matches!(url.scheme(), "http" | "https")
        && url.has_host()
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none();
    if !usable {
        return Err(BuildError::InvalidBaseUrl);
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// A client of GMO's protocol API. Cheap to clone: clones share the connection pool.
///
/// Calls that can move money or store a card are sent exactly once; read-only calls are retried
/// a few times (see [`GmoClientBuilder::read_retries`]). Every call runs in a `gmo.call`
/// tracing span with the fields `api`, `effect`, `order_id` (when the request names one),
/// `outcome` (`ok`, an [`ErrorKind`] name, `transport`, `decode`, `check_string_mismatch`),
/// `attempts` and `elapsed_ms`; no secret is ever recorded.
#[derive(Clone)]
pub struct GmoClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    shop: Option<(ShopId, ShopPass)>,
    site: Option<(SiteId, SitePass)>,
    request_timeout: Duration,
    read_retries: u32,
    retry_backoff: Duration,
    /// One permit per call in flight.
    connections: tokio::sync::Semaphore,
    stats: Counters,
}

#[derive(Default)]
struct Counters {
    in_flight: AtomicU64,
    waiting: AtomicU64,
    waited: AtomicU64,
    turned_away: AtomicU64,
}

/// What the client is doing, for the app's metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ClientStats {
    /// Calls being sent or awaiting GMO's answer now.
    pub in_flight: u64,
    /// Calls waiting for a connection now.
    pub waiting: u64,
    /// Calls that had to wait for a connection, since the client was built.
    pub waited: u64,
    /// Calls not sent because they waited the whole request timeout, since the client was
    /// built.
    pub turned_away: u64,
}

impl fmt::Debug for GmoClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("GmoClient")
            .field("base_url", &inner.base_url)
            .field("shop_id", &inner.shop.as_ref().map(|(id, _)| id))
            .field("site_id", &inner.site.as_ref().map(|(id, _)| id))
            .field("request_timeout", &inner.request_timeout)
            .field("read_retries", &inner.read_retries)
            .finish_non_exhaustive()
    }
}

impl GmoClient {
    /// Starts building a client for an environment.
    pub fn builder(environment: Environment) -> GmoClientBuilder {
        GmoClientBuilder {
            environment,
            shop: None,
            site: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            http: None,
            read_retries: DEFAULT_READ_RETRIES,
            retry_backoff: DEFAULT_RETRY_BACKOFF,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }

    /// Calls in flight and waiting, for the app's metrics.
    pub fn stats(&self) -> ClientStats {
        let s = &self.inner.stats;
        ClientStats {
            in_flight: s.in_flight.load(Ordering::Relaxed),
            waiting: s.waiting.load(Ordering::Relaxed),
            waited: s.waited.load(Ordering::Relaxed),
            turned_away: s.turned_away.load(Ordering::Relaxed),
        }
    }

    /// How long one call may take, from sending to the whole answer: no call is still in flight
    /// after it.
    pub fn request_timeout(&self) -> Duration {
        self.inner.request_timeout
    }

    /// The base URL calls go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The shop this client calls for, when it was given shop credentials.
    pub fn shop_id(&self) -> Option<&ShopId> {
        self.inner.shop.as_ref().map(|(id, _)| id)
    }

    /// Sends a typed request and reads its answer.
    ///
    /// Verifies the CheckString of authorisation answers; a mismatch is
    /// [`GmoError::CheckStringMismatch`], an unknown outcome.
    pub async fn send<O: Operation>(&self, operation: &O) -> Result<O::Output, GmoError> {
        let span = call_span(
            O::API,
            O::EFFECT,
            operation.order_id().map(|id| id.as_str()),
        );
        let started = Instant::now();
        let mut attempts = 0;
        let result = self
            .run(operation, &mut attempts)
            .instrument(span.clone())
            .await;
        finish(&span, started, attempts, &result);
        result
    }

    /// Sends a request to an API this crate does not model and answers GMO's raw answer. An
    /// error answer (`ErrCode`) is still a [`GmoError::Api`].
    pub async fn send_raw(&self, request: &RawRequest) -> Result<Response, GmoError> {
        let span = call_span(&request.api, request.effect, None);
        let started = Instant::now();
        let mut attempts = 0;
        let result = self
            .run_raw(request, &mut attempts)
            .instrument(span.clone())
            .await;
        finish(&span, started, attempts, &result);
        result
    }

    async fn run<O: Operation>(
        &self,
        operation: &O,
        attempts: &mut u32,
    ) -> Result<O::Output, GmoError> {
        let api = Cow::Borrowed(O::API);
        let shop_pass = if O::VERIFIES_CHECK_STRING {
            Some(&self.shop(&api)?.1)
        } else {
            None
        };
        let body = self.encode(&api, operation.credentials(), |form| operation.encode(form))?;
        let response = self.exchange(&api, body, O::EFFECT, attempts).await?;
        let unreadable = |source| GmoError::Decode {
            api: api.clone(),
            outcome_unknown: !O::EFFECT.may_retry(),
            source,
        };
        if let Some(shop_pass) = shop_pass
            && operation.expects_check_string(&response)
        {
            match check_string::verify(&response, shop_pass) {
                Ok(()) => {}
                Err(CheckStringProblem::Missing(source)) => return Err(unreadable(source)),
                Err(CheckStringProblem::Mismatch) => {
                    return Err(GmoError::CheckStringMismatch { api });
                }
            }
        }
        operation.decode(&response).map_err(unreadable)
    }

    async fn run_raw(
        &self,
        request: &RawRequest,
        attempts: &mut u32,
    ) -> Result<Response, GmoError> {
        let valid_name = (1..=64).contains(&request.api.len())
            && request.api.bytes().all(|b| b.is_ascii_alphanumeric());
        if !valid_name {
            return Err(RequestError::Invalid(InvalidValue {
                field: "API name",
                rule: "1 to 64 characters of A-Z, a-z and 0-9",
            })
            .into());
        }
        let api: Cow<'static, str> = Cow::Owned(request.api.clone());
        let body = self.encode(&api, request.credentials, |form| {
            for (name, value) in &request.fields {
                form.push_named(name.clone(), value)?;
            }
            Ok(())
        })?;
        self.exchange(&api, body, request.effect, attempts).await
    }

    fn shop(&self, api: &Cow<'static, str>) -> Result<&(ShopId, ShopPass), RequestError> {
        self.inner
            .shop
            .as_ref()
            .ok_or_else(|| RequestError::MissingCredentials {
                api: api.clone(),
                credentials: "shop",
            })
    }

    fn site(&self, api: &Cow<'static, str>) -> Result<&(SiteId, SitePass), RequestError> {
        self.inner
            .site
            .as_ref()
            .ok_or_else(|| RequestError::MissingCredentials {
                api: api.clone(),
                credentials: "site",
            })
    }

    /// Writes the credentials, then the request's fields.
    fn encode(
        &self,
        api: &Cow<'static, str>,
        credentials: Credentials,
        fields: impl FnOnce(&mut FormEncoder) -> Result<(), RequestError>,
    ) -> Result<Bytes, RequestError> {
        let mut form = FormEncoder::with_capacity(512);
        if credentials.shop() {
            let (id, pass) = self.shop(api)?;
            form.push("ShopID", id.as_str())?;
            form.push("ShopPass", pass.expose_secret())?;
        }
        if credentials.site() {
            let (id, pass) = self.site(api)?;
            form.push("SiteID", id.as_str())?;
            form.push("SitePass", pass.expose_secret())?;
        }
        fields(&mut form)?;
        Ok(Bytes::from(form.finish()))
    }

    /// Sends the body, retrying read-only calls; answers a success answer.
    async fn exchange(
        &self,
        api: &Cow<'static, str>,
        body: Bytes,
        effect: Effect,
        attempts: &mut u32,
    ) -> Result<Response, GmoError> {
        let url = format!("{}/payment/{api}.idPass", self.inner.base_url);
        loop {
            *attempts += 1;
            let result = self.exchange_once(api, &url, body.clone(), effect).await;
            let retries_done = *attempts - 1;
            let Err(error) = &result else {
                return result;
            };
            if !(effect.may_retry()
                && retries_done < self.inner.read_retries
                && is_transient(error))
            {
                return result;
            }
            let delay = self
                .inner
                .retry_backoff
                .saturating_mul(2u32.saturating_pow(retries_done));
            tracing::debug!(
                attempt = *attempts,
                reason = error.class(),
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "retrying a read-only GMO call"
            );
            tokio::time::sleep(delay).await;
        }
    }

    async fn exchange_once(
        &self,
        api: &Cow<'static, str>,
        url: &str,
        body: Bytes,
        effect: Effect,
    ) -> Result<Response, GmoError> {
        let _connection = self.connection(api).await?;
        let bytes =
            transport::post(&self.inner.http, url, api, body, self.inner.request_timeout).await?;
        let unreadable = |source| GmoError::Decode {
            api: api.clone(),
            outcome_unknown: !effect.may_retry(),
            source,
        };
        let response = Response::parse(&bytes).map_err(unreadable)?;
        match response.errors() {
            None => Ok(response),
            Some(Ok(pairs)) => Err(ApiError::new(api.clone(), pairs).into()),
            Some(Err(source)) => Err(unreadable(source)),
        }
    }
}

impl GmoClient {
    /// A turn to call GMO: at once when fewer than the maximum calls are in flight, else after
    /// waiting, at most the request timeout (then the call is not sent).
    async fn connection(&self, api: &Cow<'static, str>) -> Result<InFlight<'_>, GmoError> {
        let stats = &self.inner.stats;
        let permit = match self.inner.connections.try_acquire() {
            Ok(permit) => permit,
            Err(_) => {
                stats.waited.fetch_add(1, Ordering::Relaxed);
                stats.waiting.fetch_add(1, Ordering::Relaxed);
                let waited = tokio::time::timeout(
                    self.inner.request_timeout,
                    self.inner.connections.acquire(),
                )
                .await;
                stats.waiting.fetch_sub(1, Ordering::Relaxed);
                match waited {
                    Ok(Ok(permit)) => permit,
                    // Timed out (or the semaphore closed, which it never is): nothing was sent.
                    _ => {
                        stats.turned_away.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(api = %api, "no connection to GMO free in time; the call is not sent");
                        return Err(TransportError::new(
                            api.clone(),
                            TransportFailure::NotSent,
                            None,
                        )
                        .into());
                    }
                }
            }
        };
        stats.in_flight.fetch_add(1, Ordering::Relaxed);
        Ok(InFlight {
            _permit: permit,
            in_flight: &stats.in_flight,
        })
    }
}

/// A call's turn; counted in flight until dropped.
struct InFlight<'a> {
    _permit: tokio::sync::SemaphorePermit<'a>,
    in_flight: &'a AtomicU64,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Whether a failed read-only call is worth sending again.
fn is_transient(error: &GmoError) -> bool {
    match error {
        GmoError::Transport(e) => match e.failure() {
            TransportFailure::HttpStatus(status) => status >= 500,
            _ => true,
        },
        GmoError::Api(e) => e.kind() == ErrorKind::Throttled,
        _ => false,
    }
}

fn call_span(api: &str, effect: Effect, order_id: Option<&str>) -> tracing::Span {
    let span = tracing::info_span!(
        "gmo.call",
        api,
        effect = effect.as_str(),
        order_id = tracing::field::Empty,
        outcome = tracing::field::Empty,
        attempts = tracing::field::Empty,
        elapsed_ms = tracing::field::Empty,
    );
    if let Some(order_id) = order_id {
        span.record("order_id", order_id);
    }
    span
}

fn finish<T>(span: &tracing::Span, started: Instant, attempts: u32, result: &Result<T, GmoError>) {
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let outcome = match result {
        Ok(_) => "ok",
        Err(e) => e.class(),
    };
    span.record("outcome", outcome);
    span.record("attempts", attempts);
    span.record("elapsed_ms", elapsed_ms);
    match result {
        Ok(_) => tracing::debug!(parent: span, outcome, attempts, elapsed_ms, "GMO call done"),
        Err(e) if e.outcome_unknown() => {
            tracing::warn!(parent: span, outcome, attempts, elapsed_ms, error = %e, "GMO call outcome unknown");
        }
        Err(e) => {
            tracing::info!(parent: span, outcome, attempts, elapsed_ms, error = %e, "GMO call failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked_and_normalised() {
        assert_eq!(
            validate_base_url("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            validate_base_url(Environment::Test.base_url()).unwrap(),
            "https://pt01.mul-pay.jp"
        );
        for bad in ["ftp://x", "https://u:p@x", "https://x/?a=1", "not a url"] {
            assert!(validate_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_shows_no_password() {
        let client = GmoClient::builder(Environment::Production)
            .shop(
                ShopId::new("tshop1").unwrap(),
                ShopPass::new("marker-shop-pass"),
            )
            .site(
                SiteId::new("tsite1").unwrap(),
                SitePass::new("marker-site-pass"),
            )
            .build()
            .unwrap();
        let debug = format!("{client:?}");
        assert!(debug.contains("tshop1"));
        assert!(!debug.contains("marker"));
    }

    #[test]
    fn non_ascii_passwords_are_refused_at_build_time() {
        let built = GmoClient::builder(Environment::Test)
            .shop(ShopId::new("tshop1").unwrap(), ShopPass::new("pässword"))
            .build();
        assert!(matches!(
            built,
            Err(BuildError::InvalidCredential("ShopPass"))
        ));
    }
}
