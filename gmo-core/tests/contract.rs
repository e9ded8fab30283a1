//! The live contract suite: every API the client supports, against the GMO that the
//! `GMO_CONTRACT_*` variables name — GMO's test environment (pt01) with a merchant's test
//! account, or, in CI, a standalone `gmo-sandbox` binary. It talks HTTP only (no sandbox
//! inspection), checks keys and their order, the shapes of the values GMO chooses, error codes
//! and CheckStrings (verified by the client), and cleans up what it creates: payments are
//! voided, members deleted.
//!
//! Card tokens come from the token.js that `GMO_CONTRACT_TOKEN_JS_URL` names, run in headless
//! Chromium over WebDriver (`token_js`), as a shop's page gets them.
//!
//! Without `GMO_CONTRACT_BASE_URL`, or without Chromium and chromedriver, it prints `skipped: …`
//! and passes, unless CI is set. The root README lists the variables (`config::VARIABLES`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "contract/config.rs"]
mod config;
#[path = "contract/shapes.rs"]
mod shapes;
#[path = "contract/token_js.rs"]
mod token_js;

use std::fmt::Display;
use std::time::Duration;

use gmo_chromium::{BrowserTools, say};
use gmo_core::api::{
    AlterTran, Authorization, CardDetailQuery, CardSource, ChangeTran, DeleteCard, DeleteMember,
    EntryResult, EntryTran, ExecTran, ExecTranOutcome, SaveCard, SaveMember, SearchCard,
    SearchCardDetail, SearchMember, SearchTrade, SearchTradeMulti, SecureTran2, Tds2Auth,
    Tds2Result, ThreeDSecureEntry, ThreeDSecureExec, TradedCard, UpdateMember,
};
use gmo_core::client::{Credentials, Operation, RawRequest};
use gmo_core::values::{
    AccessId, CallbackType, JobCd, MemberId, Method, OrderId, SeqMode, Status, Tds2TransStatus,
};
use gmo_core::values::{Amount, MemberName, RetUrl};
use gmo_core::{AccessPass, CardToken, Environment, GmoClient, GmoError, ShopPass, SitePass};
use gmo_sandbox::AcsBrowser;

use config::{AcsMode, Config};
use shapes::{Observed, check_keys, check_values};
use token_js::TokenJs;

/// Where 3-D Secure sends the browser back; never fetched (the suite plays the browser).
const RET_URL: &str = "https://shop.example/gmo-contract/3ds-return";

/// What the suite does not check, here and in the sandbox README's "Limits".
const NOT_COVERED: &[&str] = &[
    "payment methods other than cards (convenience stores, bank transfer, carrier billing, \
     PayPay…), the *.json variant and the OpenAPI type",
    "3-D Secure 1.0 (SecureTran): no longer supported by the card brands",
    "token.js's own wire protocol (the card encrypted with keys the script holds): the suite \
     runs the script in Chromium and checks only what its getToken callback receives",
    "result notifications: GMO posts them to the shop's URL, which this suite does not serve",
    "recurring billing, multi-currency, GMO's management screen and batch files",
];

type Step<T = ()> = Result<T, String>;

/// Adds what was being done to an error.
trait Context<T> {
    fn context(self, what: impl Display) -> Step<T>;
}

impl<T, E: Display> Context<T> for Result<T, E> {
    fn context(self, what: impl Display) -> Step<T> {
        self.map_err(|e| format!("{what}: {e}"))
    }
}

fn ensure(ok: bool, what: impl Display) -> Step {
    if ok { Ok(()) } else { Err(what.to_string()) }
}

/// A payment registered at GMO.
#[derive(Clone)]
struct Payment {
    order_id: OrderId,
    access_id: AccessId,
    access_pass: AccessPass,
}

impl Payment {
    fn of(order_id: &OrderId, entry: &EntryResult) -> Self {
        Self {
            order_id: order_id.clone(),
            access_id: entry.access_id.clone(),
            access_pass: entry.access_pass.clone(),
        }
    }
}

struct Run {
    config: Config,
    client: GmoClient,
    token_js: TokenJs,
    acs: AcsBrowser,
    /// Unique per run: order and member ids start with it.
    prefix: String,
    report: Vec<String>,
    payments: Vec<Payment>,
    members: Vec<MemberId>,
}

