//! The sandbox itself: its state behind one lock, the one path every API call takes
//! ([`Sandbox::call`]), and the inspection methods for tests.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use gmo_core::wire::parse_form;

use crate::api::{Answer, Api, Ctx, Step};
use crate::config::{SandboxBuilder, Settings};
use crate::events::StateChange;
use crate::inspect::{MemberSnapshot, TransactionSnapshot};
use crate::state::Ledger;
use crate::tokens::{IssuedTokens, TokenError, TokenRequest};

/// The content type of every GMO answer.
pub const RESPONSE_CONTENT_TYPE: &str = "text/plain;charset=Windows-31J";

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
}

impl Sandbox {
    /// A builder with the default settings.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    pub(crate) fn new(settings: Settings, base_url: String) -> Self {
        let ledger = Mutex::new(Ledger::new(&settings));
        Self {
            inner: Arc::new(Inner {
                settings,
                base_url,
                ledger,
            }),
        }
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
        }
    }

    /// Every API call passes here: method and content-type checks, decoding, counting, the
    /// handler under the lock, the slow issuer's delay outside it, and the listeners. Returns
    /// the body of the (always HTTP 200) answer.
    pub(crate) async fn call(&self, call: ApiCall<'_>) -> Vec<u8> {
        let api = Api::from_path_segment(call.segment);
        let count = |api: Option<Api>| {
            if let Some(api) = api {
                self.with_ledger(|ledger, _| ledger.count_call(api.name(), None));
            }
        };
        match call.method {
            CallMethod::Post => {}
            CallMethod::Get => {
                count(api);
                return Answer::error("E31500014").to_body();
            }
            CallMethod::Other => {
                count(api);
                return Answer::error("E00000001").to_body();
            }
        }
        let Some(api) = api else {
            return Answer::error("E91099997").to_body();
        };
        let form_content = call.content_type.is_some_and(|ct| {
            ct.split(';').next().is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
        if !form_content {
            count(Some(api));
            return Answer::error("E00000003").to_body();
        }
        let Ok(form) = parse_form(call.body) else {
            count(Some(api));
            return Answer::error("E00000010").to_body();
        };
        let step = self.with_ledger(|ledger, ctx| {
            let order_id = form
                .get_non_empty("OrderID")
                .map(str::to_owned)
                .or_else(|| {
                    let access_id = form.get_non_empty("AccessID")?;
                    ledger
                        .transactions
                        .get(access_id)
                        .map(|tx| tx.order_id.clone())
                });
            ledger.count_call(api.name(), order_id);
            api.handle(ledger, ctx, &form)
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
        answer.to_body()
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

    /// Every state change so far, oldest first.
    pub fn state_changes(&self) -> Vec<StateChange> {
        self.ledger().history.clone()
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
