//! One-time tokens the way a shop's page gets them: the token.js that
//! `GMO_CONTRACT_TOKEN_JS_URL` names (GMO's, or a sandbox's stand-in) loaded by a page served on
//! 127.0.0.1, in headless Chromium over WebDriver; `Multipayment.init(shopId)`, then
//! `Multipayment.getToken(card, callback)`. The script's own protocol (GMO encrypts the card with
//! keys it holds) stays inside the browser.
#![allow(unreachable_pub)]

use std::time::Duration;

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use fantoccini::wd::TimeoutConfiguration;
use gmo_chromium::{BrowserTools, ChromeDriver};
use gmo_core::CardToken;
use serde_json::{Value, json};

/// How long getToken may take before its callback: GMO's script calls GMO over the internet.
const GET_TOKEN_TIMEOUT: Duration = Duration::from_secs(60);

/// The card object token.js takes.
#[derive(Debug, Clone)]
pub struct Card<'a> {
    pub cardno: &'a str,
    pub expire: &'a str,
    pub securitycode: &'a str,
    pub holdername: &'a str,
}

/// What the callback received for a `resultCode` of `000`.
#[derive(Debug)]
pub struct Issued {
    pub token: CardToken,
    /// `tokenObject` but the token, for the report.
    pub described: String,
}

/// Chromium with the page that loaded token.js.
#[derive(Debug)]
pub struct TokenJs {
    browser: fantoccini::Client,
    page_url: String,
    script_url: String,
    shop_id: String,
    server: tokio::task::JoinHandle<()>,
    /// Last: the driver's drop ends Chromium too.
    driver: ChromeDriver,
}

/// `&`, `"`, `<` and `>` as HTML entities, for an attribute value.
fn attribute(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl TokenJs {
    /// Starts chromedriver and Chromium and opens a page on 127.0.0.1 that loads `script_url`
    /// (a real http origin, as token.js expects a shop's page).
    pub async fn open(
        tools: &BrowserTools,
        script_url: &str,
        shop_id: &str,
    ) -> Result<Self, String> {
        let html = format!(
            "<!doctype html><meta charset=\"utf-8\"><title>gmo-core contract: token.js</title>\
             <script src=\"{}\" onerror=\"window.tokenJsFailed = true\"></script>",
            attribute(script_url)
        );
        let app = Router::new().route("/", get(move || async move { Html(html) }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("token.js page: {e}"))?;
        let page_url = format!(
            "http://{}/",
            listener
                .local_addr()
                .map_err(|e| format!("token.js page: {e}"))?
        );
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let driver = ChromeDriver::start(tools);
        let browser = driver.session().await;
        let token_js = Self {
            browser,
            page_url,
            script_url: script_url.to_owned(),
            shop_id: shop_id.to_owned(),
            server,
            driver,
        };
        token_js.load().await?;
        Ok(token_js)
    }

    async fn load(&self) -> Result<(), String> {
        let timeouts = TimeoutConfiguration::new(Some(GET_TOKEN_TIMEOUT), None, None);
        self.browser
            .update_timeouts(timeouts)
            .await
            .map_err(|e| format!("WebDriver timeouts: {e}"))?;
        self.browser
            .goto(&self.page_url)
            .await
            .map_err(|e| format!("token.js page {}: {e}", self.page_url))?;
        let loaded = self
            .browser
            .execute(
                "return window.tokenJsFailed ? 'failed' \
                 : typeof Multipayment === 'object' && typeof Multipayment.getToken === 'function' \
                 ? 'ok' : 'no Multipayment.getToken';",
                Vec::new(),
            )
            .await
            .map_err(|e| format!("token.js page: {e}"))?;
        match loaded.as_str() {
            Some("ok") => Ok(()),
            Some("failed") => Err(format!("Chromium could not load {}", self.script_url)),
            _ => Err(format!(
                "{} loaded but defines no Multipayment.getToken",
                self.script_url
            )),
        }
    }

    /// Where the script came from and the page that loaded it, for the report.
    pub fn describe(&self) -> String {
        format!("{} on {} in Chromium", self.script_url, self.page_url)
    }

    /// `Multipayment.init(shopId)` and one `getToken`, as a shop's checkout page calls them.
    pub async fn token(&self, card: &Card<'_>) -> Result<Issued, String> {
        let card_object = json!({
            "cardno": card.cardno,
            "expire": card.expire,
            "securitycode": card.securitycode,
            "holdername": card.holdername,
            "tokennumber": "1",
        });
        // A global, named callback passed by reference: GMO's sample passes a function; older
        // scripts call it by its global name.
        let answer = self
            .browser
            .execute_async(
                "var card = arguments[0], shopId = arguments[1];
                 var done = arguments[arguments.length - 1];
                 window.gmoContractTokenCallback = function gmoContractTokenCallback(result) {
                   done({result: result});
                 };
                 try {
                   Multipayment.init(shopId);
                   Multipayment.getToken(card, window.gmoContractTokenCallback);
                 } catch (e) {
                   done({thrown: String(e)});
                 }",
                vec![card_object, json!(self.shop_id)],
            )
            .await
            .map_err(|e| format!("token.js getToken: {e}"))?;
        if let Some(thrown) = answer.get("thrown") {
            return Err(format!("token.js getToken threw {thrown}"));
        }
        Self::issued(&answer["result"])
    }

    /// The callback's object: `resultCode` `000` and one token, a string or (newer scripts) an
    /// array of one.
    fn issued(result: &Value) -> Result<Issued, String> {
        let code = result["resultCode"].as_str();
        if code != Some("000") {
            return Err(format!(
                "token.js answered resultCode {}",
                result["resultCode"]
            ));
        }
        let object = &result["tokenObject"];
        let tokens: Vec<&str> = match &object["token"] {
            Value::String(token) => vec![token.as_str()],
            Value::Array(tokens) => tokens.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let [token] = tokens[..] else {
            return Err(format!(
                "token.js answered 000 with {} tokens for tokennumber 1",
                tokens.len()
            ));
        };
        if token.is_empty() {
            return Err("token.js answered 000 with an empty token".to_owned());
        }
        let shape = if object["token"].is_array() {
            "an array of one"
        } else {
            "a string"
        };
        Ok(Issued {
            token: CardToken::new(token),
            described: format!(
                "token {shape}, maskedCardNo {}, toBeExpiredAt {}, isSecurityCodeSet {}",
                object["maskedCardNo"], object["toBeExpiredAt"], object["isSecurityCodeSet"]
            ),
        })
    }

    /// Ends the browser session, the page and chromedriver.
    pub async fn close(self) {
        let _ = self.browser.close().await;
        self.server.abort();
        drop(self.driver);
    }
}
