//! Two shops, one behaviour: the same requests (every route, signed in or out, pages and JSON,
//! missing CSRF tokens, wrong methods, unknown paths, odd ids, bad bodies, admin actions,
//! sign-ins from another site and from the shop's own pages) sent
//! to both, in the same order from the same starting point; their answers must be the same:
//! status, headers (but the date and the connection's: `content-length`, `connection`, …;
//! `Allow` as a set) and body, once what differs by nature (URLs, order ids, session ids and
//! tokens, timestamps) is masked.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use gmo_sandbox::CHALLENGE_OTP;
use serde_json::{Value, json};

use crate::driver::{Answer, Body, Client, RunningShop, ShopOptions, ShopUnderTest};
use crate::shopping::{buy, buy_and_pay, register_card, wait_until_ready_to_ship};

/// Who sends a request.
#[derive(Debug, Clone, Copy)]
enum Who {
    /// A new client without a session, each time.
    Anonymous,
    /// Alice, with her CSRF token.
    Alice,
    /// Alice's session without its CSRF token (a forged request).
    AliceForged,
    /// The shop owner.
    Owner,
    /// Carol, who signs out at the end.
    Carol,
}

/// One request.
#[derive(Debug, Clone)]
struct Probe {
    who: Who,
    method: &'static str,
    /// With `{prepared}` (Alice's unpaid order), `{paid}` (hers, authorised), `{bobs}` (Bob's)
    /// and `{registration}` (Alice's card registration).
    path: String,
    body: Body,
    accept: Option<&'static str>,
    /// More headers; `{shop}` in a value is the shop's URL.
    headers: Vec<(&'static str, &'static str)>,
}

fn probe(who: Who, method: &'static str, path: &str, body: Body, accept: &'static str) -> Probe {
    Probe {
        who,
        method,
        path: path.to_owned(),
        body,
        accept: Some(accept),
        headers: Vec::new(),
    }
}

/// [`probe`] with more headers.
fn probe_with(
    headers: &[(&'static str, &'static str)],
    who: Who,
    method: &'static str,
    path: &str,
    body: Body,
    accept: &'static str,
) -> Probe {
    Probe {
        headers: headers.to_vec(),
        ..probe(who, method, path, body, accept)
    }
}

const HTML: &str = "text/html";
const JSON: &str = "application/json";

fn json_body(value: Value) -> Body {
    Body::Json(value)
}

