//! A shop's checkout in a real browser (headless Chromium over WebDriver) against the sandbox:
//! token.js on the shop's page, the shop's server paying with the token, the sandbox's 3-D Secure
//! pages, the return to the shop and SecureTran2 — and the card number never reaching the shop.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (`.ci/install-browser`); without them
//! the browser tests print "skipped" and pass, unless `CI` is set. The harness is
//! `gmo-chromium`, shared with the example shops' browser tests and gmo-core's contract suite.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use gmo_chromium::{ChromeDriver, WAIT, say, tools};
use gmo_core::values::Status;
use gmo_core::wire::{FormEncoder, parse_form};
use gmo_sandbox::{CHALLENGE_OTP, RunningSandbox, Sandbox};
use serde_json::{Value, json};

const CHALLENGE_CARD: &str = "4100000000005000";
const FRICTIONLESS_CARD: &str = "4111111111111111";
const CARD_NUMBERS: [&str; 2] = [CHALLENGE_CARD, FRICTIONLESS_CARD];
const AMOUNT: &str = "1500";

// ---------------------------------------------------------------------------------------------
// The shop: a checkout page with token.js, a server that pays with the token

#[derive(Debug, Clone)]
struct Order {
    order_id: String,
    access_pass: String,
}

#[derive(Clone)]
struct Shop {
    sandbox_url: String,
    shop_id: String,
    shop_pass: String,
    own_url: Arc<OnceLock<String>>,
    http: reqwest::Client,
    /// Every request the shop's server received: `METHOD path?query` and the body.
    seen: Arc<Mutex<Vec<(String, String)>>>,
    /// By AccessID.
    orders: Arc<Mutex<HashMap<String, Order>>>,
    next_order: Arc<AtomicU32>,
}

impl Shop {
    async fn spawn(sandbox: &RunningSandbox) -> Self {
        let shop = Self {
            sandbox_url: sandbox.base_url().to_owned(),
            shop_id: sandbox.shop_id().to_owned(),
            shop_pass: sandbox.shop_pass().to_owned(),
            own_url: Arc::default(),
            http: reqwest::Client::new(),
            seen: Arc::default(),
            orders: Arc::default(),
            next_order: Arc::default(),
        };
        let app = Router::new()
            .route("/checkout", get(checkout_page))
            .route("/pay", post(pay))
            .route("/3ds-return", post(three_ds_return))
            .layer(middleware::from_fn_with_state(shop.clone(), record))
            .with_state(shop.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        shop.own_url.set(url).unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        shop
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.own_url.get().unwrap())
    }

    /// A protocol call to the sandbox over the wire codec, as a shop's server makes it.
    async fn gmo(&self, api: &str, fields: &[(&str, &str)]) -> gmo_core::wire::Response {
        let mut form = FormEncoder::new();
        for (k, v) in fields {
            form.push_named(k.to_string(), v).unwrap();
        }
        let body = self
            .http
            .post(format!("{}/payment/{api}.idPass", self.sandbox_url))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form.finish())
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        gmo_core::wire::Response::parse(&body).unwrap()
    }

    fn requests(&self) -> Vec<(String, String)> {
        self.seen.lock().unwrap().clone()
    }
}

async fn record(State(shop): State<Shop>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    shop.seen.lock().unwrap().push((
        format!("{} {}", parts.method, parts.uri),
        String::from_utf8_lossy(&bytes).into_owned(),
    ));
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// The card fields have no `name`: they are never submitted. token.js turns them into a token,
/// and only the token is posted to the shop.
async fn checkout_page(State(shop): State<Shop>) -> Html<String> {
    Html(format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Test shop: checkout</title>
<script src="{sandbox}/ext/js/token.js"></script>
</head>
<body>
<h1>Checkout</h1>
<p>Total: {AMOUNT} JPY</p>
<p><label>Card number <input id="card-number" inputmode="numeric" autocomplete="cc-number"></label></p>
<p><label>Expiry (YYMM) <input id="card-expiry" autocomplete="cc-exp"></label></p>
<p><label>Security code <input id="card-cvc" inputmode="numeric" autocomplete="cc-csc"></label></p>
<p><label>Name on card <input id="card-holder" autocomplete="cc-name"></label></p>
<button id="pay" type="button" onclick="pay()">Pay</button>
<p id="error" role="alert"></p>
<form id="token-form" method="post" action="/pay"><input id="token" type="hidden" name="token"></form>
<script>
function value(id) {{ return document.getElementById(id).value; }}
function pay() {{
  Multipayment.init("{shop_id}");
  Multipayment.getToken({{
    cardno: value("card-number"),
    expire: value("card-expiry"),
    securitycode: value("card-cvc"),
    holdername: value("card-holder")
  }}, "onToken");
}}
function onToken(result) {{
  if (result.resultCode !== "000") {{
    document.getElementById("error").textContent = "Card rejected (" + result.resultCode + ")";
    return;
  }}
  document.getElementById("token").value = result.tokenObject.token;
  document.getElementById("token-form").submit();
}}
</script>
</body>
</html>
"#,
        sandbox = shop.sandbox_url,
        shop_id = shop.shop_id,
    ))
}

