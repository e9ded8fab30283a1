//! One whole 3-D Secure checkout, two ways: through a shop over HTTP (gmo-scenarios' shopper
//! steps: sign in, order, token, pay, the issuer's page, the return), or as the same GMO calls
//! sent straight to the sandbox with `GmoClient` (the limit no shop can beat). And the check
//! afterwards that every order ended where GMO says, with each GMO call made once.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use gmo_core::api::{
    CardSource, EntryTran, ExecTran, ExecTranOutcome, SecureTran2, ThreeDSecureEntry,
    ThreeDSecureExec,
};
use gmo_core::values::{Amount, RetUrl};
use gmo_core::values::{Method, OrderId, ShopId};
use gmo_core::{CardToken, Environment, GmoClient, ShopPass};
use gmo_sandbox::AcsBrowser;
use gmo_scenarios::driver::{Body, Client};
use gmo_scenarios::shopping;
use serde_json::{Value, json};

use crate::BoxError;

/// The product every checkout buys.
pub const PRODUCT: &str = "matcha";

/// GMO calls of one checkout: EntryTran, ExecTran, SecureTran2.
pub const GMO_CALLS_PER_CHECKOUT: u64 = 3;

/// A test card of the sandbox and the one-time password its issuer page wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Card {
    /// 4111 1111 1111 1111: the issuer's page sends the browser straight back.
    Frictionless,
    /// 4100 0000 0000 5000: the issuer's page asks for the one-time password.
    Challenge,
}

impl Card {
    /// Every other checkout uses the challenge card.
    pub fn for_checkout(index: usize) -> Self {
        if index.is_multiple_of(2) {
            Self::Frictionless
        } else {
            Self::Challenge
        }
    }

    fn number(self) -> &'static str {
        match self {
            Self::Frictionless => "4111111111111111",
            Self::Challenge => "4100000000005000",
        }
    }
}

/// Where checkouts go.
#[derive(Debug, Clone)]
pub enum Target {
    /// The GMO calls straight to the sandbox.
    Direct,
    /// A shop at this base URL.
    Shop(String),
}

/// A checkout that went through.
#[derive(Debug)]
pub struct Checkout {
    /// The order (GMO's OrderID).
    pub order_id: String,
    /// How long it took, first request to last answer.
    pub latency: Duration,
    /// The shopper, signed in (shops only): to look at the order afterwards.
    pub shopper: Option<Client>,
}

/// What the checkouts share: the HTTP pool to the sandbox (tokens, the issuer's pages,
/// inspection), the GMO client of direct checkouts.
#[derive(Debug, Clone)]
pub struct Driver {
    sandbox: String,
    sandbox_http: reqwest::Client,
    browser: AcsBrowser,
    gmo: GmoClient,
    amount: u32,
}

impl Driver {
    /// A driver for the sandbox at `sandbox_url` (its default shop).
    pub fn new(sandbox_url: &str) -> Result<Self, BoxError> {
        let sandbox = sandbox_url.trim_end_matches('/').to_owned();
        let gmo = GmoClient::builder(Environment::Custom(sandbox.clone()))
            .shop(
                ShopId::new(gmo_sandbox::DEFAULT_SHOP_ID)?,
                ShopPass::new(gmo_sandbox::DEFAULT_SHOP_PASS),
            )
            .request_timeout(Duration::from_secs(60))
            .build()?;
        let amount = shop_common::catalogue::product(PRODUCT)
            .ok_or("the product is in the catalogue")?
            .price_yen;
        // One pool to the sandbox for tokens, the issuer's pages and inspection, with a bound
        // on idle connections (thousands of shoppers, one file descriptor limit).
        let sandbox_http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(1024)
            .build()?;
        Ok(Self {
            sandbox,
            browser: AcsBrowser::with_client(sandbox_http.clone()),
            sandbox_http,
            gmo,
            amount,
        })
    }

    /// A one-time token for `card`, from the sandbox's token endpoint (what token.js calls).
    pub async fn token(&self, card: Card) -> Result<String, BoxError> {
        let answer = self
            .sandbox_http
            .post(format!("{}/sandbox/tokens", self.sandbox))
            .form(&[
                ("cardno", card.number()),
                ("expire", "2812"),
                ("securitycode", "123"),
                ("shopid", gmo_sandbox::DEFAULT_SHOP_ID),
            ])
            .send()
            .await?
            .bytes()
            .await?;
        let answer: Value = serde_json::from_slice(&answer)?;
        answer["tokenObject"]["token"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("no token: resultCode {}", answer["resultCode"]).into())
    }

