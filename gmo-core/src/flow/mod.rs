//! The payment flows: what an app needs from GMO, run so that no order is charged twice and
//! none is lost, whatever the network, the browser or the process does.
//!
//! [`Payments`] is a cheap-to-clone handle built from a [`GmoClient`], a
//! [`PaymentStore`] and [`Settings`]. Its methods take and answer
//! framework-free types; the axum and actix adapters only translate HTTP to these calls.
//!
//! | flow | method |
//! |---|---|
//! | register a card | [`Payments::register_card`], then [`Payments::complete_three_ds`] in verified mode |
//! | list, delete, choose the default card | [`Payments::cards`], [`Payments::delete_card`], [`Payments::set_default_card`] |
//! | close a customer's payment account | [`Payments::close_account`] |
//! | checkout | [`Payments::prepare_order`] (server side, with the amount), [`Payments::confirm`] |
//! | off-session charge of a saved card (or the default card) | [`Payments::charge_saved_card`] |
//! | 3-D Secure return | [`Payments::complete_three_ds`] |
//! | result notification | [`Payments::handle_notification`] |
//! | capture, void, refund, partial refund, amount change | [`Payments::capture`], [`Payments::void`], [`Payments::refund`], [`Payments::refund_part`], [`Payments::change_amount`] |
//! | reconciliation | [`Payments::reconcile`], [`Payments::reconcile_every`] |
//! | payment events for the app | [`PaymentsBuilder::event_handler`], [`Payments::deliver_events_every`], [`Payments::events_after`] |
//!
//! # A whole checkout
//!
//! Against the sandbox (the `gmo-sandbox` crate), with a challenge card:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use gmo_core::flow::{Confirmation, PaymentSource, PrepareOrder, ThreeDsReturn};
//! use gmo_core::order::OrderState;
//! use gmo_core::customer::CustomerId;
//! use gmo_core::store::MemoryStore;
//! use gmo_core::values::{ShopId, SiteId};
//! use gmo_core::values::Amount;
//! use gmo_core::{CardToken, Environment, GmoClient, Payments, ShopPass, SitePass};
//!
//! let sandbox = gmo_sandbox::Sandbox::builder().spawn().await?;
//! let client = GmoClient::builder(Environment::Custom(sandbox.base_url().into()))
//!     .shop(ShopId::new(sandbox.shop_id())?, ShopPass::new(sandbox.shop_pass()))
//!     .site(SiteId::new(sandbox.site_id())?, SitePass::new(sandbox.site_pass()))
//!     .build()?;
//! let payments = Payments::builder(client, Arc::new(MemoryStore::new()))
//!     .public_url("https://shop.example")
//!     .build()?;
//!
//! // The merchant's server fixes the amount.
//! let alice = CustomerId::new("alice")?;
//! let order = payments.prepare_order(PrepareOrder::new(alice.clone(), Amount::new(1_200)?)).await?;
//!
//! // The browser tokenises the card with GMO's token JS and confirms with the token.
//! let token = CardToken::new(sandbox.issue_token("4100000000005000", "2812", "123")?);
//! let Confirmation::RedirectTo { url, .. } =
//!     payments.confirm(&alice, &order.order_id, PaymentSource::NewCard(token)).await?
//! else { unreachable!("this card asks for 3-D Secure") };
//!
//! // The browser passes the issuer's challenge and comes back to the return URL.
//! let back = gmo_sandbox::AcsBrowser::new().authenticate(&url, "123456").await?;
//! let completion = payments
//!     .complete_three_ds(ThreeDsReturn {
//!         order_id: order.order_id.clone(),
//!         access_id: back.field("AccessID").unwrap_or_default().to_owned(),
//!     })
//!     .await?;
//! assert_eq!(completion.order.state, OrderState::Authorized);
//! assert_eq!(completion.redirect_to, format!("/orders/{}", order.order_id));
//!
//! // Later, from the back office.
//! let captured = payments.capture(&order.order_id).await?;
//! assert_eq!(captured.state, OrderState::Captured);
//! # Ok(()) }
//! ```
//!
//! # Exactly once
//!
//! Every money-moving GMO call (EntryTran, ExecTran, SecureTran2, AlterTran, ChangeTran, and
//! TradedCard, which stores a card) is made only by the request that wins a compare-and-set of
//! the order into a *claim* state (see [`crate::order`]). A call whose outcome is unknown leaves
//! the order in its claim state; it is looked up with SearchTrade right away and, if that does
//! not settle it, by reconciliation later. Nothing is ever retried blind, and a new OrderID is
//! never minted to "try again".

