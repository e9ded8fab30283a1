//! The sandbox itself: its state behind one lock, the one path every API call takes
//! ([`Sandbox::call`]), and the inspection methods for tests.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use gmo_core::wire::{FormFields, parse_form};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::api::{Answer, Api, Ctx, Step};
use crate::config::{ContentTypeVariant, SandboxBuilder, Settings};
use crate::events::StateChange;
use crate::faults::{Fault, FaultKind, FaultPlan, FaultStatus, FiredFault, Firing};
use crate::inspect::{MemberSnapshot, TransactionSnapshot};
use crate::notifications::sender::{Envelope, RetryPolicy};
use crate::notifications::{
    Delivery, DeliveryOutcome, Notifier, NotifyError, connectivity_test_form, is_notified,
    state_change_form,
};
use crate::state::Ledger;
use crate::tokens::{IssuedTokens, TokenError, TokenRequest};

/// The content type of GMO's answers (unless another [`ContentTypeVariant`] is configured).
pub const RESPONSE_CONTENT_TYPE: &str = "text/plain;charset=Windows-31J";

/// `ErrInfo` of the throttling fault.
const THROTTLED: &str = "E92000001";
/// `ErrInfo` of the unknown-outcome faults.
const UNKNOWN_OUTCOME: &str = "E91099999";

/// A GMO simulator: state, API handlers and inspection. Cheap to clone (clones share the state).
///
/// Get one by [`Sandbox::builder`] and [`SandboxBuilder::spawn`], which serves it over HTTP; a
/// [`RunningSandbox`](crate::RunningSandbox) dereferences to it.
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    base_url: String,
    ledger: Mutex<Ledger>,
    faults: Mutex<FaultPlan>,
    /// Whether `faults` may hold an armed fault (a lock-free fast path for the common case).
    has_faults: AtomicBool,
    /// The global latency, in microseconds.
    latency_us: AtomicU64,
    notifier: Notifier,
    /// Notification URL of the shops without their own.
    notify_url: RwLock<Option<String>>,
    /// Draws [`ContentTypeVariant::Random`].
    content_type_rng: Mutex<StdRng>,
}

/// What the HTTP layer does with a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reply {
    /// HTTP 200 with this GMO answer.
    Answer(Vec<u8>),
    /// HTTP 503 with a maintenance page.
    ServiceUnavailable,
    /// Close the connection without an answer.
    Drop,
    /// HTTP 200 with an HTML page.
    Garbage,
    /// HTTP 200 announcing this answer, half of it sent, then the connection closed.
    Truncated(Vec<u8>),
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.inner.base_url)
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

/// The HTTP method of an API call, as far as GMO cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallMethod {
    Post,
    Get,
    Other,
}

/// One request to `/payment/<segment>`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ApiCall<'a> {
    pub(crate) method: CallMethod,
    /// The last path segment, e.g. `EntryTran.idPass`.
    pub(crate) segment: &'a str,
    pub(crate) content_type: Option<&'a str>,
    pub(crate) body: &'a [u8],
    /// The body was announced in a supported content type but could not be read (a multipart
    /// body that does not parse or is not Windows-31J): `E00000010`, as for a urlencoded one.
    pub(crate) malformed: bool,
}

impl Sandbox {
    /// A builder with the default settings.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// A sandbox; its notifications go out on the current tokio runtime.
    pub(crate) fn new(settings: Settings, base_url: String) -> Self {
        let ledger = Mutex::new(Ledger::new(&settings));
        let notifier = Notifier::new(
            RetryPolicy {
                retries: settings.notify_retries,
                interval: settings.notify_interval,
                timeout: settings.notify_timeout,
            },
            settings.history_limit,
        );
        let sandbox = Self {
            inner: Arc::new(Inner {
                base_url,
                ledger,
                faults: Mutex::new(FaultPlan::new(settings.history_limit)),
                has_faults: AtomicBool::new(false),
                latency_us: AtomicU64::new(0),
                notifier,
                notify_url: RwLock::new(None),
                content_type_rng: Mutex::new(content_type_rng(&settings)),
                settings,
            }),
        };
        sandbox.restore_settings();
        sandbox
    }

    /// Latency, faults and the notification URL as configured.
    fn restore_settings(&self) {
        let settings = &self.inner.settings;
        self.set_latency(settings.latency);
        {
            let mut plan = self.fault_plan();
            plan.reset();
            for fault in &settings.faults {
                plan.add(fault.clone());
            }
            self.inner
                .has_faults
                .store(!plan.is_empty(), Ordering::Release);
        }
        self.set_notify_url(settings.notify_url.clone());
    }