    /// Checkout number `index` of run `run` (`{run}-{index}` is the OrderID of a direct
    /// checkout; shops number their orders themselves).
    /// `browser` is the simulated browser's HTTP client (its connections to the shop; made by
    /// `gmo_scenarios::driver::Client::http_client`); each checkout is a new session on it.
    pub async fn checkout(
        &self,
        target: &Target,
        run: &str,
        index: usize,
        browser: &reqwest::Client,
    ) -> Result<Checkout, BoxError> {
        let card = Card::for_checkout(index);
        match target {
            Target::Direct => self.direct(&format!("{run}-{index}"), card).await,
            Target::Shop(url) => {
                // The demo shop's customers take turns (it signs in only its own users).
                let customers: Vec<&str> = shop_common::users::USERS
                    .iter()
                    .filter(|u| !u.admin)
                    .map(|u| u.id)
                    .collect();
                let user = customers
                    .get(index % customers.len().max(1))
                    .ok_or("the shop has no customers")?;
                self.through_shop(url, user, card, browser).await
            }
        }
    }

    /// Customer `user`, in a new session, buys [`PRODUCT`] at the shop at `url` and pays with a
    /// new `card` through 3-D Secure. The steps panic on an unexpected answer (they are the scenario
    /// tests'); the load runner counts a panic as an error.
    async fn through_shop(
        &self,
        url: &str,
        user: &str,
        card: Card,
        browser: &reqwest::Client,
    ) -> Result<Checkout, BoxError> {
        let shopper = Client::with_http(url, browser.clone());
        let started = Instant::now();
        shopper.sign_in(user).await;
        let order_id = shopping::buy(&shopper, PRODUCT).await;
        let token = self.token(card).await?;
        let payment = shopping::pay_with(
            &self.browser,
            &shopper,
            &order_id,
            json!({ "token": token }),
            gmo_sandbox::CHALLENGE_OTP,
        )
        .await;
        let latency = started.elapsed();
        let returned = payment
            .returned
            .ok_or_else(|| format!("no 3-D Secure redirect: {}", payment.confirmation))?;
        if returned.status != 303 || returned.location() != Some(format!("/orders/{order_id}")) {
            return Err(format!("the 3-D Secure return answered {returned}").into());
        }
        Ok(Checkout {
            order_id,
            latency,
            shopper: Some(shopper),
        })
    }

    /// The GMO calls of a checkout, straight to the sandbox: a token, EntryTran (with
    /// 3-D Secure), ExecTran with the token, the issuer's page, SecureTran2.
    async fn direct(&self, order_id: &str, card: Card) -> Result<Checkout, BoxError> {
        let started = Instant::now();
        let token = self.token(card).await?;
        let order = OrderId::new(order_id)?;
        let entry = EntryTran::auth(order.clone(), Amount::new(self.amount)?)
            .with_three_d_secure(ThreeDSecureEntry::new());
        let keys = self.gmo.send(&entry).await?;
        let mut exec = ExecTran::new(
            keys.access_id.clone(),
            keys.access_pass.clone(),
            order,
            CardSource::Token(CardToken::new(token)),
        );
        exec.method = Some(Method::Lump);
        exec.three_d_secure = Some(ThreeDSecureExec::new(RetUrl::new(format!(
            "http://127.0.0.1:9/return/{order_id}"
        ))?));
        let ExecTranOutcome::ThreeDSecure { redirect_url } = self.gmo.send(&exec).await? else {
            return Err("ExecTran authorised without 3-D Secure".into());
        };
        let form = self
            .browser
            .authenticate(&redirect_url, gmo_sandbox::CHALLENGE_OTP)
            .await?;
        let returned_id = form
            .fields
            .iter()
            .find(|(k, _)| k == "AccessID")
            .map(|(_, v)| v.as_str());
        if returned_id != Some(keys.access_id.as_str()) {
            return Err("the issuer's page returned another AccessID".into());
        }
        self.gmo
            .send(&SecureTran2::new(keys.access_id, keys.access_pass))
            .await?;
        Ok(Checkout {
            order_id: order_id.to_owned(),
            latency: started.elapsed(),
            shopper: None,
        })
    }