mod admin;
mod cards;
mod charge;
mod checkout;
mod error;
mod events;
mod methods;
mod notify;
mod reconcile;
mod risk;
mod settle;
mod three_d_secure;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use time::OffsetDateTime;

pub use cards::{Card, CardRegistration};
pub use charge::{ChargedCard, SavedCardCharge};
pub use checkout::{Checkout, Confirmation, PaymentSource, PrepareOrder};
pub use error::PaymentError;
pub use events::{DeliveryReport, HandlerError, PaymentEventHandler};
pub use methods::PaymentMethods;
pub use notify::{NotificationAck, NotificationPolicy};
pub use reconcile::ReconcileReport;
pub use risk::{Address, RiskData};
pub use three_d_secure::{Completion, ThreeDsReturn};

use crate::api::{SearchTrade, TradeState};
use crate::client::GmoClient;
use crate::customer::CustomerId;
use crate::error::{ErrorKind, GmoError, RequestError};
use crate::guard::{AttemptTicket, CardTestingThrottle, MessagePolicy};
use crate::order::{Failure, Order, OrderState, Purpose};
use crate::store::{PaymentStore, Updated};
use crate::values::{Amount, CardSeq, RetUrl, Tax, TdTenantName};
use crate::values::{JobCd, Method, OrderId, Status, TdRequired, Tds2Type};
use crate::web::routes::{DEFAULT_PREFIX, NOTIFY, THREE_DS_RETURN};

/// How card registration works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CardRegistrationMode {
    /// A `CHECK` transaction with 3-D Secure 2.0, then TradedCard (GMO's recommended pattern
    /// since 3-D Secure became mandatory). The default.
    #[default]
    Verified,
    /// SaveCard with the token: GMO checks the card with the issuer, without 3-D Secure.
    Direct,
}

/// What to do when GMO holds a charge for an order the store closed as failed or expired: a
/// call GMO finished after the order was given up (a late commit). Either way it is logged at
/// error level (`unexpected_charge = 1`, with the order id) and counted
/// ([`Payments::unexpected_charges`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum UnexpectedCharge {
    /// Void (or refund) the charge at GMO, once; the order ends
    /// [`Reversed`](crate::order::OrderState::Reversed). The shopper was told the payment
    /// failed, so they are not charged. The default.
    #[default]
    Reverse,
    /// Keep the charge: the order becomes authorised (or captured), as GMO has it, for the
    /// merchant to fulfil.
    Keep,
}

/// The settings of the flows. Built by [`PaymentsBuilder`].
#[derive(Debug, Clone)]
pub struct Settings {
    public_url: String,
    gateway_prefix: String,
    /// Derived by [`PaymentsBuilder::build`] from the two above.
    return_url: String,
    completion_url: String,
    card_registered_url: String,
    default_job: JobCd,
    tds2_type: Option<Tds2Type>,
    td_required: Option<TdRequired>,
    tenant_name: Option<TdTenantName>,
    registration: CardRegistrationMode,
    reconcile_after: Duration,
    unexpected_charge: UnexpectedCharge,
    payment_methods: PaymentMethods,
    message_policy: MessagePolicy,
}

/// Builds [`Payments`].
#[must_use]
pub struct PaymentsBuilder {
    client: GmoClient,
    store: Arc<dyn PaymentStore>,
    settings: Settings,
    event_handler: Option<Arc<dyn PaymentEventHandler>>,
    card_testing: Option<CardTestingThrottle>,
}