impl Run {
    async fn new(config: Config, browser: &BrowserTools) -> Step<Self> {
        let client = GmoClient::builder(Environment::Custom(config.base_url.clone()))
            .shop(config.shop_id.clone(), ShopPass::new(&config.shop_pass))
            .site(config.site_id.clone(), SitePass::new(&config.site_pass))
            .request_timeout(Duration::from_secs(60))
            .build()
            .context("client")?;
        let seconds = time::OffsetDateTime::now_utc().unix_timestamp();
        let prefix = format!("ct{seconds}{:04x}", rand::random::<u16>());
        let token_js =
            TokenJs::open(browser, &config.token_js_url, config.shop_id.as_str()).await?;
        let mut run = Self {
            config,
            client,
            token_js,
            acs: AcsBrowser::new(),
            prefix,
            report: Vec::new(),
            payments: Vec::new(),
            members: Vec::new(),
        };
        run.note(format!("ok    token.js: {}", run.token_js.describe()));
        Ok(run)
    }

    fn note(&mut self, line: impl Into<String>) {
        self.report.push(line.into());
    }

    fn order(&self, label: &str) -> OrderId {
        OrderId::new(format!("{}-{label}", self.prefix)).expect("order id")
    }

    /// A one-time token for `card` from token.js's getToken, reported.
    async fn token(&mut self, card: &str) -> Step<CardToken> {
        let issued = self.token_js.token(&self.config.card(card)).await?;
        self.note(format!("ok    token.js getToken: {}", issued.described));
        Ok(issued.token)
    }

    /// Sends a request, checks its answer's keys and values, and reports it.
    async fn call<O: Operation>(&mut self, operation: &O) -> Step<O::Output> {
        let seen = self
            .client
            .send(&Observed(operation))
            .await
            .context(O::API)?;
        let extra = check_keys(O::API, &seen.response)?;
        check_values(O::API, &seen.response)?;
        let keys: Vec<&str> = seen.response.keys().collect();
        let mut line = format!("ok    {}: {}", O::API, keys.join(", "));
        if !extra.is_empty() {
            line.push_str(&format!(" (beyond the contract: {})", extra.join(", ")));
        }
        self.note(line);
        Ok(seen.output)
    }

    /// Sends a request that must fail with exactly these `ErrInfo` codes, in this order (any
    /// codes when `infos` is empty).
    async fn refused<O: Operation>(&mut self, operation: &O, infos: &[&str]) -> Step<GmoError> {
        let result = self.client.send(operation).await;
        self.check_refusal(O::API, result, infos)
    }

    /// [`Self::refused`] for a raw request.
    async fn refused_raw(&mut self, request: &RawRequest, infos: &[&str]) -> Step<GmoError> {
        let result = self.client.send_raw(request).await;
        self.check_refusal(request.api(), result, infos)
    }

    fn check_refusal<T>(
        &mut self,
        api: &str,
        result: Result<T, GmoError>,
        infos: &[&str],
    ) -> Step<GmoError> {
        let Err(error) = result else {
            return Err(format!("{api} succeeded; expected {infos:?}"));
        };
        let api_error = error
            .as_api()
            .ok_or_else(|| format!("{api}: expected {infos:?}, got {error}"))?;
        let got: Vec<&str> = api_error.codes().iter().map(|c| c.info.as_str()).collect();
        ensure(
            infos.is_empty() || got == infos,
            format!("{api} answered {got:?}, expected {infos:?}"),
        )?;
        // ErrCode is ErrInfo's head, or for card-company codes (42G020000) the three after 42.
        for code in api_error.codes() {
            let class_ok = code.info.starts_with(&code.code)
                || code.info.get(2..5) == Some(code.code.as_str());
            ensure(
                code.info.len() == 9 && code.code.len() == 3 && class_ok,
                format!(
                    "{api}: ErrCode {} does not pair with ErrInfo {}",
                    code.code, code.info
                ),
            )?;
        }
        self.note(format!("ok    {api} refused: {}", got.join("|")));
        Ok(error)
    }

    async fn entry(&mut self, order_id: &OrderId, yen: u32, three_ds: bool) -> Step<Payment> {
        let mut entry = EntryTran::auth(order_id.clone(), Amount::new(yen).context("amount")?);
        if three_ds {
            entry = entry.with_three_d_secure(ThreeDSecureEntry::new());
        }
        let registered = self.call(&entry).await?;
        let payment = Payment::of(order_id, &registered);
        self.payments.push(payment.clone());
        Ok(payment)
    }

