//! What a shopper does, step by step, over the shop's documented HTTP surface.

use gmo_sandbox::{AcsBrowser, ReturnForm};
use serde_json::{Value, json};

use crate::driver::{Answer, Body, Client, RunningShop};

/// Orders one `product`: the new order's id. Panics unless the shop answers 201.
pub async fn buy(client: &Client, product: &str) -> String {
    let answer = client
        .post_json("/orders", json!({"product": product, "quantity": 1}))
        .await;
    assert_eq!(answer.status, 201, "create order: {answer}");
    answer.json()["order_id"]
        .as_str()
        .expect("order_id")
        .to_owned()
}

/// The order as the shop shows it to its owner (`GET /orders/{id}` as JSON).
pub async fn order(client: &Client, order_id: &str) -> Value {
    let answer = client.get_json(&format!("/orders/{order_id}")).await;
    assert_eq!(answer.status, 200, "order {order_id}: {answer}");
    answer.json()
}

/// The browser on the issuer's page: answers the challenge with `otp` (when there is one) and
/// is sent back to the shop's 3-D Secure return, without a CSRF token (a cross-site form).
/// Answers the shop's answer to the return (a 303 to the completion page).
pub async fn return_from_acs(client: &Client, redirect_url: &str, otp: &str) -> Answer {
    return_from_acs_with(&AcsBrowser::new(), client, redirect_url, otp).await
}

/// [`return_from_acs`] with the issuer's pages visited by `browser` (shared by many shoppers).
pub async fn return_from_acs_with(
    browser: &AcsBrowser,
    client: &Client,
    redirect_url: &str,
    otp: &str,
) -> Answer {
    let form = authenticate_at_acs_with(browser, redirect_url, otp).await;
    send_return(client, &form)
        .await
        .unwrap_or_else(|e| panic!("the 3-D Secure return to {}: {e}", form.action))
}

/// The browser on the issuer's page at `redirect_url`, answering the challenge with `otp` (when
/// there is one): the form that sends it back to the shop.
pub async fn authenticate_at_acs(redirect_url: &str, otp: &str) -> ReturnForm {
    authenticate_at_acs_with(&AcsBrowser::new(), redirect_url, otp).await
}

/// [`authenticate_at_acs`] with the issuer's pages visited by `browser`.
pub async fn authenticate_at_acs_with(
    browser: &AcsBrowser,
    redirect_url: &str,
    otp: &str,
) -> ReturnForm {
    browser
        .authenticate(redirect_url, otp)
        .await
        .expect("the issuer's page answers")
}

