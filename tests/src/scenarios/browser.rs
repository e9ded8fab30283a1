//! The shop in a real browser: sign in, register a card through the token.js form with a
//! 3-D Secure challenge, pay with it (another challenge, the OTP typed), land on the completion
//! page; then pay with a new card. Every byte the browser sent to the shop is recorded by a
//! proxy in front of it: no card number is among them.

use std::time::Duration;

use fantoccini::{Client, Locator};
use gmo_sandbox::CHALLENGE_OTP;

use crate::browser::{ChromeDriver, WAIT, say, tools};
use crate::driver::{RunningShop, ShopOptions, ShopUnderTest, sandbox_builder};
use crate::tap::Tap;

const CHALLENGE_CARD: &str = "4100000000005000";
const FRICTIONLESS_CARD: &str = "4111111111111111";

/// Waits for the element `locator` finds. A page still navigating (the issuer's page posting
/// itself on) answers the search "aborted by navigation": that is waited out too.
async fn element(browser: &Client, locator: Locator<'_>) -> fantoccini::elements::Element {
    let started = std::time::Instant::now();
    loop {
        match browser.wait().at_most(WAIT).for_element(locator).await {
            Ok(element) => return element,
            Err(e)
                if e.to_string().contains("aborted by navigation") && started.elapsed() < WAIT =>
            {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{locator:?}: {e}"),
        }
    }
}

async fn type_into(browser: &Client, id: &str, text: &str) {
    let field = element(browser, Locator::Id(id)).await;
    field.clear().await.expect("clear");
    field.send_keys(text).await.expect("type");
}

async fn click(browser: &Client, css: &str) {
    element(browser, Locator::Css(css))
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn text_of(browser: &Client, css: &str) -> String {
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .expect("text")
}

/// Waits until the page's URL path starts with `prefix`.
async fn wait_for_path(browser: &Client, base: &str, prefix: &str) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let url = browser.current_url().await.expect("url").to_string();
        if url.starts_with(&format!("{base}{prefix}")) {
            return url;
        }
        if tokio::time::Instant::now() > deadline {
            let source = browser.source().await.unwrap_or_default();
            panic!("still at {url}, waiting for {prefix}:\n{source}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Types the card into the shop's form and presses its button.
async fn enter_card(browser: &Client, card: &str) {
    type_into(browser, "card-number", card).await;
    type_into(browser, "card-expiry", "2812").await;
    type_into(browser, "card-cvc", "123").await;
    type_into(browser, "card-holder", "TARO YAMADA").await;
    click(browser, "#card-submit").await;
}

/// On the issuer's challenge page (the sandbox's), types the OTP and submits; answers a
/// screenshot of the page.
async fn answer_challenge(browser: &Client, sandbox_url: &str) -> Vec<u8> {
    type_into(browser, "otp", CHALLENGE_OTP).await;
    let url = browser.current_url().await.expect("url").to_string();
    assert!(
        url.starts_with(sandbox_url),
        "the challenge is the issuer's page: {url}"
    );
    let screenshot = browser.screenshot().await.expect("screenshot");
    click(browser, "#gmo-sandbox-challenge button[type=submit]").await;
    screenshot
}

fn save(name: &str, png: &[u8]) {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 2_000);
    let path = std::env::temp_dir().join(name);
    if std::fs::write(&path, png).is_ok() {
        say(&format!("screenshot: {}", path.display()));
    }
}

/// Whether the sandbox serves token.js.
async fn sandbox_serves_token_js(sandbox_url: &str) -> bool {
    reqwest::get(format!("{sandbox_url}/ext/js/token.js"))
        .await
        .is_ok_and(|r| r.status().is_success())
}

/// The browser scenario; see the module docs.
pub async fn card_registration_and_checkout_in_chromium<S: ShopUnderTest>() {
    let test = "card_registration_and_checkout_in_chromium";
    let Some(tools) = tools(test) else {
        return;
    };
    let tap = Tap::start().await;
    let shop = RunningShop::start_with::<S>(
        sandbox_builder(),
        ShopOptions {
            public_url: Some(tap.url.clone()),
            ..ShopOptions::default()
        },
    )
    .await;
    tap.forward_to(&shop.url);
    let sandbox_url = shop.sandbox.base_url().to_owned();
    assert!(
        sandbox_serves_token_js(&sandbox_url).await,
        "the sandbox serves /ext/js/token.js"
    );
    let driver = ChromeDriver::start(&tools);
    let browser = driver.session().await;
    let base = tap.url.as_str();

    // Sign in as Alice.
    browser
        .goto(&format!("{base}/signin"))
        .await
        .expect("sign-in page");
    click(&browser, "#signin-alice").await;
    assert_eq!(text_of(&browser, "#signed-in-as").await, "Alice Sato");

    // Save the challenge card: token.js, then 3-D Secure with the OTP.
    browser
        .goto(&format!("{base}/cards"))
        .await
        .expect("cards page");
    let unnamed: serde_json::Value = browser
        .execute(
            "return document.querySelectorAll('#card-form input[name], form #card-number').length",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(
        unnamed, 0,
        "card fields must have no name and be in no form"
    );
    enter_card(&browser, CHALLENGE_CARD).await;
    let challenge = answer_challenge(&browser, &sandbox_url).await;
    save(&format!("gmo-{}-challenge.png", S::NAME), &challenge);
    wait_for_path(&browser, base, "/cards?registered=").await;
    assert_eq!(
        text_of(&browser, "#registration-result").await,
        "Your card is saved."
    );
    let saved = text_of(&browser, "#cards").await;
    assert!(saved.contains("*************000"), "{saved}");

    // Buy a teapot and pay with the saved card (it is chosen by default): another challenge.
    browser.goto(&format!("{base}/")).await.expect("home");
    click(&browser, "#buy-teapot").await;
    wait_for_path(&browser, base, "/checkout/").await;
    assert!(text_of(&browser, "#card-submit").await.contains("6,400"));
    click(&browser, "#card-submit").await;
    answer_challenge(&browser, &sandbox_url).await;
    let completion = wait_for_path(&browser, base, "/orders/").await;
    assert_eq!(
        text_of(&browser, "#result").await,
        "Thank you: your payment is complete."
    );
    assert_eq!(text_of(&browser, "#order-state").await, "paid (authorised)");
    save(
        &format!("gmo-{}-completion.png", S::NAME),
        &browser.screenshot().await.expect("screenshot"),
    );
    let order_id = completion.rsplit('/').next().expect("order id").to_owned();
    assert_eq!(
        shop.sandbox
            .transaction(&order_id)
            .map(|t| (t.status, t.amount)),
        Some((gmo_core::values::Status::Auth, 6_400))
    );

    // Buy matcha and pay with a new (frictionless) card.
    browser.goto(&format!("{base}/")).await.expect("home");
    click(&browser, "#buy-matcha").await;
    wait_for_path(&browser, base, "/checkout/").await;
    click(&browser, "#source-new").await;
    type_into(&browser, "card-number", FRICTIONLESS_CARD).await;
    save(
        &format!("gmo-{}-checkout.png", S::NAME),
        &browser.screenshot().await.expect("screenshot"),
    );
    enter_card(&browser, FRICTIONLESS_CARD).await;
    wait_for_path(&browser, base, "/orders/").await;
    assert_eq!(text_of(&browser, "#order-state").await, "paid (authorised)");

    // A card token.js refuses (Luhn): the page says so, nothing is posted.
    browser
        .goto(&format!("{base}/cards"))
        .await
        .expect("cards page");
    let posts_before = tap
        .recorded()
        .iter()
        .filter(|r| r.line.starts_with("POST"))
        .count();
    enter_card(&browser, "4111111111111112").await;
    let error = text_of(&browser, "#card-error").await;
    let error = if error.is_empty() {
        tokio::time::sleep(Duration::from_millis(500)).await;
        text_of(&browser, "#card-error").await
    } else {
        error
    };
    assert!(error.contains("102"), "{error}");
    let posts_after = tap
        .recorded()
        .iter()
        .filter(|r| r.line.starts_with("POST"))
        .count();
    assert_eq!(posts_before, posts_after);
    browser.close().await.expect("close");

    // What the shop received: tokens and card numbers' masks only, never a card number.
    let recorded = tap.recorded();
    assert!(recorded.len() > 10, "{recorded:?}");
    let posts: Vec<_> = recorded
        .iter()
        .filter(|r| r.line.starts_with("POST /payments/"))
        .collect();
    assert!(posts.len() >= 3, "{posts:?}");
    // What the browser sent: GMO's result notifications come through the proxy too, and in
    // GMO's test environment their TranID carries card digits 5–16 after a `yyMMddHHmm` prefix
    // (at minutes ending in 4, `…4` + `111111111111` reads like 4111 1111 1111).
    let from_the_browser = recorded
        .iter()
        .filter(|r| !r.line.starts_with("POST /payments/notify"));
    for request in from_the_browser {
        let text = request.request_text();
        for card in [CHALLENGE_CARD, FRICTIONLESS_CARD, "4111111111111112"] {
            let spaced = format!(
                "{} {} {} {}",
                &card[..4],
                &card[4..8],
                &card[8..12],
                &card[12..]
            );
            assert!(
                !text.contains(card) && !text.contains(&spaced) && !text.contains(&card[..12]),
                "a card number reached the shop: {}",
                request.line
            );
        }
        assert!(
            !text.contains("securitycode") && !text.contains("cvc"),
            "{}",
            request.line
        );
    }
    // Every page came with the Content-Security-Policy.
    for request in recorded
        .iter()
        .filter(|r| r.response_headers.contains("text/html"))
    {
        assert!(
            request.response_headers.contains(
                "content-security-policy: default-src 'self'; script-src 'self' http://127.0.0.1:"
            ),
            "{}: {}",
            request.line,
            request.response_headers
        );
    }
}
