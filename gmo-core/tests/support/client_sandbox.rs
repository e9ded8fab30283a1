//! What the `client_sandbox*` tests share: a sandbox of their own with a client for it, and
//! the checks that compare the client's answers with what the sandbox holds.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use crate::support::{client_builder, client_for};
use gmo_core::api::{
    Authorization, CardSource, EntryResult, EntryTran, ExecTran, ExecTranOutcome, SecureTran2,
    ThreeDSecureEntry, ThreeDSecureExec,
};
use gmo_core::error::ApiError;
use gmo_core::values::{AccessId, Method, OrderId, Status};
use gmo_core::values::{Amount, RetUrl};
use gmo_core::{AccessPass, CardToken, GmoClient, GmoError, ShopPass};
use gmo_sandbox::{AcsBrowser, RunningSandbox, Sandbox, SandboxBuilder, TransactionSnapshot};

/// The URL 3-D Secure returns the browser to (never fetched: the tests play the browser).
pub const RET_URL: &str = "https://shop.example/payments/3ds-return";

/// Visa, approved, 3-D Secure frictionless.
pub const VISA: &str = "4111111111111111";
/// Mastercard, approved.
pub const MASTER: &str = "5555555555554444";
/// Approved after a 3-D Secure challenge.
pub const CHALLENGE_CARD: &str = "4100000000005000";
/// Not enrolled in 3-D Secure 2.0.
pub const NOT_ENROLLED: &str = "4100000000000209";
/// 3-D Secure rejected by the issuer.
pub const REJECTED_3DS: &str = "4100000000000308";
/// Card-network error C01 after the authorisation happened.
pub const NETWORK_ERROR: &str = "4100000000000704";
/// Fails the validity check (CHECK, SaveCard) with G12.
pub const FAILS_CHECK: &str = "4100000000000902";
/// The expiry every test token carries.
pub const EXPIRE: &str = "2812";

/// A sandbox of the test's own, served on 127.0.0.1:0, and a client for it.
pub struct Kit {
    pub sandbox: RunningSandbox,
    pub client: GmoClient,
    pub acs: AcsBrowser,
}

impl Kit {
    /// A default sandbox (one shop, one site).
    pub async fn new() -> Self {
        Self::with(Sandbox::builder()).await
    }

    /// A sandbox built from `builder`, and a client for its first shop and site.
    pub async fn with(builder: SandboxBuilder) -> Self {
        let sandbox = builder.spawn().await.expect("sandbox");
        let client = client_for(&sandbox, Duration::from_secs(5));
        Self {
            sandbox,
            client,
            acs: AcsBrowser::new(),
        }
    }

    /// A client of the same shop and site with its own request timeout and read retries.
    pub fn client_with(&self, request_timeout: Duration, read_retries: u32) -> GmoClient {
        client_builder(&self.sandbox)
            .request_timeout(request_timeout)
            .read_retries(read_retries)
            .build()
            .expect("client")
    }

    /// A one-time token for a card of the first shop.
    pub fn token(&self, card: &str) -> CardToken {
        CardToken::new(
            self.sandbox
                .issue_token(card, EXPIRE, "123")
                .expect("token"),
        )
    }

    pub fn shop_pass(&self) -> ShopPass {
        ShopPass::new(self.sandbox.shop_pass())
    }

    /// The sandbox's transaction of an order of the first shop.
    pub fn tx(&self, order_id: &OrderId) -> TransactionSnapshot {
        self.sandbox
            .transaction(order_id.as_str())
            .unwrap_or_else(|| panic!("the sandbox has no transaction for {order_id}"))
    }

    pub fn status(&self, order_id: &OrderId) -> Status {
        self.tx(order_id).status
    }

    pub async fn entry(&self, entry: &EntryTran) -> EntryResult {
        self.client.send(entry).await.expect("EntryTran")
    }

    /// EntryTran AUTH for `yen`.
    pub async fn entry_auth(&self, order_id: &OrderId, yen: u32) -> EntryResult {
        self.entry(&EntryTran::auth(order_id.clone(), amount(yen)))
            .await
    }

    /// EntryTran with 3-D Secure 2.0 (GMO's defaults) for `yen`.
    pub async fn entry_auth_3ds(&self, order_id: &OrderId, yen: u32) -> EntryResult {
        self.entry(
            &EntryTran::auth(order_id.clone(), amount(yen))
                .with_three_d_secure(ThreeDSecureEntry::new()),
        )
        .await
    }

    /// An authorised transaction: EntryTran `job`, then ExecTran lump sum with a token.
    pub async fn paid(
        &self,
        order_id: &OrderId,
        entry: EntryTran,
        card: &str,
    ) -> (EntryResult, Authorization) {
        let registered = self.entry(&entry).await;
        let mut exec = exec_with_token(order_id, &registered, self.token(card));
        if entry.amount.is_some() {
            exec.method = Some(Method::Lump);
        }
        let authorization = authorized(self.client.send(&exec).await.expect("ExecTran"));
        (registered, authorization)
    }

    /// An AUTH of `yen` with the Visa test card.
    pub async fn authorized(&self, order_id: &OrderId, yen: u32) -> (EntryResult, Authorization) {
        self.paid(
            order_id,
            EntryTran::auth(order_id.clone(), amount(yen)),
            VISA,
        )
        .await
    }