fn form(pairs: &[(&str, &str)]) -> Body {
    Body::Form(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

fn raw(content_type: &str, body: &[u8]) -> Body {
    Body::Raw(Some(content_type.to_owned()), body.to_vec())
}

/// Every probe, in order.
fn probes() -> Vec<Probe> {
    use Who::*;
    let mut all = Vec::new();
    let reads = [
        "/",
        "/signin",
        "/session",
        "/orders",
        "/orders/{prepared}",
        "/orders/{paid}",
        "/orders/{bobs}",
        "/orders/o-unknown",
        "/orders/not%20an%20id",
        "/orders/%ff",
        "/orders/",
        "/orders/{prepared}/",
        "/checkout/{prepared}",
        "/checkout/{paid}",
        "/checkout/{bobs}",
        "/checkout/%ff",
        "/cards",
        "/cards?registered={registration}",
        "/cards?registered={bobs}",
        "/cards?registered=a&registered=b&registered",
        "/cards?closed=1",
        "/account/close",
        "/admin/orders",
        "/admin/emails",
        "/assets/card-form.js",
        "/assets/style.css",
        "/assets/nothing.js",
        "/nothing",
        "/payments/cards",
        "/payments/cards/0",
        "/payments/cards/0/default",
        "/payments/checkout/{prepared}",
        "/payments/3ds/{prepared}",
        "/payments/3ds/{prepared}?AccessID=forged",
        "/payments/notify",
        "/payments/nothing",
        "/payments",
    ];
    for path in reads {
        for who in [Anonymous, Alice, Owner] {
            for accept in [HTML, JSON] {
                all.push(probe(who, "GET", path, Body::Empty, accept));
            }
        }
    }
    for path in ["/", "/orders", "/assets/style.css", "/payments/cards"] {
        all.push(probe(Alice, "HEAD", path, Body::Empty, HTML));
        all.push(probe(Anonymous, "HEAD", path, Body::Empty, JSON));
    }
    for path in ["/", "/orders", "/payments/cards", "/signin"] {
        all.push(probe(Alice, "OPTIONS", path, Body::Empty, JSON));
    }
    let product = |p: &str| json!({ "product": p });
    let writes = [
        // Wrong methods.
        probe(Alice, "DELETE", "/orders", Body::Empty, JSON),
        probe(Alice, "PUT", "/signin", Body::Empty, JSON),
        probe(Anonymous, "PUT", "/signin", Body::Empty, JSON),
        probe(Alice, "POST", "/", Body::Empty, JSON),
        probe(Alice, "POST", "/nothing", Body::Empty, JSON),
        probe(Alice, "PATCH", "/payments/cards", Body::Empty, JSON),
        probe(
            Alice,
            "DELETE",
            "/payments/checkout/{prepared}",
            Body::Empty,
            JSON,
        ),
        probe(Anonymous, "PUT", "/payments/notify", Body::Empty, JSON),
        // Without the session's CSRF token.
        probe(
            AliceForged,
            "POST",
            "/orders",
            json_body(product("tea")),
            JSON,
        ),
        probe(
            AliceForged,
            "POST",
            "/orders",
            form(&[("product", "teapot")]),
            HTML,
        ),
        probe(AliceForged, "POST", "/signout", Body::Empty, HTML),
        probe(AliceForged, "POST", "/nothing", Body::Empty, JSON),
        probe(
            AliceForged,
            "DELETE",
            "/payments/cards/0",
            Body::Empty,
            JSON,
        ),
        probe(
            AliceForged,
            "POST",
            "/payments/checkout/{prepared}",
            json_body(json!({"card_seq": 0})),
            JSON,
        ),
        probe(
            AliceForged,
            "POST",
            "/orders",
            form(&[("product", "teapot"), ("_csrf", "forged")]),
            HTML,
        ),
        // Orders.
        probe(
            Anonymous,
            "POST",
            "/orders",
            json_body(product("teapot")),
            JSON,
        ),
        probe(
            Anonymous,
            "POST",
            "/orders",
            form(&[("product", "teapot")]),
            HTML,
        ),
        probe(Alice, "POST", "/orders", json_body(product("teapot")), JSON),
        probe(
            Alice,
            "POST",
            "/orders",
            form(&[("product", "matcha")]),
            HTML,
        ),
        probe(
            Alice,
            "POST",
            "/orders",
            json_body(product("nothing")),
            JSON,
        ),
        probe(
            Alice,
            "POST",
            "/orders",
            form(&[("product", "nothing")]),
            HTML,
        ),
        probe(
            Alice,
            "POST",
            "/orders",
            json_body(json!({"product": "teapot", "amount": 1})),
            JSON,
        ),
        probe(
            Alice,
            "POST",
            "/orders",
            json_body(json!({"product": "teapot", "quantity": 11})),
            JSON,
        ),
        probe(Alice, "POST", "/orders", json_body(json!({})), JSON),
        probe(Alice, "POST", "/orders", raw(JSON, b"{"), JSON),
        probe(Alice, "POST", "/orders", raw("text/xml", b"<a/>"), JSON),
        probe(Alice, "POST", "/orders", raw("text/plain", b""), JSON),
        probe(
            Alice,
            "POST",
            "/orders",
            form(&[("product", "teapot"), ("note", "4242424242424242")]),
            JSON,
        ),
        probe(Alice, "POST", "/orders", raw(JSON, &[b' '; 100_000]), JSON),
        // Payment routes.
        probe(
            Alice,
            "POST",
            "/payments/checkout/{bobs}",
            json_body(json!({"card_seq": 0})),
            JSON,
        ),
        probe(
            Alice,
            "POST",
            "/payments/checkout/{prepared}",
            json_body(json!({"card_seq": 0, "amount": 1})),
            JSON,
        ),
        probe(
            Alice,
            "POST",
            "/payments/checkout/{prepared}",
            json_body(json!({"card_seq": 99})),
            JSON,
        ),
        probe(
            Alice,
            "POST",
            "/payments/checkout/{paid}",
            json_body(json!({"card_seq": 0})),
            JSON,
        ),
        probe(
            Alice,
            "POST",
            "/payments/checkout/%ff",
            json_body(json!({"card_seq": 0})),
            JSON,
        ),
        probe(
            Anonymous,
            "POST",
            "/payments/checkout/{prepared}",
            json_body(json!({"card_seq": 0})),
            HTML,
        ),
        probe(
            Anonymous,
            "POST",
            "/payments/cards",
            form(&[("token", "x")]),
            HTML,
        ),
        probe(Alice, "DELETE", "/payments/cards/abc", Body::Empty, JSON),
        probe(Alice, "DELETE", "/payments/cards/99", Body::Empty, JSON),
        // Replacing a card and the default card.
        probe(Alice, "PUT", "/payments/cards/0", Body::Empty, JSON),
        probe(
            Alice,
            "PUT",
            "/payments/cards/0",
            form(&[("token", "")]),
            JSON,
        ),
        probe(
            Alice,
            "PUT",
            "/payments/cards/99",
            json_body(json!({"token": "unused"})),
            JSON,
        ),
        probe(
            Alice,
            "PUT",
            "/payments/cards/abc",
            json_body(json!({"token": "unused"})),
            JSON,
        ),
        probe(
            AliceForged,
            "PUT",
            "/payments/cards/0",
            json_body(json!({"token": "unused"})),
            JSON,
        ),
        probe(Alice, "POST", "/payments/cards/0", Body::Empty, JSON),
        probe(Alice, "PUT", "/payments/cards/0/default", Body::Empty, JSON),
        probe(
            Alice,
            "POST",
            "/payments/cards/0/default",
            form(&[("note", "x")]),
            JSON,
        ),
        probe(
            Alice,
            "PUT",
            "/payments/cards/0/default",
            json_body(json!({"price": 1})),
            JSON,
        ),
        probe(
            Alice,
            "PUT",
            "/payments/cards/99/default",
            Body::Empty,
            JSON,
        ),
        probe(
            Alice,
            "DELETE",
            "/payments/cards/0/default",
            Body::Empty,
            JSON,
        ),
        probe(
            AliceForged,
            "PUT",
            "/payments/cards/0/default",
            Body::Empty,
            JSON,
        ),
        probe(
            Anonymous,
            "PUT",
            "/payments/cards/0/default",
            Body::Empty,
            JSON,
        ),
        // Closing the account: refused unconfirmed, forged or signed out (Alice keeps hers).
        probe(Alice, "POST", "/account/close", json_body(json!({})), JSON),
        probe(Alice, "POST", "/account/close", form(&[]), HTML),
        probe(
            AliceForged,
            "POST",
            "/account/close",
            form(&[("confirm", "yes")]),
            HTML,
        ),
        probe(
            Anonymous,
            "POST",
            "/account/close",
            form(&[("confirm", "yes")]),
            HTML,
        ),
        probe(Alice, "DELETE", "/account/close", Body::Empty, JSON),
        probe(
            Anonymous,
            "POST",
            "/payments/3ds/{prepared}",
            form(&[("AccessID", "forged")]),
            HTML,
        ),
        probe(
            Anonymous,
            "POST",
            "/payments/3ds/%ff",
            form(&[("AccessID", "forged")]),
            HTML,
        ),
        probe(
            Anonymous,
            "POST",
            "/payments/3ds/{prepared}",
            Body::Empty,
            HTML,
        ),
        probe(
            Anonymous,
            "POST",
            "/payments/notify",
            raw("application/x-www-form-urlencoded", b"ShopID=x"),
            HTML,
        ),
        // Admin actions: not there for customers, refused without the token, then done once.
        probe(
            Alice,
            "POST",
            "/admin/orders/{paid}/capture",
            json_body(json!({})),
            JSON,
        ),
        probe(
            Owner,
            "POST",
            "/admin/orders/{paid}/launch",
            json_body(json!({})),
            JSON,
        ),
        probe(
            Owner,
            "POST",
            "/admin/orders/%ff/capture",
            json_body(json!({})),
            JSON,
        ),
        probe(
            Owner,
            "POST",
            "/admin/orders/{prepared}/capture",
            form(&[]),
            HTML,
        ),
        probe(
            Owner,
            "POST",
            "/admin/orders/{paid}/capture",
            json_body(json!({})),
            JSON,
        ),
        probe(
            Owner,
            "POST",
            "/admin/orders/{paid}/capture",
            json_body(json!({})),
            JSON,
        ),
        probe(
            Owner,
            "POST",
            "/admin/orders/{paid}/refund",
            form(&[]),
            HTML,
        ),
        probe(Owner, "GET", "/admin/orders", Body::Empty, JSON),
        probe(Alice, "GET", "/orders", Body::Empty, JSON),
        // Sign-in and sign-out.
        probe(
            Anonymous,
            "POST",
            "/signin",
            form(&[("user", "nobody")]),
            HTML,
        ),
        probe(
            Anonymous,
            "POST",
            "/signin",
            json_body(json!({"user": 7})),
            JSON,
        ),
        probe(
            Anonymous,
            "POST",
            "/signin",
            raw("text/plain", b"user=bob"),
            JSON,
        ),
        probe(Anonymous, "POST", "/signin", form(&[("user", "bob")]), HTML),
        // Sign-in from another site (login CSRF) is refused; from the shop's own pages not.
        probe_with(
            &[("origin", "https://evil.example")],
            Anonymous,
            "POST",
            "/signin",
            form(&[("user", "bob")]),
            HTML,
        ),
        probe_with(
            &[("sec-fetch-site", "cross-site")],
            Anonymous,
            "POST",
            "/signin",
            json_body(json!({"user": "bob"})),
            JSON,
        ),
        probe_with(
            &[("referer", "https://evil.example/{shop}")],
            Anonymous,
            "POST",
            "/signin",
            form(&[("user", "bob")]),
            JSON,
        ),
        probe_with(
            &[("origin", "null")],
            Alice,
            "POST",
            "/signin",
            form(&[("user", "carol")]),
            HTML,
        ),
        probe_with(
            &[("origin", "{shop}"), ("sec-fetch-site", "same-origin")],
            Anonymous,
            "POST",
            "/signin",
            form(&[("user", "bob")]),
            HTML,
        ),
        probe_with(
            &[("referer", "{shop}/signin")],
            Anonymous,
            "POST",
            "/signin",
            json_body(json!({"user": "bob"})),
            JSON,
        ),
        // The owner, chosen (the demo: allowed), and with a token nobody set (ignored).
        probe(
            Anonymous,
            "POST",
            "/signin",
            json_body(json!({"user": "owner", "admin_token": "x"})),
            JSON,
        ),
        probe(Anonymous, "POST", "/signout", Body::Empty, HTML),
        probe(Carol, "POST", "/signout", form(&[]), HTML),
        probe(Carol, "GET", "/orders", Body::Empty, HTML),
    ];
    all.extend(writes);
    all
}

/// One shop, its shoppers and its orders.
struct Setup {
    shop: RunningShop,
    alice: Client,
    owner: Client,
    carol: Client,
    /// Placeholder and value: order ids.
    orders: Vec<(&'static str, String)>,
}

impl Setup {
    async fn start<S: ShopUnderTest>() -> Self {
        let shop = RunningShop::start::<S>(ShopOptions::default()).await;
        let alice = shop.shopper("alice").await;
        let bob = shop.shopper("bob").await;
        let (answer, _) = register_card(&shop, &alice, "4111111111111111", CHALLENGE_OTP).await;
        let registration = answer.json()["order_id"]
            .as_str()
            .expect("a registration order")
            .to_owned();
        let prepared = buy(&alice, "teapot").await;
        let (paid, _) =
            buy_and_pay(&shop, &alice, "matcha", "4111111111111111", CHALLENGE_OTP).await;
        // The paid order's confirmation comes from its payment event: both shops show it
        // sent before the probes look.
        wait_until_ready_to_ship(&alice, &paid).await;
        let bobs = buy(&bob, "furoshiki").await;
        let owner = shop.shopper("owner").await;
        let carol = shop.shopper("carol").await;
        Self {
            shop,
            alice,
            owner,
            carol,
            orders: vec![
                ("{prepared}", prepared),
                ("{paid}", paid),
                ("{bobs}", bobs),
                ("{registration}", registration),
            ],
        }
    }

    async fn send(&self, probe: &Probe) -> Seen {
        let client = match probe.who {
            Who::Anonymous => self.shop.client(),
            Who::Alice => self.alice.clone(),
            Who::AliceForged => self.alice.without_csrf(),
            Who::Owner => self.owner.clone(),
            Who::Carol => self.carol.clone(),
        };
        let mut path = probe.path.clone();
        for (placeholder, id) in &self.orders {
            path = path.replace(placeholder, id);
        }
        let extra: Vec<(&str, String)> = probe
            .headers
            .iter()
            .map(|(name, value)| (*name, value.replace("{shop}", &self.shop.url)))
            .collect();
        let headers: Vec<(&str, &str)> = probe
            .accept
            .iter()
            .map(|a| ("accept", *a))
            .chain(extra.iter().map(|(name, value)| (*name, value.as_str())))
            .collect();
        let answer = client
            .request(probe.method, &path, probe.body.clone(), &headers)
            .await;
        self.seen(&answer)
    }

    /// The answer with what differs by nature masked.
    fn seen(&self, answer: &Answer) -> Seen {
        let mask = |text: &str| self.mask(text);
        let headers = answer
            .headers
            .iter()
            // The date, the framing, and how the connection goes on (actix closes it after
            // refusing a body it did not read to the end) are the transport's, not the shop's.
            .filter(|(name, _)| {
                !matches!(
                    name.as_str(),
                    "date" | "content-length" | "transfer-encoding" | "connection" | "keep-alive"
                )
            })
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes());
                let value = if name == "set-cookie" {
                    cookie_shape(&value)
                } else if name == "allow" {
                    // A list: `GET, POST` and `GET,POST` say the same.
                    let mut methods: Vec<&str> = value.split(',').map(str::trim).collect();
                    methods.sort_unstable();
                    methods.join(",")
                } else {
                    mask(&value)
                };
                (name.as_str().to_owned(), value)
            })
            .fold(BTreeMap::<String, Vec<String>>::new(), |mut map, (k, v)| {
                map.entry(k).or_default().push(v);
                map
            });
        let body = match serde_json::from_slice::<Value>(&answer.body) {
            Ok(mut value) if !answer.body.is_empty() => {
                mask_json(&mut value, &mask);
                value.to_string()
            }
            _ => mask(&answer.text()),
        };
        Seen {
            status: answer.status,
            headers,
            body,
        }
    }

    fn mask(&self, text: &str) -> String {
        let mut text = text
            .replace(&self.shop.url, "{shop}")
            .replace(self.shop.sandbox.base_url(), "{sandbox}");
        for (placeholder, id) in &self.orders {
            text = text.replace(id.as_str(), placeholder);
        }
        mask_random(&text)
    }
}