    fn exec(&self, payment: &Payment, card: CardSource) -> ExecTran {
        let mut exec = ExecTran::new(
            payment.access_id.clone(),
            payment.access_pass.clone(),
            payment.order_id.clone(),
            card,
        );
        exec.method = Some(Method::Lump);
        exec
    }

    /// ExecTran that must authorise at once (`ACS=0`).
    async fn authorize(&mut self, payment: &Payment, card: CardSource) -> Step<Authorization> {
        match self.call(&self.exec(payment, card)).await? {
            ExecTranOutcome::Authorized(authorization) => {
                self.check_authorization(payment, &authorization)?;
                Ok(authorization)
            }
            ExecTranOutcome::ThreeDSecure { .. } => {
                Err("ExecTran without 3-D Secure asked for 3-D Secure".to_owned())
            }
        }
    }

    fn check_authorization(&self, payment: &Payment, authorization: &Authorization) -> Step {
        ensure(
            authorization.order_id == payment.order_id,
            "the authorisation names another order",
        )?;
        ensure(
            authorization.method == Some(Method::Lump),
            "the authorisation does not echo Method=1",
        )
    }

    async fn trade(&mut self, order_id: &OrderId, status: Status, yen: u32) -> Step {
        let state = self.call(&SearchTrade::new(order_id.clone())).await?;
        ensure(
            state.status == status && state.amount.yen() == yen,
            format!(
                "SearchTrade shows {} for {} yen, expected {status} for {yen}",
                state.status,
                state.amount.yen()
            ),
        )
    }

    fn member_id(&mut self, label: &str) -> MemberId {
        let id = MemberId::new(format!("{}-{label}", self.prefix)).expect("member id");
        self.members.push(id.clone());
        id
    }

    // -----------------------------------------------------------------------------------------

    async fn members_and_cards(&mut self) -> Step<MemberId> {
        let member = self.member_id("member");
        let mut save = SaveMember::new(member.clone());
        save.member_name = Some(MemberName::new("契約 テスト").context("name")?);
        ensure(
            self.call(&save).await? == member,
            "SaveMember echoes another id",
        )?;
        let found = self.call(&SearchMember::new(member.clone())).await?;
        ensure(
            found.member_name == "契約 テスト" && !found.deleted,
            format!("SearchMember shows {:?}", found.member_name),
        )?;
        let renamed = MemberName::new("ｹｲﾔｸ ﾃｽﾄ").context("name")?;
        self.call(&UpdateMember::new(member.clone(), Some(renamed)))
            .await?;
        let found = self.call(&SearchMember::new(member.clone())).await?;
        ensure(
            found.member_name == "ｹｲﾔｸ ﾃｽﾄ",
            "UpdateMember's name is not what SearchMember shows",
        )?;

        let card = self.config.card.clone();
        let token = self.token(&card).await?;
        let saved = self.call(&SaveCard::new(member.clone(), token)).await?;
        ensure(
            saved.masked_number.ends_with(&card[card.len() - 3..]),
            format!("SaveCard masks the card as {}", saved.masked_number),
        )?;
        let cards = self
            .call(&SearchCard::all(member.clone(), SeqMode::Logical))
            .await?;
        ensure(
            cards.len() == 1 && cards[0].card_seq == saved.card_seq,
            format!("SearchCard lists {} cards", cards.len()),
        )?;
        let details = self
            .call(&SearchCardDetail::new(CardDetailQuery::Member {
                member_id: member.clone(),
                seq_mode: SeqMode::Logical,
                card_seq: None,
            }))
            .await?;
        ensure(details.len() == 1, "SearchCardDetail describes no card")?;
        let token = self.token(&card).await?;
        let details = self
            .call(&SearchCardDetail::new(CardDetailQuery::Token(token)))
            .await?;
        ensure(
            details.len() == 1,
            "SearchCardDetail by token describes no card",
        )?;
        let deleted = self
            .call(&DeleteCard::new(
                member.clone(),
                SeqMode::Logical,
                saved.card_seq,
            ))
            .await?;
        ensure(
            deleted == saved.card_seq,
            "DeleteCard echoes another CardSeq",
        )?;
        Ok(member)
    }