    /// The `Content-Type` of the next protocol answer, as configured
    /// ([`SandboxBuilder::content_type_variant`]).
    pub(crate) fn answer_content_type(&self) -> &'static str {
        if let Some(header) = self.inner.settings.content_type.header() {
            return header;
        }
        let index = self
            .inner
            .content_type_rng
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .random_range(0..ContentTypeVariant::FIXED.len());
        ContentTypeVariant::FIXED
            .get(index)
            .map_or(RESPONSE_CONTENT_TYPE, |(_, header)| header)
    }

    /// The base URL, e.g. `http://127.0.0.1:40123`; APIs are under `/payment/`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The ShopID of the first shop.
    pub fn shop_id(&self) -> &str {
        self.inner
            .settings
            .shops
            .first()
            .map_or("", |s| s.id.as_str())
    }

    /// The ShopPass of the first shop.
    pub fn shop_pass(&self) -> &str {
        self.inner
            .settings
            .shops
            .first()
            .map_or("", |s| s.pass.as_str())
    }

    /// The SiteID of the first site.
    pub fn site_id(&self) -> &str {
        self.inner
            .settings
            .sites
            .first()
            .map_or("", |s| s.id.as_str())
    }

    /// The SitePass of the first site.
    pub fn site_pass(&self) -> &str {
        self.inner
            .settings
            .sites
            .first()
            .map_or("", |s| s.pass.as_str())
    }

    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        // A panic while holding the lock cannot leave the ledger half-written in a way that
        // matters more than refusing every later call would.
        self.inner
            .ledger
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            settings: &self.inner.settings,
            now: self.inner.settings.clock.now(),
            base_url: &self.inner.base_url,
        }
    }

    /// Runs `f` on the ledger under the lock, then hands the state changes it made to the
    /// listeners once the lock is released.
    pub(crate) fn with_ledger<R>(&self, f: impl FnOnce(&mut Ledger, &Ctx<'_>) -> R) -> R {
        let ctx = self.ctx();
        let (result, changes) = {
            let mut ledger = self.ledger();
            let result = f(&mut ledger, &ctx);
            (result, std::mem::take(&mut ledger.pending_changes))
        };
        self.announce(&changes);
        result
    }

    fn announce(&self, changes: &[StateChange]) {
        for change in changes {
            for listener in &self.inner.settings.listeners {
                listener(change);
            }
            self.notify(change);
        }
    }

    /// Queues the result notification of a state change, if the shop has a URL.
    fn notify(&self, change: &StateChange) {
        if !is_notified(change.api) {
            return;
        }
        let Some(url) = self.notify_url_of(&change.shop_id) else {
            return;
        };
        let body = match state_change_form(change) {
            Ok(body) => body,
            Err(error) => {
                tracing::warn!(%error, "gmo-sandbox cannot encode a notification");
                return;
            }
        };
        let record = Delivery {
            id: 0,
            url: url.clone(),
            shop_id: change.shop_id.clone(),
            order_id: change.order_id.clone(),
            status: Some(change.to.clone()),
            job_cd: Some(change.job_cd.clone()),
            api: change.api.to_owned(),
            connectivity_test: false,
            body: body.clone(),
            attempts: Vec::new(),
            outcome: DeliveryOutcome::Pending,
        };
        self.inner.notifier.enqueue(
            (change.shop_id.clone(), change.order_id.clone()),
            Envelope { url, body, record },
        );
    }

    /// The notification URL of a shop: its own, or the sandbox's.
    fn notify_url_of(&self, shop_id: &str) -> Option<String> {
        let shop = self.inner.settings.shops.iter().find(|s| s.id == shop_id)?;
        shop.notify_url.clone().or_else(|| {
            self.inner
                .notify_url
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .clone()
        })
    }

    fn fault_plan(&self) -> MutexGuard<'_, FaultPlan> {
        self.inner
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn pick_fault(&self, api: Api) -> Option<Firing> {
        if !self.inner.has_faults.load(Ordering::Acquire) {
            return None;
        }
        self.fault_plan().pick(api)
    }

    fn record_fault(&self, firing: Firing, api: Api, order_id: Option<String>) {
        tracing::info!(
            api = api.name(),
            fault = firing.kind.name(),
            "gmo-sandbox fault fired"
        );
        self.fault_plan().record(firing, api, order_id);
    }

    /// Every API call passes here: faults and latency, method and content-type checks,
    /// decoding, counting, the handler under the lock, the slow issuer's delay outside it, and
    /// the listeners. Returns what to reply.
    pub(crate) async fn call(&self, call: ApiCall<'_>) -> Reply {
        let Some(api) = Api::from_path_segment(call.segment) else {
            return Reply::Answer(Answer::error("E91099997").to_body());
        };
        let firing = self.pick_fault(api);
        let mut latency = self.latency();
        if let Some(Firing {
            kind: FaultKind::Latency(extra),
            ..
        }) = firing
        {
            latency += extra;
        }
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        if let Some(firing) = firing.filter(|f| !f.kind.commits()) {
            // Nothing happens, but the call was received.
            let form = parse_form(call.body).ok();
            let order_id = self.with_ledger(|ledger, _| {
                let order_id = order_of(ledger, form.as_ref());
                ledger.count_call(api.name(), order_id.clone());
                order_id
            });
            self.record_fault(firing, api, order_id);
            return match firing.kind {
                FaultKind::ServiceUnavailable => Reply::ServiceUnavailable,
                FaultKind::DropBeforeCommit => Reply::Drop,
                FaultKind::Throttled => Reply::Answer(Answer::error(THROTTLED).to_body()),
                _ => Reply::Answer(Answer::error(UNKNOWN_OUTCOME).to_body()),
            };
        }
        let (body, order_id) = self.answer(api, call).await;
        let Some(firing) = firing else {
            return Reply::Answer(body);
        };
        self.record_fault(firing, api, order_id);
        match firing.kind {
            FaultKind::DropAfterCommit => Reply::Drop,
            FaultKind::GarbageAfterCommit => Reply::Garbage,
            FaultKind::TruncatedAfterCommit => Reply::Truncated(body),
            FaultKind::UnknownOutcomeAfterCommit => {
                Reply::Answer(Answer::error(UNKNOWN_OUTCOME).to_body())
            }
            _ => Reply::Answer(body),
        }
    }

    /// The API proper: the body of its (HTTP 200) answer, and the order the call named.
    async fn answer(&self, api: Api, call: ApiCall<'_>) -> (Vec<u8>, Option<String>) {
        let count = || {
            self.with_ledger(|ledger, _| ledger.count_call(api.name(), None));
        };
        match call.method {
            CallMethod::Post => {}
            CallMethod::Get => {
                count();
                return (Answer::error("E31500014").to_body(), None);
            }
            CallMethod::Other => {
                count();
                return (Answer::error("E00000001").to_body(), None);
            }
        }
        let form_content = call.content_type.is_some_and(|ct| {
            ct.split(';').next().is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
        if !form_content {
            count();
            return (Answer::error("E00000003").to_body(), None);
        }
        // Bytes that are not Windows-31J are a malformed body whatever form carried them.
        let form = parse_form(call.body).ok().filter(|_| !call.malformed);
        let Some(form) = form else {
            count();
            return (Answer::error("E00000010").to_body(), None);
        };
        let (step, order_id) = self.with_ledger(|ledger, ctx| {
            let order_id = order_of(ledger, Some(&form));
            ledger.count_call(api.name(), order_id.clone());
            (api.handle(ledger, ctx, &form), order_id)
        });
        let answer = match step {
            Step::Done(answer) => answer,
            Step::Later(delay, then) => {
                tokio::time::sleep(delay).await;
                self.with_ledger(|ledger, ctx| then(ledger, ctx))
            }
        };
        if let Some(errors) = answer.error_pairs() {
            tracing::debug!(api = api.name(), ?errors, "sandbox error answer");
        }
        (answer.to_body(), order_id)
    }

    /// How many calls an API received (failed ones included).
    pub fn calls(&self, api: Api) -> u64 {
        self.ledger()
            .calls_by_api
            .get(api.name())
            .copied()
            .unwrap_or(0)
    }

    /// How many calls named an order (by `OrderID`, or by the `AccessID` of its transaction).
    pub fn calls_for_order(&self, order_id: &str) -> u64 {
        self.ledger()
            .calls_by_order
            .get(order_id)
            .copied()
            .unwrap_or(0)
    }

    /// How many calls an API received for an order (named by `OrderID`, or by the `AccessID` of
    /// its transaction), failed ones included: e.g. whether a shop sent SecureTran2 once.
    pub fn calls_of(&self, api: Api, order_id: &str) -> u64 {
        self.ledger()
            .calls_by_order_and_api
            .get(order_id)
            .and_then(|by_api| by_api.get(api.name()))
            .copied()
            .unwrap_or(0)
    }

    /// Calls per API name.
    pub fn call_counts(&self) -> BTreeMap<String, u64> {
        self.ledger()
            .calls_by_api
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }

    /// The transaction of an order of the first shop.
    pub fn transaction(&self, order_id: &str) -> Option<TransactionSnapshot> {
        self.transaction_of(self.shop_id(), order_id)
    }

    /// The transaction of an order of a shop.
    pub fn transaction_of(&self, shop_id: &str, order_id: &str) -> Option<TransactionSnapshot> {
        self.ledger()
            .order(shop_id, order_id)
            .map(TransactionSnapshot::of)
    }

    /// A member of the first site.
    pub fn member(&self, member_id: &str) -> Option<MemberSnapshot> {
        self.member_of(self.site_id(), member_id)
    }

    /// A member of a site.
    pub fn member_of(&self, site_id: &str, member_id: &str) -> Option<MemberSnapshot> {
        self.ledger()
            .members
            .get(&(site_id.to_owned(), member_id.to_owned()))
            .map(|m| MemberSnapshot::of(site_id, m))
    }

    /// Every member of every site (deleted members are gone), by site and MemberID: what a
    /// test reads to check that a customer's member was deleted without knowing its id.
    pub fn members(&self) -> Vec<MemberSnapshot> {
        let ledger = self.ledger();
        let mut members: Vec<MemberSnapshot> = ledger
            .members
            .iter()
            .map(|((site_id, _), m)| MemberSnapshot::of(site_id, m))
            .collect();
        members.sort_by(|a, b| (&a.site_id, &a.member_id).cmp(&(&b.site_id, &b.member_id)));
        members
    }

    /// How many calls named each order.
    pub fn call_counts_by_order(&self) -> BTreeMap<String, u64> {
        self.ledger()
            .calls_by_order
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }

    /// The state changes so far, oldest first (the most recent
    /// [`history_limit`](SandboxBuilder::history_limit) ones).
    pub fn state_changes(&self) -> Vec<StateChange> {
        self.ledger().history.iter().cloned().collect()
    }

    // -----------------------------------------------------------------------------------------
    // Faults and latency

    /// Arms a fault; returns its id. Faults are consulted in the order they were added.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use gmo_sandbox::{Api, Fault, FaultKind, Sandbox};
    ///
    /// let sandbox = Sandbox::builder().spawn().await?;
    /// let id = sandbox.add_fault(Fault::new(FaultKind::Throttled).on(Api::EntryTran).times(3));
    /// assert_eq!(sandbox.faults()[0].id, id);
    /// assert_eq!(sandbox.faults()[0].remaining, Some(3));
    /// sandbox.clear_faults();
    /// assert!(sandbox.faults().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn add_fault(&self, fault: Fault) -> u64 {
        let mut plan = self.fault_plan();
        let id = plan.add(fault);
        self.inner.has_faults.store(true, Ordering::Release);
        id
    }

    /// Disarms every fault (the record of fired faults stays).
    pub fn clear_faults(&self) {
        let mut plan = self.fault_plan();
        plan.clear();
        self.inner.has_faults.store(false, Ordering::Release);
    }

    /// The armed faults, in order, with their counters (used-up ones included).
    pub fn faults(&self) -> Vec<FaultStatus> {
        self.fault_plan().statuses()
    }

    /// Every fault that fired, oldest first.
    pub fn fired_faults(&self) -> Vec<FiredFault> {
        self.fault_plan().fired()
    }

    /// Sets the delay added to every API call.
    pub fn set_latency(&self, latency: Duration) {
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.inner.latency_us.store(us, Ordering::Relaxed);
    }

    /// The delay added to every API call.
    pub fn latency(&self) -> Duration {
        Duration::from_micros(self.inner.latency_us.load(Ordering::Relaxed))
    }

    // -----------------------------------------------------------------------------------------
    // Notifications

    /// Sets (or with `None` removes) the notification URL of the shops without their own.
    pub fn set_notify_url(&self, url: Option<String>) {
        *self
            .inner
            .notify_url
            .write()
            .unwrap_or_else(PoisonError::into_inner) = url;
    }

    /// Sends GMO's connectivity test (`ErrCode=E00&ErrInfo=E00000000`) to the first shop's
    /// notification URL; returns the delivery's id.
    pub fn send_connectivity_test(&self) -> Result<u64, NotifyError> {
        self.send_connectivity_test_for(self.shop_id())
    }

    /// Sends the connectivity test to a shop's notification URL; returns the delivery's id.
    pub fn send_connectivity_test_for(&self, shop_id: &str) -> Result<u64, NotifyError> {
        if !self.inner.settings.shops.iter().any(|s| s.id == shop_id) {
            return Err(NotifyError::UnknownShop(shop_id.to_owned()));
        }
        let url = self
            .notify_url_of(shop_id)
            .ok_or_else(|| NotifyError::NoUrl(shop_id.to_owned()))?;
        // A ShopID is ASCII (the configuration is checked at start), so encoding cannot fail.
        let body = connectivity_test_form(shop_id).unwrap_or_default();
        let record = Delivery {
            id: 0,
            url: url.clone(),
            shop_id: shop_id.to_owned(),
            order_id: String::new(),
            status: None,
            job_cd: None,
            api: String::new(),
            connectivity_test: true,
            body: body.clone(),
            attempts: Vec::new(),
            outcome: DeliveryOutcome::Pending,
        };
        Ok(self.inner.notifier.enqueue(
            (shop_id.to_owned(), String::new()),
            Envelope { url, body, record },
        ))
    }

    /// The notification deliveries so far (the most recent
    /// [`history_limit`](SandboxBuilder::history_limit) ones), oldest first.
    pub fn notifications(&self) -> Vec<Delivery> {
        self.inner.notifier.deliveries()
    }

    /// Waits until every notification is delivered or given up, at most `timeout`; whether
    /// they all are.
    pub async fn notifications_settled(&self, timeout: Duration) -> bool {
        self.inner.notifier.settled(timeout).await
    }

    // -----------------------------------------------------------------------------------------
    // Clock and reset

    /// Moves the sandbox's clock forward, if it is a [`ManualClock`](crate::ManualClock);
    /// whether it moved.
    pub fn advance_clock(&self, by: Duration) -> bool {
        self.inner.settings.clock.advance(by)
    }

    /// Forgets every transaction, member, token, counter, state change, fault and delivery
    /// record, and restores the configured latency, faults and notification URL: the sandbox
    /// is as it was when spawned. Notifications under way still finish.
    pub fn reset(&self) {
        *self.ledger() = Ledger::new(&self.inner.settings);
        *self
            .inner
            .content_type_rng
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = content_type_rng(&self.inner.settings);
        self.inner.notifier.forget();
        self.restore_settings();
    }

    /// Issues one token for a card of the first shop, as `POST /sandbox/tokens` does.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sandbox = gmo_sandbox::Sandbox::builder().spawn().await?;
    /// let token = sandbox.issue_token("4111111111111111", "2812", "123")?;
    /// assert_eq!(token.len(), 64);
    /// assert_eq!(sandbox.issue_token("4111111111111112", "2812", "123").unwrap_err().code, "102");
    /// # Ok(()) }
    /// ```
    pub fn issue_token(
        &self,
        card_no: &str,
        expire: &str,
        cvc: &str,
    ) -> Result<String, TokenError> {
        let request = TokenRequest::card(card_no, expire).securitycode(cvc);
        let issued = self.issue_tokens(request)?;
        Ok(issued.tokens.into_iter().next().unwrap_or_default())
    }

    /// Issues tokens as `POST /sandbox/tokens` does; `shopid` defaults to the first shop.
    pub fn issue_tokens(&self, mut request: TokenRequest) -> Result<IssuedTokens, TokenError> {
        if request.shopid.is_none() {
            request.shopid = Some(self.shop_id().to_owned());
        }
        self.issue_tokens_exactly(&request)
    }

    /// Issues tokens for a request taken as is (the HTTP endpoint: a missing `shopid` is `160`).
    pub(crate) fn issue_tokens_exactly(
        &self,
        request: &TokenRequest,
    ) -> Result<IssuedTokens, TokenError> {
        let settings = &self.inner.settings;
        self.with_ledger(|ledger, ctx| {
            let Ledger { shops, tokens, .. } = ledger;
            tokens.issue(
                request,
                |shop| shops.contains_key(shop),
                ctx.now,
                settings.token_ttl,
                settings.token_style,
            )
        })
    }
}

/// The generator of [`ContentTypeVariant::Random`]: seeded apart from the approval numbers'
/// (which use the seed itself), so that the two draws do not follow each other.
fn content_type_rng(settings: &Settings) -> StdRng {
    StdRng::seed_from_u64(settings.variant_seed.wrapping_add(1))
}

/// The order a call names: its `OrderID`, or the order of the transaction its `AccessID` names.
fn order_of(ledger: &Ledger, form: Option<&FormFields>) -> Option<String> {
    let form = form?;
    form.get_non_empty("OrderID")
        .map(str::to_owned)
        .or_else(|| {
            let access_id = form.get_non_empty("AccessID")?;
            ledger
                .transactions
                .get(access_id)
                .map(|tx| tx.order_id.clone())
        })
}