/// Masks new order ids (`o` and 26 hex digits) and runs of 32 or more hex digits (session ids,
/// CSRF tokens, the issuer's page's keys).
fn mask_random(text: &str) -> String {
    let bytes = text.as_bytes();
    let hex_run = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
            .count()
    };
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut copied = 0;
    while at < bytes.len() {
        let starts_word = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
        let (len, replacement) = if starts_word && bytes[at] == b'o' && hex_run(at + 1) == 26 {
            (27, "{order}")
        } else if starts_word && hex_run(at) >= 32 {
            (hex_run(at), "{random}")
        } else {
            (0, "")
        };
        if len > 0 && !bytes.get(at + len).is_some_and(u8::is_ascii_alphanumeric) {
            out.push_str(&text[copied..at]);
            out.push_str(replacement);
            at += len;
            copied = at;
        } else {
            at += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// What a `Set-Cookie` says, in the same words whichever session crate wrote it: its name, a
/// value or none, its lifetime (`removed`, `persistent` or for the browser session) and its
/// attributes, lowercase and sorted. The session ids and how each crate spells the lifetime
/// (`Max-Age` or `Expires`, and their numbers) differ by nature.
fn cookie_shape(set_cookie: &str) -> String {
    let mut parts = set_cookie.split(';').map(str::trim);
    let (name, value) = parts
        .next()
        .and_then(|pair| pair.split_once('='))
        .unwrap_or((set_cookie, ""));
    let mut lifetime = "session";
    let mut attributes = Vec::new();
    for attribute in parts.filter(|a| !a.is_empty()) {
        let (key, v) = attribute.split_once('=').unwrap_or((attribute, ""));
        match key.to_ascii_lowercase().as_str() {
            "max-age" if v.trim() == "0" => lifetime = "removed",
            "max-age" | "expires" if lifetime == "session" => lifetime = "persistent",
            "max-age" | "expires" => {}
            other => attributes.push(if v.is_empty() {
                other.to_owned()
            } else {
                format!("{other}={}", v.to_ascii_lowercase())
            }),
        }
    }
    attributes.sort();
    let value = if value.is_empty() { "" } else { "{value}" };
    format!("{name}={value}; {lifetime}; {}", attributes.join("; "))
}

/// Masks the strings of a JSON value, and the timestamps.
fn mask_json(value: &mut Value, mask: &impl Fn(&str) -> String) {
    match value {
        Value::String(s) => *s = mask(s),
        Value::Array(items) => items.iter_mut().for_each(|v| mask_json(v, mask)),
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if matches!(key.as_str(), "created_at" | "updated_at") {
                    *v = Value::String("{time}".into());
                } else {
                    mask_json(v, mask);
                }
            }
        }
        _ => {}
    }
}