/// A settings value the builder cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A URL template lacks `{order_id}`.
    #[error("the {0} template must contain {{order_id}}")]
    MissingOrderId(&'static str),
    /// The public URL is missing or not an absolute `http(s)://` URL without query or fragment.
    #[error("the public URL must be an absolute http(s) URL, without query or fragment")]
    PublicUrl,
    /// The gateway prefix is not a path (`/payments`): it must start with `/` and carry no
    /// query, fragment, parameter or space.
    #[error("the gateway prefix must be a path such as /payments")]
    GatewayPrefix,
    /// The default job must be `AUTH` or `CAPTURE`.
    #[error("the default job must be AUTH or CAPTURE")]
    DefaultJob,
    /// The client has no shop credentials, which every flow needs.
    #[error("the GMO client needs shop credentials")]
    NoShop,
    /// Reconciliation would settle orders whose GMO call may still be in flight: the
    /// reconciliation age must be at least twice the client's request timeout.
    #[error(
        "reconcile_after ({after:?}) must be at least twice the client's request timeout ({request_timeout:?})"
    )]
    ReconcileTooSoon {
        /// The reconciliation age asked for.
        after: Duration,
        /// The client's request timeout.
        request_timeout: Duration,
    },
    /// The payment methods offered break GMO's rules (e.g. instalments of one payment).
    #[error("the {method} offered must be {rule}")]
    PaymentMethods {
        /// Which method, e.g. `instalments`.
        method: &'static str,
        /// The rule it breaks.
        rule: &'static str,
    },
    /// A value breaks GMO's rules.
    #[error(transparent)]
    Invalid(#[from] crate::values::InvalidValue),
}

