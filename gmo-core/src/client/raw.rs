//! Calls to APIs this crate does not model.

use std::borrow::Cow;
use std::fmt;

use super::operation::{Credentials, Effect};

/// A request to any GMO API, given by name and fields; answered with the raw
/// [`crate::wire::Response`].
///
/// It is assumed to move money (never retried, an unreadable answer leaves the outcome
/// unknown) unless marked [`read_only`](Self::read_only).
///
/// ```no_run
/// use gmo_core::client::{Credentials, RawRequest};
/// # async fn run(client: gmo_core::GmoClient) -> Result<(), gmo_core::GmoError> {
/// let request = RawRequest::new("SearchTradeMulti", Credentials::Shop)
///     .field("OrderID", "order-1")
///     .field("PayType", "0")
///     .read_only();
/// let answer = client.send_raw(&request).await?;
/// println!("status: {:?}", answer.get("Status"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RawRequest {
    pub(super) api: String,
    pub(super) credentials: Credentials,
    pub(super) effect: Effect,
    pub(super) fields: Vec<(Cow<'static, str>, String)>,
}

impl RawRequest {
    /// A request to `/payment/<api>.idPass` to which the client adds `credentials`.
    pub fn new(api: impl Into<String>, credentials: Credentials) -> Self {
        Self {
            api: api.into(),
            credentials,
            effect: Effect::MovesMoney,
            fields: Vec::new(),
        }
    }

    /// Adds a field; values are encoded to Windows-31J when the request is sent.
    pub fn field(mut self, name: impl Into<Cow<'static, str>>, value: impl Into<String>) -> Self {
        self.fields.push((name.into(), value.into()));
        self
    }

    /// Declares the call read-only, so that the client may retry it like a search.
    pub fn read_only(mut self) -> Self {
        self.effect = Effect::ReadOnly;
        self
    }

    /// The API name.
    pub fn api(&self) -> &str {
        &self.api
    }
}

impl fmt::Debug for RawRequest {
    // Field names only: values may be secrets (AccessPass, tokens) or personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawRequest")
            .field("api", &self.api)
            .field("credentials", &self.credentials)
            .field("effect", &self.effect)
            .field(
                "fields",
                &self
                    .fields
                    .iter()
                    .map(|(k, _)| k.as_ref())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}