/// An answer as compared.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    status: u16,
    headers: BTreeMap<String, Vec<String>>,
    body: String,
}

/// Both shops, the same probes, the same answers. Every difference is listed.
pub async fn both_shops_answer_alike<A: ShopUnderTest, B: ShopUnderTest>() {
    let a = Setup::start::<A>().await;
    let b = Setup::start::<B>().await;
    let probes = probes();
    let mut differences = String::new();
    let mut count = 0;
    for probe in &probes {
        let (seen_a, seen_b) = (a.send(probe).await, b.send(probe).await);
        if seen_a != seen_b {
            count += 1;
            let _ = writeln!(
                differences,
                "\n{:?} {} {} (accept {:?}, body {}):\n  {}: {} {:?}\n  {}: {} {:?}",
                probe.who,
                probe.method,
                probe.path,
                probe.accept,
                describe(&probe.body),
                A::NAME,
                seen_a.status,
                seen_a.headers,
                B::NAME,
                seen_b.status,
                seen_b.headers,
            );
            if seen_a.body != seen_b.body {
                let _ = writeln!(
                    differences,
                    "  bodies:\n    {}\n    {}",
                    cut(&seen_a.body),
                    cut(&seen_b.body)
                );
            }
        }
    }
    assert!(
        count == 0,
        "{count} of {} requests answered differently by {} and {}:{differences}",
        probes.len(),
        A::NAME,
        B::NAME,
    );
}

