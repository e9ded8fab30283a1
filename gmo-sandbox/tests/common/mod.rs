//! A tiny GMO client for the tests: the real wire codec over reqwest, against a spawned sandbox.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

pub mod receiver;

use gmo_core::wire::{FormEncoder, Response};
use gmo_sandbox::{RunningSandbox, Sandbox, SandboxBuilder, ShopConfig};

pub const FORM: &str = "application/x-www-form-urlencoded";

/// A spawned sandbox and an HTTP client that does not follow redirects.
pub struct Gmo {
    pub sandbox: RunningSandbox,
    pub http: reqwest::Client,
}

impl Gmo {
    /// A sandbox whose default shop accepts raw card numbers.
    pub async fn start() -> Self {
        Self::with(
            Sandbox::builder().shop(
                ShopConfig::new(gmo_sandbox::DEFAULT_SHOP_ID, gmo_sandbox::DEFAULT_SHOP_PASS)
                    .accept_card_numbers(true),
            ),
        )
        .await
    }

    pub async fn with(builder: SandboxBuilder) -> Self {
        let sandbox = builder.spawn().await.unwrap();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self { sandbox, http }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    /// Posts a raw body to `/payment/<api>.idPass` and returns the raw bytes, checking GMO's
    /// HTTP status and content type.
    pub async fn post_raw(&self, api: &str, body: Vec<u8>) -> Vec<u8> {
        let response = self
            .http
            .post(self.url(&format!("/payment/{api}.idPass")))
            .header("Content-Type", FORM)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "text/plain;charset=Windows-31J"
        );
        response.bytes().await.unwrap().to_vec()
    }

    /// Calls an API with fields in order.
    pub async fn call(&self, api: &str, fields: &[(&str, &str)]) -> Response {
        let mut form = FormEncoder::new();
        for (k, v) in fields {
            form.push_named(k.to_string(), v).unwrap();
        }
        let body = self.post_raw(api, form.finish().into_bytes()).await;
        Response::parse(&body).unwrap()
    }

    /// Calls a Shop API with the default shop's credentials first.
    pub async fn shop_call(&self, api: &str, fields: &[(&str, &str)]) -> Response {
        let mut all = vec![
            ("ShopID", self.sandbox.shop_id()),
            ("ShopPass", self.sandbox.shop_pass()),
        ];
        all.extend_from_slice(fields);
        self.call(api, &all).await
    }

    /// Calls a Site API with the default site's credentials first.
    pub async fn site_call(&self, api: &str, fields: &[(&str, &str)]) -> Response {
        let mut all = vec![
            ("SiteID", self.sandbox.site_id()),
            ("SitePass", self.sandbox.site_pass()),
        ];
        all.extend_from_slice(fields);
        self.call(api, &all).await
    }

    /// EntryTran; returns (AccessID, AccessPass).
    pub async fn entry(&self, order_id: &str, job: &str, amount: &str) -> (String, String) {
        self.entry_with(order_id, &[("JobCd", job), ("Amount", amount)])
            .await
    }

    pub async fn entry_with(&self, order_id: &str, extra: &[(&str, &str)]) -> (String, String) {
        let mut fields = vec![("OrderID", order_id)];
        fields.extend_from_slice(extra);
        let r = self.shop_call("EntryTran", &fields).await;
        assert!(!r.is_error(), "EntryTran failed: {:?}", r.errors());
        (
            r.get("AccessID").unwrap().to_owned(),
            r.get("AccessPass").unwrap().to_owned(),
        )
    }

    /// ExecTran with a fresh token for `card`, Method 1.
    pub async fn exec_card(&self, order_id: &str, ids: &(String, String), card: &str) -> Response {
        let token = self.sandbox.issue_token(card, "2812", "123").unwrap();
        self.exec_token(order_id, ids, &token, &[]).await
    }

    pub async fn exec_token(
        &self,
        order_id: &str,
        ids: &(String, String),
        token: &str,
        extra: &[(&str, &str)],
    ) -> Response {
        let mut fields = vec![
            ("AccessID", ids.0.as_str()),
            ("AccessPass", ids.1.as_str()),
            ("OrderID", order_id),
            ("Method", "1"),
            ("Token", token),
        ];
        fields.extend_from_slice(extra);
        self.call("ExecTran", &fields).await
    }

    /// EntryTran + ExecTran with a token for `card`.
    pub async fn pay(
        &self,
        order_id: &str,
        job: &str,
        amount: &str,
        card: &str,
    ) -> (String, String) {
        let ids = self.entry(order_id, job, amount).await;
        let r = self.exec_card(order_id, &ids, card).await;
        assert!(!r.is_error(), "ExecTran failed: {:?}", r.errors());
        ids
    }

    pub async fn alter(&self, ids: &(String, String), job: &str, amount: Option<&str>) -> Response {
        let mut fields = vec![
            ("AccessID", ids.0.as_str()),
            ("AccessPass", ids.1.as_str()),
            ("JobCd", job),
        ];
        if let Some(a) = amount {
            fields.push(("Amount", a));
        }
        self.shop_call("AlterTran", &fields).await
    }

    pub async fn search(&self, order_id: &str) -> Response {
        self.shop_call("SearchTrade", &[("OrderID", order_id)])
            .await
    }

    pub async fn secure_tran2(&self, ids: &(String, String)) -> Response {
        self.call(
            "SecureTran2",
            &[("AccessID", ids.0.as_str()), ("AccessPass", ids.1.as_str())],
        )
        .await
    }

    /// GET a URL and return (status, body).
    pub async fn get(&self, url: &str) -> (u16, String) {
        let r = self.http.get(url).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// POST a UTF-8 form (as a browser would) and return (status, body).
    pub async fn post_form(&self, url: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let mut form = FormEncoder::new();
        for (k, v) in fields {
            form.push_named(k.to_string(), v).unwrap();
        }
        let r = self
            .http
            .post(url)
            .header("Content-Type", FORM)
            .body(form.finish())
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }
}

/// The error list of an answer as `ErrInfo` codes.
pub fn infos(r: &Response) -> Vec<String> {
    r.errors()
        .expect("an error answer")
        .unwrap()
        .into_iter()
        .map(|e| e.info)
        .collect()
}

/// The keys of an answer.
pub fn keys(r: &Response) -> Vec<&str> {
    r.keys().collect()
}