impl std::fmt::Debug for PaymentsBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentsBuilder")
            .field("client", &self.client)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl PaymentsBuilder {
    /// Where the shopper's browser reaches the app: scheme, host, port, and the path the app is
    /// served under if any, e.g. `https://shop.example`. Required. GMO's 3-D Secure return
    /// goes to this URL, [the gateway prefix](Self::gateway_prefix) and
    /// [`THREE_DS_RETURN`], which is where the adapters
    /// mount the return route: the two cannot disagree.
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.settings.public_url = url.into();
        self
    }

    /// The path the adapters mount the gateway routes under (the 3-D Secure return and GMO's
    /// notification; the bundled routers put the customer routes there too). Default
    /// [`DEFAULT_PREFIX`], `/payments`.
    pub fn gateway_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.settings.gateway_prefix = prefix.into();
        self
    }

    /// Where the browser goes once a payment's 3-D Secure return is handled, with `{order_id}`.
    /// Default `/orders/{order_id}`.
    pub fn completion_url(mut self, template: impl Into<String>) -> Self {
        self.settings.completion_url = template.into();
        self
    }

    /// Where the browser goes once a verified card registration's 3-D Secure return is handled,
    /// with `{order_id}`. Default `/cards?registered={order_id}`.
    pub fn card_registered_url(mut self, template: impl Into<String>) -> Self {
        self.settings.card_registered_url = template.into();
        self
    }

    /// `AUTH` (authorise now, capture later; the default) or `CAPTURE` (capture at once).
    pub fn default_job(mut self, job: JobCd) -> Self {
        self.settings.default_job = job;
        self
    }

    /// What GMO does with cards not enrolled in 3-D Secure 2.0 (`Tds2Type`). Default: not sent
    /// (the shop's setting applies).
    pub fn tds2_type(mut self, tds2_type: Tds2Type) -> Self {
        self.settings.tds2_type = Some(tds2_type);
        self
    }

    /// Whether 3-D Secure is mandatory (`TdRequired`). Default: not sent (the contract applies).
    pub fn td_required(mut self, td_required: TdRequired) -> Self {
        self.settings.td_required = Some(td_required);
        self
    }

    /// The shop name the issuer's 3-D Secure page shows (`TdTenantName`).
    pub fn tenant_name(mut self, name: TdTenantName) -> Self {
        self.settings.tenant_name = Some(name);
        self
    }

    /// How cards are registered. Default [`CardRegistrationMode::Verified`].
    pub fn card_registration(mut self, mode: CardRegistrationMode) -> Self {
        self.settings.registration = mode;
        self
    }

    /// How long an order may stand still before reconciliation settles it (default 30 minutes).
    ///
    /// It must be at least twice the client's request timeout
    /// ([`ConfigError::ReconcileTooSoon`]). A claim's age counts from its last write, which a
    /// call of unknown outcome renews when it ends; GMO may still finish a call after the client
    /// gave up on it, and the margin beyond the timeout is the time GMO is given to do so. A
    /// claim whose call GMO shows not to have taken effect is failed only on a second reading,
    /// another reconciliation age later.
    pub fn reconcile_after(mut self, after: Duration) -> Self {
        self.settings.reconcile_after = after;
        self
    }

    /// The app's handler of payment events, which [`Payments::deliver_events_every`] hands
    /// every event to. Without one, events are only kept for [`Payments::events_after`].
    ///
    /// It is called concurrently for different orders (up to 64 at once, an order's events one
    /// after another, in order): see [`PaymentEventHandler`].
    pub fn event_handler(mut self, handler: Arc<dyn PaymentEventHandler>) -> Self {
        self.event_handler = Some(handler);
        self
    }

    /// The card-testing throttle whose attempts the flows settle: give it the same throttle as
    /// the routes' card-testing layer. The checkout's attempt is then kept with its order, and
    /// whichever path learns its outcome (the browser's return, GMO's notification,
    /// reconciliation, on any instance sharing the throttle's store) counts it, once.
    pub fn card_testing(mut self, throttle: CardTestingThrottle) -> Self {
        self.card_testing = Some(throttle);
        self
    }

    /// The payment methods shoppers may choose at checkout (lump sum, instalments with the
    /// numbers of payments the card contract allows, bonus, revolving). Default: lump sum only.
    /// Checked by [`build`](Self::build) ([`ConfigError::PaymentMethods`]).
    pub fn payment_methods(mut self, methods: PaymentMethods) -> Self {
        self.settings.payment_methods = methods;
        self
    }

    /// What to do with a charge GMO holds for an order closed as failed or expired. Default
    /// [`UnexpectedCharge::Reverse`].
    pub fn unexpected_charge(mut self, policy: UnexpectedCharge) -> Self {
        self.settings.unexpected_charge = policy;
        self
    }

    /// What the browser is told when a card fails: by default ([`MessagePolicy::masked`]) every
    /// card failure is one answer, `402 declined`; [`MessagePolicy::revealing`] tells each its
    /// kind. The payment routes of both adapters answer under it.
    pub fn message_policy(mut self, policy: MessagePolicy) -> Self {
        self.settings.message_policy = policy;
        self
    }

    /// Checks the settings and builds the handle.
    pub fn build(mut self) -> Result<Payments, ConfigError> {
        let s = &mut self.settings;
        s.public_url = checked_public_url(&s.public_url)?.to_owned();
        s.gateway_prefix = checked_prefix(&s.gateway_prefix)?.to_owned();
        s.return_url = format!("{}{}{THREE_DS_RETURN}", s.public_url, s.gateway_prefix);
        let s = &self.settings;
        for (name, template) in [
            ("completion URL", &s.completion_url),
            ("card-registered URL", &s.card_registered_url),
        ] {
            if !template.contains("{order_id}") {
                return Err(ConfigError::MissingOrderId(name));
            }
        }
        RetUrl::new(fill(&s.return_url, &OrderId::new("x".repeat(27))?))?;
        if !matches!(s.default_job, JobCd::Auth | JobCd::Capture) {
            return Err(ConfigError::DefaultJob);
        }
        s.payment_methods.check()?;
        if self.client.shop_id().is_none() {
            return Err(ConfigError::NoShop);
        }
        let request_timeout = self.client.request_timeout();
        if s.reconcile_after < request_timeout.saturating_mul(2) {
            return Err(ConfigError::ReconcileTooSoon {
                after: s.reconcile_after,
                request_timeout,
            });
        }
        Ok(Payments {
            inner: Arc::new(Inner {
                client: self.client,
                store: self.store,
                settings: self.settings,
                event_handler: self.event_handler,
                card_testing: self.card_testing,
                unexpected_charges: AtomicU64::new(0),
            }),
        })
    }
}