fn describe(body: &Body) -> String {
    match body {
        Body::Raw(content_type, bytes) => format!(
            "{content_type:?}, {} bytes: {}",
            bytes.len(),
            cut(&String::from_utf8_lossy(bytes))
        ),
        other => cut(&format!("{other:?}")),
    }
}

fn cut(text: &str) -> String {
    text.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::{cookie_shape, mask_random};

    #[test]
    fn cookies_compare_by_what_they_say() {
        assert_eq!(
            cookie_shape("shop_session=abc; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=1800"),
            cookie_shape(
                "shop_session=xyz; Path=/; Secure; HttpOnly; SameSite=lax; Expires=Tue, 08 Dec 2026 00:00:00 GMT"
            ),
        );
        assert_eq!(
            cookie_shape("shop_session=; Path=/; Max-Age=0; Expires=Mon, 08 Dec 2025 00:00:00 GMT"),
            "shop_session=; removed; path=/"
        );
        assert_ne!(
            cookie_shape("shop_session=a; Path=/; HttpOnly"),
            cookie_shape("shop_session=a; Path=/")
        );
        assert_ne!(
            cookie_shape("shop_session=a; Path=/; Max-Age=60"),
            cookie_shape("shop_session=a; Path=/")
        );
    }

    #[test]
    fn random_values_are_masked_whole() {
        let id = format!("o{}", "a1".repeat(13));
        assert_eq!(mask_random(&format!("/orders/{id}")), "/orders/{order}");
        assert_eq!(mask_random(&format!("x{id}")), format!("x{id}"));
        let token = "0123456789abcdef".repeat(2);
        assert_eq!(
            mask_random(&format!("shop_session={token}; Path=/")),
            "shop_session={random}; Path=/"
        );
        assert_eq!(mask_random("abc 12345"), "abc 12345");
    }
}