    async fn payments_and_changes(&mut self, member: &MemberId) -> Step {
        // Authorise, store the card used, change the amount, capture, cancel.
        let order_id = self.order("pay");
        let payment = self.entry(&order_id, 1_000, false).await?;
        let token = self.token(&self.config.card.clone()).await?;
        self.authorize(&payment, CardSource::Token(token)).await?;
        self.trade(&order_id, Status::Auth, 1_000).await?;

        let token = self.token(&self.config.card.clone()).await?;
        let again = self
            .refused(&self.exec(&payment, CardSource::Token(token)), &[])
            .await?;
        ensure(
            again.is_already_executed(),
            format!("a second ExecTran is not \"already executed\": {again}"),
        )?;

        let stored = self
            .call(&TradedCard::new(order_id.clone(), member.clone()))
            .await?;
        self.call(&SearchCardDetail::new(CardDetailQuery::Order(
            order_id.clone(),
        )))
        .await?;
        self.call(&ChangeTran::new(
            payment.access_id.clone(),
            payment.access_pass.clone(),
            JobCd::Auth,
            Amount::new(1_200).context("amount")?,
        ))
        .await?;
        self.trade(&order_id, Status::Auth, 1_200).await?;
        self.call(&AlterTran::sales(
            payment.access_id.clone(),
            payment.access_pass.clone(),
            Amount::new(1_200).context("amount")?,
        ))
        .await?;
        self.trade(&order_id, Status::Sales, 1_200).await?;
        let multi = self.call(&SearchTradeMulti::new(order_id.clone())).await?;
        ensure(multi.status == Status::Sales, "SearchTradeMulti disagrees")?;
        self.call(&AlterTran::void(
            payment.access_id.clone(),
            payment.access_pass.clone(),
        ))
        .await?;
        self.trade(&order_id, Status::Void, 1_200).await?;

        // Pay with the stored card, then cancel.
        let order_id = self.order("stored");
        let payment = self.entry(&order_id, 500, false).await?;
        let card = CardSource::StoredCard {
            member_id: member.clone(),
            seq_mode: SeqMode::Logical,
            card_seq: stored.card_seq,
        };
        self.authorize(&payment, card).await?;
        self.call(&AlterTran::void(
            payment.access_id.clone(),
            payment.access_pass.clone(),
        ))
        .await?;
        self.trade(&order_id, Status::Void, 500).await?;

        ensure(
            self.call(&DeleteMember::new(member.clone())).await? == *member,
            "DeleteMember echoes another id",
        )?;
        self.members.retain(|m| m != member);
        let gone = self
            .refused(&SearchMember::new(member.clone()), &["E01390002"])
            .await?;
        ensure(gone.is_not_found(), "a deleted member is not \"not found\"")
    }

    /// ExecTran with 3-D Secure; answers the RedirectUrl.
    async fn redirect(
        &mut self,
        payment: &Payment,
        card: &str,
        callback: Option<CallbackType>,
    ) -> Step<String> {
        let token = self.token(card).await?;
        let mut exec = self.exec(payment, CardSource::Token(token));
        let mut three_ds = ThreeDSecureExec::new(RetUrl::new(RET_URL).context("RetUrl")?);
        three_ds.callback_type = callback;
        exec.three_d_secure = Some(three_ds);
        match self.call(&exec).await? {
            ExecTranOutcome::ThreeDSecure { redirect_url } => {
                ensure(
                    redirect_url.starts_with("https://") || redirect_url.starts_with("http://"),
                    format!("RedirectUrl {redirect_url:?} is no URL"),
                )?;
                Ok(redirect_url)
            }
            ExecTranOutcome::Authorized(_) => {
                Err("ExecTran with TdFlag=2 authorised without 3-D Secure".to_owned())
            }
        }
    }

    /// Plays the browser on GMO's 3-D Secure pages; `None` when they are not pages this suite
    /// can drive (then the run says so, and fails when strict).
    async fn walk(&mut self, url: &str, what: &str) -> Step<Option<gmo_sandbox::ReturnForm>> {
        if self.config.acs == AcsMode::Redirect {
            self.note(format!(
                "stop  {what}: stopped at the redirect (GMO_CONTRACT_ACS=redirect)"
            ));
            return Ok(None);
        }
        match self.acs.authenticate(url, &self.config.otp).await {
            Ok(form) => Ok(Some(form)),
            Err(error) if !self.config.strict => {
                self.note(format!(
                    "stop  {what}: stopped at the redirect, the ACS pages are not ones this \
                     suite can drive ({error})"
                ));
                Ok(None)
            }
            Err(error) => Err(format!(
                "{what}: the ACS pages could not be walked: {error}"
            )),
        }
    }