/// The browser submitting the issuer's return `form` to the shop (a cross-site form: without a
/// CSRF token); the transport's error when the shop does not answer.
pub async fn send_return(client: &Client, form: &ReturnForm) -> Result<Answer, reqwest::Error> {
    let fields: Vec<(String, String)> = form.fields.clone();
    let browser = client.without_csrf();
    if form.method.eq_ignore_ascii_case("get") {
        let query = fields
            .iter()
            .map(|(k, v)| format!("{}={}", crate::driver::encode(k), crate::driver::encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let sep = if form.action.contains('?') { '&' } else { '?' };
        browser
            .try_request(
                "GET",
                &format!("{}{sep}{query}", form.action),
                Body::Empty,
                &[],
            )
            .await
    } else {
        browser
            .try_request("POST", &form.action, Body::Form(fields), &[])
            .await
    }
}

/// How a payment went.
#[derive(Debug)]
pub struct Payment {
    /// The answer to `POST /payments/checkout/{id}`.
    pub confirmation: Answer,
    /// The answer to the 3-D Secure return, when there was one.
    pub returned: Option<Answer>,
}

impl Payment {
    /// The page the shopper ends on: the return's `Location`, or for a payment completed at
    /// once, the order's page.
    pub fn landing(&self) -> Option<String> {
        self.returned.as_ref().and_then(Answer::location)
    }
}

/// Pays `order_id` with `source` (`{"token": …}` or `{"card_seq": …}`), through 3-D Secure with
/// `otp` when the shop answers a redirect.
pub async fn pay(client: &Client, order_id: &str, source: Value, otp: &str) -> Payment {
    pay_with(&AcsBrowser::new(), client, order_id, source, otp).await
}

/// [`pay`] with the issuer's pages visited by `browser` (shared by many shoppers).
pub async fn pay_with(
    browser: &AcsBrowser,
    client: &Client,
    order_id: &str,
    source: Value,
    otp: &str,
) -> Payment {
    let confirmation = client
        .post_json(&format!("/payments/checkout/{order_id}"), source)
        .await;
    let returned = if confirmation.json()["status"] == "redirect_to" {
        let url = confirmation.json()["url"]
            .as_str()
            .expect("a redirect URL")
            .to_owned();
        Some(return_from_acs_with(browser, client, &url, otp).await)
    } else {
        None
    };
    Payment {
        confirmation,
        returned,
    }
}

/// Pays a new order of `product` with a new `card`: the order id and the payment.
pub async fn buy_and_pay(
    shop: &RunningShop,
    client: &Client,
    product: &str,
    card: &str,
    otp: &str,
) -> (String, Payment) {
    let order_id = buy(client, product).await;
    let payment = pay(client, &order_id, json!({"token": shop.token(card)}), otp).await;
    (order_id, payment)
}

/// Registers `card` (`POST /payments/cards`), through 3-D Secure in verified mode: the
/// registration's answer and, when there was one, the return's.
pub async fn register_card(
    shop: &RunningShop,
    client: &Client,
    card: &str,
    otp: &str,
) -> (Answer, Option<Answer>) {
    let answer = client
        .post_json("/payments/cards", json!({"token": shop.token(card)}))
        .await;
    if answer.json()["status"] == "redirect_to" {
        let url = answer.json()["url"].as_str().expect("url").to_owned();
        let returned = return_from_acs(client, &url, otp).await;
        (answer, Some(returned))
    } else {
        (answer, None)
    }
}

/// Registers `card` as [`register_card`] does and waits (at most 5 s) until the customer's card
/// list shows one more card: the 3-D Secure return answers at once when GMO's notification is
/// attaching the card on another request, and the card shows up when that request is done.
pub async fn save_card(shop: &RunningShop, client: &Client, card: &str, otp: &str) -> Vec<Value> {
    let before = cards(client).await.len();
    let (answer, returned) = register_card(shop, client, card, otp).await;
    assert_eq!(answer.status, 200, "register {card}: {answer}");
    if let Some(returned) = returned {
        assert_eq!(returned.status, 303, "register {card}: return {returned}");
    }
    let shown = eventually(std::time::Duration::from_secs(5), || {
        let client = client.clone();
        async move {
            let now = cards(&client).await;
            if now.len() > before {
                Ok(())
            } else {
                Err(format!("{} cards", now.len()))
            }
        }
    })
    .await;
    assert!(shown.is_ok(), "register {card}: {shown:?}");
    cards(client).await
}

/// The customer's saved cards (`GET /payments/cards`).
pub async fn cards(client: &Client) -> Vec<Value> {
    let answer = client.get_json("/payments/cards").await;
    assert_eq!(answer.status, 200, "cards: {answer}");
    answer.json()["cards"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// How many confirmation messages the shop sent for each order, as its owner sees them on the
/// emails page (`GET /admin/emails` as JSON; `owner` signed in as the shop's owner).
pub async fn emails_by_order(owner: &Client) -> std::collections::HashMap<String, usize> {
    let answer = owner.get_json("/admin/emails").await;
    assert_eq!(answer.status, 200, "the emails page: {answer}");
    let mut counts = std::collections::HashMap::new();
    for email in answer.json()["emails"].as_array().expect("emails") {
        let order_id = email["order_id"].as_str().expect("an order id").to_owned();
        *counts.entry(order_id).or_default() += 1;
    }
    counts
}

/// Whether the order is ready to ship, as its buyer sees it (`fulfilment` of the order's JSON).
pub async fn ready_to_ship(client: &Client, order_id: &str) -> bool {
    order(client, order_id).await["fulfilment"] == "ready_to_ship"
}

/// Waits until the order is ready to ship (its payment event handled), at most 10 s; panics
/// otherwise.
pub async fn wait_until_ready_to_ship(client: &Client, order_id: &str) {
    eventually(std::time::Duration::from_secs(10), || async {
        if ready_to_ship(client, order_id).await {
            Ok(())
        } else {
            Err(format!("order {order_id} is not ready to ship"))
        }
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
}

/// Checks `fulfilled` every 100 ms until it holds, at most `deadline`: what still did not hold
/// then.
pub async fn eventually<F, Fut>(
    deadline: std::time::Duration,
    mut fulfilled: F,
) -> Result<(), String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let until = tokio::time::Instant::now() + deadline;
    loop {
        match fulfilled().await {
            Err(_) if tokio::time::Instant::now() < until => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            outcome => return outcome,
        }
    }
}

/// Whether the shop sent exactly one confirmation for each order of `paid` and none for those
/// of `unpaid`, per `emails` ([`emails_by_order`]); the first order that breaks it, otherwise.
pub fn confirmed_once(
    emails: &std::collections::HashMap<String, usize>,
    paid: &[String],
    unpaid: &[String],
) -> Result<(), String> {
    let sent = |order_id: &String| emails.get(order_id).copied().unwrap_or(0);
    if let Some(order_id) = paid.iter().find(|o| sent(o) != 1) {
        return Err(format!(
            "paid order {order_id}: {} confirmations, 1 expected",
            sent(order_id)
        ));
    }
    if let Some(order_id) = unpaid.iter().find(|o| sent(o) != 0) {
        return Err(format!(
            "unpaid order {order_id}: {} confirmations, none expected",
            sent(order_id)
        ));
    }
    Ok(())
}