    /// A payment through 3-D Secure: EntryTran with it, ExecTran, the ACS pages (answering the
    /// challenge if the card has one), SecureTran2.
    pub async fn secured(
        &self,
        order_id: &OrderId,
        yen: u32,
        card: &str,
    ) -> (EntryResult, Authorization) {
        let entry = self.entry_auth_3ds(order_id, yen).await;
        let exec = exec_3ds(order_id, &entry, self.token(card));
        let url = redirect(self.client.send(&exec).await.expect("ExecTran"));
        self.acs
            .authenticate(&url, gmo_sandbox::CHALLENGE_OTP)
            .await
            .expect("ACS");
        let authorization = self
            .client
            .send(&SecureTran2::new(access_id(&entry), access_pass(&entry)))
            .await
            .expect("SecureTran2");
        (entry, authorization)
    }

    /// Waits until the sandbox shows `status` for the order (a call the client gave up on may
    /// still be running there), at most `within`.
    pub async fn wait_for_status(&self, order_id: &OrderId, status: Status, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let now = self
                .sandbox
                .transaction(order_id.as_str())
                .map(|t| t.status);
            if now.as_ref() == Some(&status) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "order {order_id} is {now:?} at the sandbox, not {status}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

pub fn order(id: &str) -> OrderId {
    OrderId::new(id).unwrap()
}

pub fn amount(yen: u32) -> Amount {
    Amount::new(yen).unwrap()
}

pub fn ret_url() -> RetUrl {
    RetUrl::new(RET_URL).unwrap()
}

pub fn access_id(entry: &EntryResult) -> AccessId {
    entry.access_id.clone()
}

pub fn access_pass(entry: &EntryResult) -> AccessPass {
    entry.access_pass.clone()
}

/// ExecTran of a registered transaction with a token, no method, no 3-D Secure.
pub fn exec_with_token(order_id: &OrderId, entry: &EntryResult, token: CardToken) -> ExecTran {
    ExecTran::new(
        entry.access_id.clone(),
        entry.access_pass.clone(),
        order_id.clone(),
        CardSource::Token(token),
    )
}

/// ExecTran lump sum with a token, 3-D Secure parameters given (returning to [`RET_URL`]).
pub fn exec_3ds(order_id: &OrderId, entry: &EntryResult, token: CardToken) -> ExecTran {
    let mut exec = exec_with_token(order_id, entry, token);
    exec.method = Some(Method::Lump);
    exec.three_d_secure = Some(ThreeDSecureExec::new(ret_url()));
    exec
}

/// The authorisation of an ExecTran outcome, or a panic naming what came instead.
pub fn authorized(outcome: ExecTranOutcome) -> Authorization {
    match outcome {
        ExecTranOutcome::Authorized(authorization) => authorization,
        other => panic!("expected ACS=0, got {other:?}"),
    }
}

/// The RedirectUrl of an ExecTran outcome, or a panic.
pub fn redirect(outcome: ExecTranOutcome) -> String {
    match outcome {
        ExecTranOutcome::ThreeDSecure { redirect_url } => redirect_url,
        other => panic!("expected ACS=2, got {other:?}"),
    }
}

/// The API error of a failure, or a panic naming what came instead.
pub fn api_error(error: &GmoError) -> &ApiError {
    error
        .as_api()
        .unwrap_or_else(|| panic!("expected an error answer of GMO, got {error:?}"))
}

/// The `ErrInfo` codes of a failure, in GMO's order.
pub fn infos(error: &GmoError) -> Vec<&str> {
    api_error(error)
        .codes()
        .iter()
        .map(|c| c.info.as_str())
        .collect()
}

/// GMO's CheckString computed here, from the values the sandbox holds:
/// `md5_hex(OrderID + Forward + Method + PayTimes + Approve + TranID + TranDate + ShopPass)`.
pub fn expected_check_string(tx: &TransactionSnapshot, shop_pass: &str) -> String {
    use md5::{Digest, Md5};
    let mut md5 = Md5::new();
    for part in [
        &tx.order_id,
        &tx.forward,
        &tx.method,
        &tx.pay_times,
        &tx.approve,
        &tx.tran_id,
        &tx.tran_date,
    ] {
        md5.update(part.as_bytes());
    }
    md5.update(shop_pass.as_bytes());
    md5.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Asserts that an authorisation says what the sandbox holds, CheckString included.
pub fn assert_authorization_matches(
    authorization: &Authorization,
    tx: &TransactionSnapshot,
    shop_pass: &str,
) {
    assert_eq!(authorization.order_id.as_str(), tx.order_id);
    assert_eq!(authorization.forward, tx.forward);
    assert_eq!(authorization.approve, tx.approve);
    assert_eq!(authorization.tran_id, tx.tran_id);
    assert_eq!(authorization.tran_date.as_str(), tx.tran_date);
    assert_eq!(
        authorization.method.map(Method::code).unwrap_or(""),
        tx.method
    );
    assert_eq!(
        authorization
            .method
            .and_then(Method::pay_times)
            .map(|n| n.to_string())
            .unwrap_or_default(),
        tx.pay_times
    );
    assert_eq!(authorization.tran_id.len(), 28, "{}", authorization.tran_id);
    assert_eq!(
        authorization.check_string,
        expected_check_string(tx, shop_pass)
    );
}