    async fn secure_tran2(&mut self, payment: &Payment) -> Step {
        let authorization = self
            .call(&SecureTran2::new(
                payment.access_id.clone(),
                payment.access_pass.clone(),
            ))
            .await?;
        self.check_authorization(payment, &authorization)?;
        self.trade(&payment.order_id, Status::Auth, 3_000).await
    }

    async fn three_d_secure(&mut self) -> Step {
        // The redirect flow (CallbackType 1, a POST back to RetUrl with the AccessID).
        let cards = [
            ("3ds-easy", self.config.card.clone()),
            ("3ds-otp", self.config.challenge_card.clone()),
        ];
        for (label, card) in cards {
            let order_id = self.order(label);
            let payment = self.entry(&order_id, 3_000, true).await?;
            let url = self.redirect(&payment, &card, None).await?;
            let Some(back) = self.walk(&url, label).await? else {
                continue;
            };
            ensure(
                back.action == RET_URL
                    && back.field("AccessID") == Some(payment.access_id.as_str()),
                format!(
                    "{label}: the ACS returns to {} without the AccessID",
                    back.action
                ),
            )?;
            self.note(format!(
                "ok    {label}: the ACS returned to RetUrl with the AccessID"
            ));
            self.secure_tran2(&payment).await?;
        }

        // The direct flow (CallbackType 2: Tds2Auth, the challenge, Tds2Result).
        let order_id = self.order("3ds-direct");
        let payment = self.entry(&order_id, 3_000, true).await?;
        let challenge_card = self.config.challenge_card.clone();
        let url = self
            .redirect(&payment, &challenge_card, Some(CallbackType::Direct))
            .await?;
        let Some(method) = self.walk(&url, "3ds-direct").await? else {
            return Ok(());
        };
        let param = method
            .field("param")
            .ok_or("3ds-direct: the 3DS Method step returned no param")?
            .to_owned();
        let auth = self
            .call(&Tds2Auth::new(
                payment.access_id.clone(),
                payment.access_pass.clone(),
                param,
            ))
            .await?;
        if auth.trans_status == Tds2TransStatus::ChallengeRequired {
            let challenge = auth
                .challenge_url
                .ok_or("Tds2Auth asked for a challenge without ChallengeUrl")?;
            if self
                .walk(&challenge, "3ds-direct challenge")
                .await?
                .is_none()
            {
                return Ok(());
            }
            let result = self
                .call(&Tds2Result::new(
                    payment.access_id.clone(),
                    payment.access_pass.clone(),
                ))
                .await?;
            ensure(
                result.trans_status.is_success(),
                format!("Tds2Result after the challenge: {:?}", result.trans_status),
            )?;
        } else {
            ensure(
                auth.trans_status.is_success(),
                format!("Tds2Auth: {:?}", auth.trans_status),
            )?;
        }
        self.secure_tran2(&payment).await
    }

    async fn errors(&mut self) -> Step {
        // Recorded at GMO: EntryTran with every field "null".
        let nulls = RawRequest::new("EntryTran", Credentials::Shop)
            .field("OrderID", "null")
            .field("JobCd", "null")
            .field("Amount", "null");
        self.refused_raw(&nulls, &["E01050002", "E01060006"])
            .await?;

        let order_id = self.order("errors");
        let payment = self.entry(&order_id, 100, false).await?;
        let duplicate = self
            .refused(
                &EntryTran::auth(order_id.clone(), Amount::new(100).context("amount")?),
                &["E01040010"],
            )
            .await?;
        ensure(
            duplicate.is_duplicate_order(),
            "E01040010 is not a duplicate order",
        )?;
        // Recorded at GMO: an unknown token.
        let unknown = CardSource::Token(CardToken::new("0".repeat(64)));
        self.refused(&self.exec(&payment, unknown), &["EX1000301"])
            .await?;
        self.refused(&SearchTrade::new(self.order("nothing")), &["E01110002"])
            .await?;

        match self.config.decline_card.clone() {
            Some(card) => {
                let order_id = self.order("decline");
                let payment = self.entry(&order_id, 100, false).await?;
                let token = CardSource::Token(self.token(&card).await?);
                let declined = self.refused(&self.exec(&payment, token), &[]).await?;
                ensure(
                    declined.declined().is_some(),
                    format!("the decline card's answer is no issuer decline: {declined}"),
                )?;
            }
            None => {
                self.note("skip  issuer decline: GMO_CONTRACT_DECLINE_CARD is not set".to_owned())
            }
        }
        Ok(())
    }