    /// GMO calls per order so far (`GET /sandbox/calls`).
    pub async fn calls_by_order(&self) -> Result<BTreeMap<String, u64>, BoxError> {
        let calls = self
            .sandbox_http
            .get(format!("{}/sandbox/calls", self.sandbox))
            .send()
            .await?
            .bytes()
            .await?;
        let calls: Value = serde_json::from_slice(&calls)?;
        Ok(calls["by_order"]
            .as_object()
            .ok_or("no by_order")?
            .iter()
            .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
            .collect())
    }

    /// Checks `checkouts` (those that went through) and every order the sandbox saw since
    /// `before` (the [`Driver::calls_by_order`] of before they ran; `attempted` checkouts were
    /// started): each successful checkout's order is `AUTH` at GMO and `authorized` at the
    /// shop, no order had more than [`GMO_CALLS_PER_CHECKOUT`] calls, and there are no more
    /// orders at GMO than checkouts started.
    pub async fn verify(
        &self,
        checkouts: &[Checkout],
        before: &BTreeMap<String, u64>,
        attempted: usize,
    ) -> Result<Verification, BoxError> {
        let after = self.calls_by_order().await?;
        let mut verification = Verification {
            attempted,
            completed: checkouts.len(),
            ..Verification::default()
        };
        for (id, calls) in after.iter().filter(|(id, _)| !before.contains_key(*id)) {
            verification.orders_at_gmo += 1;
            let problem = format!("order {id}: {calls} GMO calls");
            if *calls > GMO_CALLS_PER_CHECKOUT {
                verification.doubled_calls += 1;
                verification.note(problem);
            } else if *calls < GMO_CALLS_PER_CHECKOUT {
                verification.incomplete += 1;
                if verification.incomplete <= 3 {
                    verification.note(problem);
                }
            }
        }
        let agreements: Vec<Agreement> = futures_util::stream::iter(checkouts)
            .map(|checkout| async move {
                self.check_order(checkout)
                    .await
                    .unwrap_or_else(|e| Agreement::Disagree(format!("cannot look: {e}")))
            })
            .buffer_unordered(32)
            .collect()
            .await;
        for agreement in agreements {
            match agreement {
                Agreement::Authorized => verification.authorized += 1,
                Agreement::Unfinished(problem) => {
                    verification.unfinished += 1;
                    if verification.unfinished <= 3 {
                        verification.note(problem);
                    }
                }
                Agreement::Disagree(problem) => {
                    verification.lost += 1;
                    verification.note(problem);
                }
            }
        }
        Ok(verification)
    }

    /// The order of a checkout that went through, at GMO and at the shop.
    async fn check_order(&self, checkout: &Checkout) -> Result<Agreement, BoxError> {
        let id = &checkout.order_id;
        let transaction = self
            .sandbox_http
            .get(format!("{}/sandbox/transactions/{id}", self.sandbox))
            .send()
            .await?
            .bytes()
            .await?;
        let transaction: Value = serde_json::from_slice(&transaction)?;
        let status = transaction["status"].as_str().unwrap_or("none").to_owned();
        let gmo_paid = matches!(status.as_str(), "AUTH" | "CAPTURE" | "SALES");
        let Some(shopper) = &checkout.shopper else {
            return Ok(if status == "AUTH" {
                Agreement::Authorized
            } else {
                Agreement::Disagree(format!("order {id}: GMO says {status}"))
            });
        };
        // A shop that refuses or drops the connection makes a disagreement, not a panic.
        let answer = shopper
            .try_request(
                "GET",
                &format!("/orders/{id}"),
                Body::Empty,
                &[("accept", "application/json")],
            )
            .await?;
        let state = answer.json()["state"].as_str().unwrap_or("none").to_owned();
        Ok(match (state.as_str() == "authorized", gmo_paid) {
            (true, true) if status == "AUTH" => Agreement::Authorized,
            // Neither says paid: the payment is unfinished (reconciliation settles it).
            (false, false) => {
                Agreement::Unfinished(format!("order {id}: the shop says {state}, GMO {status}"))
            }
            _ => Agreement::Disagree(format!("order {id}: the shop says {state}, GMO {status}")),
        })
    }
}

/// Where an order stands at GMO and at the shop.
#[derive(Debug)]
enum Agreement {
    /// Authorised at both.
    Authorized,
    /// Paid at neither: the payment did not finish (e.g. SecureTran2 could not be sent).
    Unfinished(String),
    /// One says paid and the other does not, or the order could not be looked at.
    Disagree(String),
}