/// The payments handle: cheap to clone, shared by every request handler.
#[derive(Clone, Debug)]
pub struct Payments {
    inner: Arc<Inner>,
}

struct Inner {
    client: GmoClient,
    store: Arc<dyn PaymentStore>,
    settings: Settings,
    event_handler: Option<Arc<dyn PaymentEventHandler>>,
    card_testing: Option<CardTestingThrottle>,
    /// Charges found at GMO for closed orders, and acted on, by this handle.
    unexpected_charges: AtomicU64,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Payments")
            .field("client", &self.client)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// What a customer (or the merchant's admin) may see of an order: no AccessPass, no GMO codes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OrderSummary {
    /// The order.
    pub order_id: OrderId,
    /// Purchase or card registration.
    pub purpose: Purpose,
    /// Where it stands.
    pub state: OrderState,
    /// Amount in yen.
    pub amount: Amount,
    /// Tax and shipping in yen.
    pub tax: Tax,
    /// `AUTH`, `CAPTURE` or `CHECK`.
    pub job: JobCd,
    /// The saved card used or registered (a replacement's: the replaced card until its card is
    /// saved).
    pub card_seq: Option<CardSeq>,
    /// How the shopper pays: chosen at checkout, then as GMO echoed it once authorised.
    pub method: Option<Method>,
    /// Why it failed, as a stable reason (the classification, never the issuer's code).
    pub failure: Option<ErrorKind>,
    /// When it was prepared.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl OrderSummary {
    /// What the customer pays: amount and tax, in yen.
    pub fn total_yen(&self) -> u32 {
        self.amount.yen() + self.tax.yen()
    }
}