fn result_page(title: &str, detail: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\n\
         <body><h1 id=\"result\">{title}</h1><p id=\"detail\">{detail}</p></body></html>\n"
    ))
}

fn error_infos(r: &gmo_core::wire::Response) -> String {
    r.errors()
        .unwrap()
        .unwrap()
        .into_iter()
        .map(|e| e.info)
        .collect::<Vec<_>>()
        .join("|")
}

/// EntryTran (3-D Secure 2.0) and ExecTran with the token; the browser goes on to the ACS.
async fn pay(State(shop): State<Shop>, body: Bytes) -> Response {
    let form = parse_form(&body).unwrap();
    let token = form.get("token").unwrap_or_default();
    let order_id = format!(
        "browser-{}",
        shop.next_order.fetch_add(1, Ordering::Relaxed) + 1
    );
    let entry = shop
        .gmo(
            "EntryTran",
            &[
                ("ShopID", &shop.shop_id),
                ("ShopPass", &shop.shop_pass),
                ("OrderID", &order_id),
                ("JobCd", "AUTH"),
                ("Amount", AMOUNT),
                ("TdFlag", "2"),
            ],
        )
        .await;
    if entry.is_error() {
        return result_page("Payment failed", &error_infos(&entry)).into_response();
    }
    let access_id = entry.get("AccessID").unwrap().to_owned();
    let access_pass = entry.get("AccessPass").unwrap().to_owned();
    shop.orders.lock().unwrap().insert(
        access_id.clone(),
        Order {
            order_id: order_id.clone(),
            access_pass: access_pass.clone(),
        },
    );
    let exec = shop
        .gmo(
            "ExecTran",
            &[
                ("AccessID", &access_id),
                ("AccessPass", &access_pass),
                ("OrderID", &order_id),
                ("Method", "1"),
                ("Token", token),
                ("RetUrl", &shop.url("/3ds-return")),
            ],
        )
        .await;
    if exec.is_error() {
        return result_page("Payment failed", &error_infos(&exec)).into_response();
    }
    match (exec.get("ACS"), exec.get("RedirectUrl")) {
        (Some("2"), Some(url)) => Redirect::to(url).into_response(),
        _ => result_page("Payment complete", &order_id).into_response(),
    }
}

/// The ACS sends the browser back with `AccessID`; SecureTran2 authorises.
async fn three_ds_return(State(shop): State<Shop>, body: Bytes) -> Html<String> {
    let form = parse_form(&body).unwrap();
    let access_id = form.get("AccessID").unwrap_or_default();
    let Some(order) = shop.orders.lock().unwrap().get(access_id).cloned() else {
        return result_page("Payment failed", "unknown AccessID");
    };
    let secured = shop
        .gmo(
            "SecureTran2",
            &[("AccessID", access_id), ("AccessPass", &order.access_pass)],
        )
        .await;
    if secured.is_error() {
        return result_page(
            "Payment failed",
            &format!("{} {}", order.order_id, error_infos(&secured)),
        );
    }
    result_page("Payment complete", &order.order_id)
}

// ---------------------------------------------------------------------------------------------
// The customer