/// What [`Driver::verify`] found.
#[derive(Debug, Clone, Default)]
pub struct Verification {
    /// Checkouts started.
    pub attempted: usize,
    /// Checkouts whose shopper was sent to the order page.
    pub completed: usize,
    /// Of those, orders authorised at GMO and at the shop.
    pub authorized: usize,
    /// Of those, orders paid at neither (the shop and GMO agree the payment did not finish).
    pub unfinished: usize,
    /// New orders at GMO.
    pub orders_at_gmo: usize,
    /// Orders with more than [`GMO_CALLS_PER_CHECKOUT`] calls (a call made twice).
    pub doubled_calls: usize,
    /// Orders with fewer calls (checkouts that failed or did not finish on the way).
    pub incomplete: usize,
    /// Of those, orders on which the shop and GMO disagree (or that could not be looked at).
    pub lost: usize,
    /// Some of the problems, described.
    pub problems: Vec<String>,
}

impl Verification {
    fn note(&mut self, problem: String) {
        if self.problems.len() < 12 {
            self.problems.push(problem);
        }
    }

    /// No lost or doubled order: every checkout that went through is authorised at GMO and at
    /// the shop, no GMO call was made twice, and GMO has no more orders than checkouts started.
    pub fn no_lost_or_doubled(&self) -> bool {
        self.lost == 0 && self.doubled_calls == 0 && self.orders_at_gmo <= self.attempted
    }

    /// Everything went through: [`Verification::no_lost_or_doubled`], every checkout
    /// authorised at GMO and at the shop, one order at GMO per checkout, each with exactly [`GMO_CALLS_PER_CHECKOUT`] calls.
    pub fn is_clean(&self) -> bool {
        self.no_lost_or_doubled()
            && self.authorized == self.attempted
            && self.orders_at_gmo == self.attempted
            && self.incomplete == 0
    }

    /// A short account: `yes`, or what is wrong.
    pub fn summary(&self) -> String {
        if self.is_clean() {
            return "yes".to_owned();
        }
        format!(
            "{} ({} started, {} authorized, {} sent to the order page unfinished, {} orders at GMO, {} with a doubled call, {} with missing calls, {} disagreeing)",
            if self.no_lost_or_doubled() {
                "no loss, no double"
            } else {
                "**LOST OR DOUBLED**"
            },
            self.attempted,
            self.authorized,
            self.unfinished,
            self.orders_at_gmo,
            self.doubled_calls,
            self.incomplete,
            self.lost
        )
    }
}

/// Reads how many durable transactions a configuration's store has committed so far, so that a
/// level's commits per checkout are the difference around it.
#[derive(Debug)]
pub enum CommitCounter {
    /// The memory store commits nothing.
    Memory,
    /// PostgreSQL: the transaction ids handed out (`pg_snapshot_xmax(pg_current_snapshot())`).
    /// Every transaction that writes takes one, reads take none; this counts the whole server,
    /// which runs nothing else during a benchmark.
    Postgres(sqlx::PgPool),
    /// SQLite: the commits of the shop's store writer, which every write of the shop goes
    /// through (the payment store, the throttle, the order book), read from the shop's
    /// `GET /admin/metrics` as its owner.
    Sqlite(Client),
}

impl CommitCounter {
    /// The counter for a shop at `shop_url` on `store` (`memory`, `sqlite`, `postgres`).
    pub async fn new(store: &str, shop_url: &str, postgres: &str) -> Result<Self, BoxError> {
        Ok(match store {
            "postgres" => Self::Postgres(sqlx::PgPool::connect(postgres).await?),
            "sqlite" => {
                let owner = Client::new(shop_url);
                owner.sign_in("owner").await;
                Self::Sqlite(owner)
            }
            _ => Self::Memory,
        })
    }

    /// Commits so far; `None` for the memory store.
    pub async fn read(&self) -> Result<Option<u64>, BoxError> {
        match self {
            Self::Memory => Ok(None),
            Self::Postgres(pool) => {
                let next: i64 = sqlx::query_scalar(
                    "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint",
                )
                .fetch_one(pool)
                .await?;
                Ok(Some(u64::try_from(next)?))
            }
            Self::Sqlite(owner) => {
                let metrics = owner.get_json("/admin/metrics").await.json();
                metrics["store"]["sqlite_commits"]
                    .as_u64()
                    .map(Some)
                    .ok_or_else(|| format!("no commit count in {metrics}").into())
            }
        }
    }
}