impl From<&Order> for OrderSummary {
    fn from(o: &Order) -> Self {
        Self {
            order_id: o.order_id.clone(),
            purpose: o.purpose,
            state: o.state,
            amount: o.amount,
            tax: o.tax,
            job: o.job.clone(),
            card_seq: o.card_seq,
            method: o.method,
            failure: o.failure.as_ref().map(|f| f.kind),
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// The public URL without its trailing `/`: absolute `http(s)://` with a host, no query,
/// fragment or `{`.
fn checked_public_url(url: &str) -> Result<&str, ConfigError> {
    let url = url.trim_end_matches('/');
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .and_then(|rest| rest.split('/').next())
        .filter(|host| !host.is_empty());
    if host.is_none() || url.contains(['?', '#', '{', '}', ' ']) {
        return Err(ConfigError::PublicUrl);
    }
    Ok(url)
}

/// The gateway prefix without its trailing `/`: empty (the root) or `/` and path segments,
/// without a query, fragment, parameter or space.
fn checked_prefix(prefix: &str) -> Result<&str, ConfigError> {
    let prefix = prefix.trim_end_matches('/');
    let clean = prefix.is_empty()
        || (prefix.starts_with('/')
            && !prefix.contains("//")
            && !prefix.contains(['?', '#', '{', '}', ' ', '*', ':']));
    if clean {
        Ok(prefix)
    } else {
        Err(ConfigError::GatewayPrefix)
    }
}

/// Fills `{order_id}` into a URL template.
fn fill(template: &str, order_id: &OrderId) -> String {
    template.replace("{order_id}", order_id.as_str())
}

/// A new random OrderID: `o` and 26 lowercase hex digits (104 random bits).
pub fn new_order_id() -> OrderId {
    let bits = rand::random::<u128>() >> 24;
    // 'o' and 26 hex digits always form a valid OrderID.
    OrderId::new(format!("o{bits:026x}")).unwrap_or_else(|_| unreachable!("27 alphanumerics"))
}

/// What a GMO call came to, from the flows' point of view.
enum Outcome<T> {
    /// It worked.
    Done(T),
    /// GMO refused; nothing happened. The order records the failure.
    Failed(Failure, PaymentError),
    /// Nothing happened and the same step may run again later (GMO unreachable, busy).
    Unavailable,
    /// GMO may have acted: look it up.
    Unknown,
}

fn outcome<T>(result: Result<T, GmoError>) -> Outcome<T> {
    let err = match result {
        Ok(value) => return Outcome::Done(value),
        Err(err) => err,
    };
    if err.outcome_unknown() || err.is_already_executed() {
        return Outcome::Unknown;
    }
    let Some(api) = err.as_api() else {
        return match err {
            GmoError::Request(RequestError::Invalid(invalid)) => Outcome::Failed(
                Failure {
                    kind: ErrorKind::InvalidRequest,
                    err_code: String::new(),
                    err_info: String::new(),
                },
                PaymentError::InvalidInput(invalid),
            ),
            // Not sent, or a read-only answer that could not be read: nothing happened.
            _ => Outcome::Unavailable,
        };
    };
    let codes = api.codes();
    let join = |f: fn(&crate::error::ApiErrorCode) -> &str| {
        codes.iter().map(f).collect::<Vec<_>>().join("|")
    };
    let failure = Failure {
        kind: api.kind(),
        err_code: join(|c| &c.code),
        err_info: join(|c| &c.info),
    };
    let first = |kind: ErrorKind| {
        codes
            .iter()
            .find(|c| c.kind == kind)
            .map(|c| c.info.clone())
            .unwrap_or_default()
    };
    let error = match api.kind() {
        ErrorKind::Throttled => return Outcome::Unavailable,
        ErrorKind::StateConflict | ErrorKind::OutcomeUnknown => return Outcome::Unknown,
        ErrorKind::Declined => PaymentError::Declined {
            code: first(ErrorKind::Declined),
        },
        ErrorKind::TokenProblem => PaymentError::CardProblem {
            code: first(ErrorKind::TokenProblem),
        },
        ErrorKind::ThreeDSecureFailed => PaymentError::ThreeDSecureFailed {
            code: first(ErrorKind::ThreeDSecureFailed),
        },
        _ => PaymentError::Gateway(err),
    };
    Outcome::Failed(failure, error)
}

/// The result of a compare-and-set.
enum Cas {
    /// Written.
    Won(Order),
    /// Someone else changed the order first; here is its current record.
    Lost(Order),
}

impl Payments {
    /// Starts building the handle.
    pub fn builder(client: GmoClient, store: Arc<dyn PaymentStore>) -> PaymentsBuilder {
        PaymentsBuilder {
            client,
            store,
            event_handler: None,
            card_testing: None,
            settings: Settings {
                public_url: String::new(),
                gateway_prefix: DEFAULT_PREFIX.to_owned(),
                return_url: String::new(),
                completion_url: "/orders/{order_id}".into(),
                card_registered_url: "/cards?registered={order_id}".into(),
                default_job: JobCd::Auth,
                tds2_type: None,
                td_required: None,
                tenant_name: None,
                registration: CardRegistrationMode::Verified,
                reconcile_after: Duration::from_secs(30 * 60),
                unexpected_charge: UnexpectedCharge::Reverse,
                payment_methods: PaymentMethods::default(),
                message_policy: MessagePolicy::default(),
            },
        }
    }

    /// The path the gateway routes are mounted under ([`PaymentsBuilder::gateway_prefix`]),
    /// without a trailing `/`; the adapters read it from here.
    pub fn gateway_prefix(&self) -> &str {
        &self.settings().gateway_prefix
    }

    /// The URL of GMO's result notifications: give it to GMO (the shop's notification URL in
    /// GMO's management screen).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use gmo_core::{Environment, GmoClient, Payments, ShopPass, store::MemoryStore, values::ShopId};
    /// # let client = GmoClient::builder(Environment::Custom("http://127.0.0.1:9".into()))
    /// #     .shop(ShopId::new("tshop00000001")?, ShopPass::new("pass")).build()?;
    /// let payments = Payments::builder(client, Arc::new(MemoryStore::new()))
    ///     .public_url("https://shop.example")
    ///     .build()?;
    /// assert_eq!(payments.gateway_prefix(), "/payments");
    /// assert_eq!(payments.notification_url(), "https://shop.example/payments/notify");
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// ```
    pub fn notification_url(&self) -> String {
        let s = self.settings();
        format!("{}{}{NOTIFY}", s.public_url, s.gateway_prefix)
    }

    /// What the browser is told when a card fails ([`PaymentsBuilder::message_policy`]).
    pub fn message_policy(&self) -> MessagePolicy {
        self.settings().message_policy
    }

    /// The GMO client.
    pub fn client(&self) -> &GmoClient {
        &self.inner.client
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn PaymentStore> {
        &self.inner.store
    }

    /// Runs `pass` every `period` (a missed tick waits for the next) until the returned task is
    /// aborted, logging what each pass did, or why it failed, as `what`.
    fn every<F, Fut>(
        &self,
        period: Duration,
        what: &'static str,
        pass: F,
    ) -> tokio::task::JoinHandle<()>
    where
        F: Fn(Payments) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<String, PaymentError>> + Send,
    {
        let payments = self.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(period);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                match pass(payments.clone()).await {
                    Ok(report) => tracing::debug!(report, "{what}"),
                    Err(e) => tracing::warn!(reason = e.reason(), "{what} failed"),
                }
            }
        })
    }

    /// The payment methods shoppers may choose ([`PaymentsBuilder::payment_methods`]): what a
    /// checkout page offers.
    pub fn payment_methods(&self) -> &PaymentMethods {
        &self.inner.settings.payment_methods
    }

    /// The card-testing throttle the flows settle attempts with, if one was given
    /// ([`PaymentsBuilder::card_testing`]).
    pub fn card_testing(&self) -> Option<&CardTestingThrottle> {
        self.inner.card_testing.as_ref()
    }

    /// Ends a card attempt: a card failure counts, anything else frees its slot.
    async fn settle_attempt(&self, ticket: &AttemptTicket, failed: bool) {
        match &self.inner.card_testing {
            Some(throttle) => throttle.settle_ticket(ticket, failed).await,
            None => tracing::warn!("a card attempt cannot be settled: no card-testing throttle"),
        }
    }

    /// How many charges this handle found at GMO for orders closed as failed or expired, and
    /// acted on ([`UnexpectedCharge`]): a number for the merchant's metrics, where anything but
    /// zero deserves a look.
    pub fn unexpected_charges(&self) -> u64 {
        self.inner
            .unexpected_charges
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A customer's own order. Another customer's order is [`PaymentError::NotFound`], exactly
    /// like a missing one.
    pub async fn order(
        &self,
        customer: &CustomerId,
        order_id: &OrderId,
    ) -> Result<OrderSummary, PaymentError> {
        self.owned_order(customer, order_id)
            .await
            .map(|o| OrderSummary::from(&o))
    }

    /// Any order, for the merchant's own back office.
    pub async fn order_for_admin(&self, order_id: &OrderId) -> Result<OrderSummary, PaymentError> {
        self.load(order_id).await.map(|o| OrderSummary::from(&o))
    }

    async fn load(&self, order_id: &OrderId) -> Result<Order, PaymentError> {
        self.inner
            .store
            .order(order_id)
            .await?
            .ok_or(PaymentError::NotFound)
    }

    async fn owned_order(
        &self,
        customer: &CustomerId,
        order_id: &OrderId,
    ) -> Result<Order, PaymentError> {
        match self.inner.store.order(order_id).await? {
            Some(order) if &order.customer_id == customer => Ok(order),
            _ => Err(PaymentError::NotFound),
        }
    }

    /// Writes `next` if the stored order is still the version `from` was read at.
    async fn cas(&self, from: &Order, mut next: Order) -> Result<Cas, PaymentError> {
        next.updated_at = OffsetDateTime::now_utc();
        next.version = from
            .version
            .checked_add(1)
            .ok_or_else(|| crate::store::StoreError::new("the order's version is exhausted"))?;
        // The card attempt ends with this write: the winner of it settles it, once.
        let attempt = attempt_outcome(from, &next);
        if attempt.is_some() {
            next.card_attempt = None;
        }
        let events = crate::event::events_between(from, &next);
        match self
            .inner
            .store
            .update_order(&next, from.version, &events)
            .await?
        {
            Updated::Done => {
                if let Some((ticket, failed)) = attempt {
                    self.settle_attempt(&ticket, failed).await;
                }
                Ok(Cas::Won(next))
            }
            Updated::Conflict(current) => Ok(Cas::Lost(*current)),
            Updated::NotFound => Err(PaymentError::NotFound),
        }
    }

    /// Moves `order` to `state` (compare-and-set), with `edit` applied to the record: a step of
    /// the flows, which [`OrderState::can_become`] allows (or a write in the same state).
    async fn transition(
        &self,
        order: &Order,
        state: OrderState,
        edit: impl FnOnce(&mut Order),
    ) -> Result<Cas, PaymentError> {
        if state != order.state && !order.state.can_become(state) {
            tracing::error!(from = %order.state, to = %state, "a flow step the order's states do not allow");
            return Err(PaymentError::InvalidState { state: order.state });
        }
        self.record_gmo(order, state, edit).await
    }

    /// Moves `order` to the `state` GMO's status means (compare-and-set): what GMO says is
    /// recorded whatever the flows' own steps allow.
    async fn record_gmo(
        &self,
        order: &Order,
        state: OrderState,
        edit: impl FnOnce(&mut Order),
    ) -> Result<Cas, PaymentError> {
        let mut next = order.clone();
        next.state = state;
        edit(&mut next);
        self.cas(order, next).await
    }

    /// Moves `order` to `state` and answers the order as it then stands (ours or the winner's).
    async fn settle_to(
        &self,
        order: &Order,
        state: OrderState,
        edit: impl FnOnce(&mut Order),
    ) -> Result<Order, PaymentError> {
        Ok(match self.transition(order, state, edit).await? {
            Cas::Won(o) | Cas::Lost(o) => o,
        })
    }

    /// SearchTrade: `None` when GMO has no transaction with this OrderID.
    async fn lookup(&self, order_id: &OrderId) -> Result<Option<TradeState>, GmoError> {
        match self
            .inner
            .client
            .send(&SearchTrade::new(order_id.clone()))
            .await
        {
            Ok(trade) => Ok(Some(trade)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn settings(&self) -> &Settings {
        &self.inner.settings
    }
}

/// Whether writing `next` over `from` ends `from`'s card attempt, and whether as a card failure
/// (declined, unusable card, failed 3-D Secure): the attempt goes on while the order is being
/// executed, at the issuer's page or being finalized.
fn attempt_outcome(from: &Order, next: &Order) -> Option<(AttemptTicket, bool)> {
    use OrderState::*;
    let ticket = from.card_attempt.clone()?;
    if matches!(next.state, Executing | AwaitingThreeDs | Finalizing) {
        return None;
    }
    let card_failed = next.state == Failed
        && next.failure.as_ref().is_some_and(|f| {
            matches!(
                f.kind,
                ErrorKind::Declined | ErrorKind::TokenProblem | ErrorKind::ThreeDSecureFailed
            )
        });
    Some((ticket, card_failed))
}

/// The order state a successful authorisation of `job` leads to.
fn authorized_state(job: &JobCd, purpose: Purpose) -> OrderState {
    match (job, purpose) {
        (_, Purpose::CardRegistration) | (JobCd::Check, _) => OrderState::Verified,
        (JobCd::Capture, _) => OrderState::Captured,
        _ => OrderState::Authorized,
    }
}

/// Copies what SearchTrade says into an order record.
fn record_trade(order: &mut Order, trade: &TradeState) {
    order.gmo_status = Some(trade.status.clone());
    if order.access_id.is_none() {
        order.access_id = Some(trade.access_id.clone());
        order.access_pass = Some(trade.access_pass.clone());
    }
    if !matches!(trade.status, Status::Unprocessed | Status::Authenticated) {
        order.amount = trade.amount;
        order.tax = trade.tax;
        order.tran_id.clone_from(&trade.tran_id);
        order.approve.clone_from(&trade.approve);
        order.forward.clone_from(&trade.forward);
        order.pending_amount = None;
        if trade.method.is_some() {
            order.method = trade.method;
        }
    }
}