/// Waits for an element of the page the browser is on or is going to. Unlike fantoccini's
/// `wait().for_element`, goes on through the errors a page in the middle of a navigation gives.
async fn wait_for(browser: &Client, locator: Locator<'_>) -> Element {
    let deadline = Instant::now() + WAIT;
    loop {
        match browser.find(locator).await {
            Ok(element) => return element,
            Err(error) if Instant::now() > deadline => {
                let url = browser.current_url().await.map(String::from);
                panic!("no {locator:?} on {url:?}: {error}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Opens the checkout, types the card and presses Pay.
async fn enter_card(browser: &Client, shop: &Shop, card: &str) {
    browser.goto(&shop.url("/checkout")).await.unwrap();
    for (id, text) in [
        ("card-number", card),
        ("card-expiry", "2812"),
        ("card-cvc", "123"),
        ("card-holder", "TARO YAMADA"),
    ] {
        browser
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    browser
        .find(Locator::Id("pay"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Waits for the shop's result page; returns (title, detail).
async fn shop_result(browser: &Client) -> (String, String) {
    let title = wait_for(browser, Locator::Id("result"))
        .await
        .text()
        .await
        .unwrap();
    let detail = browser
        .find(Locator::Id("detail"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (title, detail)
}

/// Waits for the sandbox's OTP page, types the password and submits.
async fn answer_challenge(browser: &Client, sandbox: &RunningSandbox, otp: &str) -> Vec<u8> {
    let field = wait_for(browser, Locator::Id("otp")).await;
    let url = browser.current_url().await.unwrap();
    assert!(
        url.as_str().starts_with(sandbox.base_url()),
        "the challenge is the sandbox's page: {url}"
    );
    field.send_keys(otp).await.unwrap();
    let screenshot = browser.screenshot().await.unwrap();
    browser
        .find(Locator::Css("#gmo-sandbox-challenge button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    screenshot
}

fn assert_status(sandbox: &RunningSandbox, order_id: &str, status: Status) {
    assert_eq!(
        sandbox.transaction(order_id).unwrap().status,
        status,
        "{order_id}"
    );
}

// ---------------------------------------------------------------------------------------------
// Tests

#[tokio::test]
async fn token_js_is_served_as_a_script() {
    let sandbox = Sandbox::builder().spawn().await.unwrap();
    let response = reqwest::get(format!("{}/ext/js/token.js", sandbox.base_url()))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/javascript; charset=utf-8"
    );
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    let script = response.text().await.unwrap();
    assert!(script.contains("global.Multipayment = {"));
    assert!(script.contains("\"/sandbox/tokens\""));
}

/// What token.js posts: the browser's UTF-8 (`encodeURIComponent`). A name token.js refuses is
/// refused for its characters (`131`), however they are encoded.
#[tokio::test]
async fn the_token_endpoint_reads_what_browsers_send() {
    let sandbox = Sandbox::builder().spawn().await.unwrap();
    let post = |body: String| {
        let url = format!("{}/sandbox/tokens", sandbox.base_url());
        async move {
            let response = reqwest::Client::new()
                .post(url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            serde_json::from_slice::<Value>(&response.bytes().await.unwrap()).unwrap()
        }
    };
    let card = format!(
        "cardno={FRICTIONLESS_CARD}&expire=2812&shopid={}",
        sandbox.shop_id()
    );
    // ＴＡＲＯ in UTF-8, then in Windows-31J.
    for name in ["%EF%BC%B4%EF%BC%A1%EF%BC%B2%EF%BC%AF", "%82s%82%60%82q%82n"] {
        let answer = post(format!("{card}&holdername={name}")).await;
        assert_eq!(answer, json!({"resultCode": "131"}), "{name}");
    }
    let answer = post(format!("{card}&holdername=TARO+YAMADA")).await;
    assert_eq!(answer["resultCode"], "000");
}

/// Three checkouts in one browser: a challenge passed, a frictionless card, a failed challenge;
/// then a card token.js refuses, and token.js's API as pages call it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkout_in_chromium() {
    let Some(tools) = tools("checkout_in_chromium") else {
        return;
    };
    let sandbox = Sandbox::builder().spawn().await.unwrap();
    let shop = Shop::spawn(&sandbox).await;
    let driver = ChromeDriver::start(&tools);
    let browser = driver.session().await;

    // 1. Challenge card, right password.
    enter_card(&browser, &shop, CHALLENGE_CARD).await;
    let screenshot = answer_challenge(&browser, &sandbox, CHALLENGE_OTP).await;
    let (title, order_id) = shop_result(&browser).await;
    assert_eq!(title, "Payment complete", "{order_id}");
    assert_status(&sandbox, &order_id, Status::Auth);
    assert!(screenshot.starts_with(b"\x89PNG\r\n\x1a\n") && screenshot.len() > 2_000);
    let shot = std::env::temp_dir().join("gmo-sandbox-challenge.png");
    std::fs::write(&shot, &screenshot).unwrap();
    say(&format!("challenge page screenshot: {}", shot.display()));

    // 2. Frictionless card: the ACS sends the browser straight back.
    enter_card(&browser, &shop, FRICTIONLESS_CARD).await;
    let (title, order_id) = shop_result(&browser).await;
    assert_eq!(title, "Payment complete", "{order_id}");
    assert_status(&sandbox, &order_id, Status::Auth);

    // 3. Challenge card, wrong password: back at the shop, SecureTran2 refuses.
    enter_card(&browser, &shop, CHALLENGE_CARD).await;
    answer_challenge(&browser, &sandbox, "000000").await;
    let (title, detail) = shop_result(&browser).await;
    assert_eq!(title, "Payment failed");
    let (order_id, infos) = detail.split_once(' ').unwrap();
    assert_eq!(infos, "E21030007");
    assert_status(&sandbox, order_id, Status::Unprocessed);

    // 4. A number token.js refuses (Luhn): the page shows the code, nothing reaches the shop.
    enter_card(&browser, &shop, "4111111111111112").await;
    let error = wait_for(&browser, Locator::XPath("//p[@id='error' and text()!='']")).await;
    assert_eq!(error.text().await.unwrap(), "Card rejected (102)");

    // The shop never saw a card number: only the token was posted (three times: no POST for the
    // refused card).
    let requests = shop.requests();
    let pays: Vec<_> = requests.iter().filter(|(r, _)| r == "POST /pay").collect();
    assert_eq!(pays.len(), 3);
    for (_, body) in &pays {
        let form = parse_form(body.as_bytes()).unwrap();
        let keys: Vec<_> = form.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["token"]);
    }
    for (line, body) in &requests {
        for card in CARD_NUMBERS {
            assert!(
                !line.contains(card) && !body.contains(card),
                "{line} {body}"
            );
        }
    }

    // 5. token.js's API: a function callback, a global function's name, a Promise, arrays and
    //    error codes.
    let answers = browser
        .execute_async(
            r#"
            var shop = arguments[0], done = arguments[arguments.length - 1];
            var card = {cardno: "4111111111111111", expire: "202812", securitycode: "123"};
            var out = {};
            window.byName = function (r) {
              out.byName = r;
              Multipayment.getToken({cardno: card.cardno, expire: card.expire, tokennumber: "2"})
                .then(function (r) {
                  out.twoTokens = r;
                  return Multipayment.getToken({expire: "2812"});
                })
                .then(function (r) {
                  out.noNumber = r;
                  return Multipayment.getToken({cardno: card.cardno, expire: card.expire,
                                                holdername: "山田 太郎"});
                })
                .then(function (r) {
                  out.kanjiName = r;
                  return Multipayment.getToken({cardno: card.cardno, expire: card.expire,
                                                holdername: "ＴＡＲＯ"});
                })
                .then(function (r) {
                  out.fullWidthName = r;
                  Multipayment.init("tshopunknown");
                  return Multipayment.getToken(card);
                })
                .then(function (r) {
                  out.unknownShop = r;
                  done(out);
                });
            };
            Multipayment.init(shop);
            Multipayment.getToken(card, function (r) {
              out.byFunction = r;
              Multipayment.getToken(card, "byName");
            });
            "#,
            vec![json!(shop.shop_id)],
        )
        .await
        .unwrap();
    for key in ["byFunction", "byName"] {
        let answer = &answers[key];
        assert_eq!(answer["resultCode"], "000", "{key}: {answer}");
        let token = answer["tokenObject"]["token"].as_str().unwrap();
        assert_eq!(token.len(), 64, "{key}");
        assert_eq!(answer["tokenObject"]["maskedCardNo"], "411111******1111");
        assert_eq!(answer["tokenObject"]["isSecurityCodeSet"], true);
    }
    assert_ne!(
        answers["byFunction"]["tokenObject"]["token"],
        answers["byName"]["tokenObject"]["token"]
    );
    let two = &answers["twoTokens"]["tokenObject"];
    assert_eq!(two["token"].as_array().map(Vec::len), Some(2), "{two}");
    assert_eq!(two["isSecurityCodeSet"], false);
    assert_eq!(answers["noNumber"], json!({"resultCode": "100"}));
    // Names beyond half-width letters are the customer's mistake, whatever their characters.
    assert_eq!(answers["kanjiName"], json!({"resultCode": "131"}));
    assert_eq!(answers["fullWidthName"], json!({"resultCode": "131"}));
    assert_eq!(answers["unknownShop"], json!({"resultCode": "180"}));
    // Tokens from the browser are the sandbox's own: one pays.
    let token: &Value = &answers["byFunction"]["tokenObject"]["token"];
    let entry = shop
        .gmo(
            "EntryTran",
            &[
                ("ShopID", &shop.shop_id),
                ("ShopPass", &shop.shop_pass),
                ("OrderID", "browser-token"),
                ("JobCd", "AUTH"),
                ("Amount", "100"),
            ],
        )
        .await;
    let exec = shop
        .gmo(
            "ExecTran",
            &[
                ("AccessID", entry.get("AccessID").unwrap()),
                ("AccessPass", entry.get("AccessPass").unwrap()),
                ("OrderID", "browser-token"),
                ("Method", "1"),
                ("Token", token.as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(exec.get("ACS"), Some("0"), "{:?}", exec.errors());
    assert_status(&sandbox, "browser-token", Status::Auth);

    browser.close().await.unwrap();
}
