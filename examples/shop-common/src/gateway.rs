//! Starting the payment side: the embedded sandbox (or GMO's settings), the client and the
//! payments handle with the shop's URLs.

use std::sync::Arc;
use std::time::Duration;

use gmo_core::flow::{ConfigError, PaymentsBuilder};
use gmo_core::store::PaymentStore;
use gmo_core::values::{InvalidValue, ShopId, SiteId};
use gmo_core::{Environment, GmoClient, Payments, ShopPass, SitePass};
use gmo_sandbox::{RunningSandbox, Sandbox, SpawnError};

use crate::pages::CardFormConfig;
use crate::settings::{Gateway, ShopSettings};

/// How long a call to the embedded sandbox may take, unless the settings say otherwise.
pub const EMBEDDED_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The payment gateway the shop talks to.
#[derive(Debug)]
pub struct PaymentGateway {
    /// The GMO client.
    pub client: GmoClient,
    /// What the card form needs.
    pub card_form: CardFormConfig,
    /// The protocol base URL (for the Content-Security-Policy).
    pub base_url: String,
    /// The embedded sandbox, when there is one (kept running while this lives).
    pub sandbox: Option<RunningSandbox>,
}

/// The shop's payment side could not be started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The shop's storage could not be opened.
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    /// The embedded sandbox did not start.
    #[error("the embedded sandbox did not start: {0}")]
    Sandbox(#[from] SpawnError),
    /// A credential breaks GMO's rules.
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// The client could not be built.
    #[error("the GMO client could not be built: {0}")]
    Client(#[from] gmo_core::client::BuildError),
    /// The payments settings are unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

impl PaymentGateway {
    /// Starts the embedded sandbox, or prepares GMO's client, as `settings` say (their request
    /// timeout, if set, for either).
    pub async fn start(settings: &ShopSettings) -> Result<Self, StartError> {
        match &settings.gateway {
            Gateway::Embedded => Self::over_sandbox(
                Sandbox::builder().spawn().await?,
                settings.request_timeout.unwrap_or(EMBEDDED_REQUEST_TIMEOUT),
            ),
            Gateway::Gmo(gmo) => {
                let mut client = GmoClient::builder(Environment::Custom(gmo.base_url.clone()))
                    .shop(ShopId::new(gmo.shop_id.clone())?, gmo.shop_pass.clone())
                    .site(SiteId::new(gmo.site_id.clone())?, gmo.site_pass.clone());
                if let Some(timeout) = settings.request_timeout {
                    client = client.request_timeout(timeout);
                }
                if let Some(max) = settings.max_connections {
                    client = client.max_connections(max);
                }
                Ok(Self {
                    client: client.build()?,
                    card_form: CardFormConfig {
                        token_js_url: gmo.token_js_url.clone(),
                        shop_id: gmo.shop_id.clone(),
                    },
                    base_url: gmo.base_url.clone(),
                    sandbox: None,
                })
            }
        }
    }

    /// The shop's gateway over a running sandbox (tests start theirs with their own settings).
    pub fn embedded(sandbox: RunningSandbox) -> Result<Self, StartError> {
        Self::over_sandbox(sandbox, EMBEDDED_REQUEST_TIMEOUT)
    }

    /// [`PaymentGateway::embedded`] whose calls time out after `request_timeout` (a test that
    /// reconciles within seconds needs calls shorter than half that age).
    pub fn over_sandbox(
        sandbox: RunningSandbox,
        request_timeout: Duration,
    ) -> Result<Self, StartError> {
        let client = GmoClient::builder(Environment::Custom(sandbox.base_url().to_owned()))
            .shop(
                ShopId::new(sandbox.shop_id())?,
                ShopPass::new(sandbox.shop_pass()),
            )
            .site(
                SiteId::new(sandbox.site_id())?,
                SitePass::new(sandbox.site_pass()),
            )
            .request_timeout(request_timeout)
            .build()?;
        Ok(Self {
            client,
            card_form: CardFormConfig {
                token_js_url: format!("{}/ext/js/token.js", sandbox.base_url()),
                shop_id: sandbox.shop_id().to_owned(),
            },
            base_url: sandbox.base_url().to_owned(),
            sandbox: Some(sandbox),
        })
    }

    /// The payments handle for a shop at `public_url`, with `store`; `settings` may change the
    /// defaults (card registration mode, job…). An embedded sandbox is told to send its result
    /// notifications to the shop.
    pub fn payments(
        &self,
        public_url: &str,
        store: Arc<dyn PaymentStore>,
        settings: impl FnOnce(PaymentsBuilder) -> PaymentsBuilder,
    ) -> Result<Payments, StartError> {
        let builder = Payments::builder(self.client.clone(), store)
            .public_url(public_url)
            .completion_url("/orders/{order_id}")
            .card_registered_url("/cards?registered={order_id}");
        let payments = settings(builder).build()?;
        if let Some(sandbox) = &self.sandbox {
            sandbox.set_notify_url(Some(payments.notification_url()));
        }
        Ok(payments)
    }

    /// The Content-Security-Policy of the shop's pages.
    pub fn content_security_policy(&self) -> String {
        crate::csp::content_security_policy(&self.card_form.token_js_url, &self.base_url)
    }
}