    async fn all(&mut self) -> Step {
        let member = self.members_and_cards().await?;
        self.payments_and_changes(&member).await?;
        self.three_d_secure().await?;
        self.errors().await
    }

    /// Voids what is still authorised or captured, deletes the members left; answers what
    /// could not be cleaned.
    async fn clean_up(&mut self) -> Vec<String> {
        let mut left = Vec::new();
        for payment in std::mem::take(&mut self.payments) {
            let status = match self
                .client
                .send(&SearchTrade::new(payment.order_id.clone()))
                .await
            {
                Ok(state) => state.status,
                Err(error) => {
                    left.push(format!("{}: {error}", payment.order_id));
                    continue;
                }
            };
            if matches!(
                status,
                Status::Auth | Status::Sauth | Status::Capture | Status::Sales
            ) {
                let void = AlterTran::void(payment.access_id.clone(), payment.access_pass.clone());
                match self.client.send(&void).await {
                    Ok(_) => self.note(format!("clean {}: voided", payment.order_id)),
                    Err(error) => left.push(format!("{}: {error}", payment.order_id)),
                }
            }
        }
        for member in std::mem::take(&mut self.members) {
            match self.client.send(&DeleteMember::new(member.clone())).await {
                Ok(_) => self.note(format!("clean {member}: deleted")),
                Err(error) if error.is_not_found() => {}
                Err(error) => left.push(format!("{member}: {error}")),
            }
        }
        left
    }
}

#[tokio::test]
async fn contract_suite_against_gmo() {
    let config = match Config::from_env() {
        Ok(Some(config)) => config,
        Ok(None) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but GMO_CONTRACT_BASE_URL is not: .ci/run points the suite at a \
                 gmo-sandbox binary"
            );
            say("skipped: GMO_CONTRACT_BASE_URL is not set (root README, \"Contract suite\")");
            for (name, default, meaning) in config::VARIABLES {
                let default = default.map_or(String::new(), |d| format!(" [default: {d}]"));
                say(&format!("  {name}: {meaning}{default}"));
            }
            return;
        }
        Err(error) => panic!("{error}"),
    };
    let Some(browser) = gmo_chromium::tools("contract suite (token.js runs in Chromium)") else {
        return;
    };
    say(&format!("contract suite against {}", config.base_url));
    let mut run = Run::new(config, &browser).await.unwrap();
    let outcome = run.all().await;
    let left = run.clean_up().await;
    run.token_js.close().await;
    for line in &run.report {
        say(line);
    }
    for line in NOT_COVERED {
        say(&format!("not covered: {line}"));
    }
    if let Err(broken) = outcome {
        panic!("GMO broke the contract, or the suite could not check it: {broken}");
    }
    assert!(left.is_empty(), "left at GMO: {left:?}");
}

/// The checks themselves refuse what GMO's contract does not allow.
#[test]
fn the_checks_refuse_broken_answers() {
    use gmo_core::wire::Response;
    let parse = |body: &str| Response::parse(body.as_bytes()).unwrap();
    let exec = "ACS=0&OrderID=o&Forward=2a99662&Method=1&PayTimes=&Approve= 004536\
                &TranID=2103011003111111111111810751&TranDate=20210301102444\
                &CheckString=54686df6bad0b4ca3366024c7806ff66";
    assert_eq!(
        check_keys("ExecTran", &parse(exec)).unwrap(),
        Vec::<String>::new()
    );
    check_values("ExecTran", &parse(exec)).unwrap();
    let appended = check_keys("ExecTran", &parse(&format!("{exec}&NewColumn=1"))).unwrap();
    assert_eq!(appended, ["NewColumn"]);
    let swapped = exec.replace("ACS=0&OrderID=o", "OrderID=o&ACS=0");
    assert!(check_keys("ExecTran", &parse(&swapped)).is_err());
    let trimmed = exec.replace("Approve= 004536", "Approve=004536");
    assert!(check_values("ExecTran", &parse(&trimmed)).is_err());
    let short_id = "AccessID=abc&AccessPass=0123456789abcdef0123456789abcdef";
    assert!(check_values("EntryTran", &parse(short_id)).is_err());
}
