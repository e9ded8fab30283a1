//! The web layer's hygiene (issue #16): no login CSRF (a browser's sign-in from another site is
//! refused, non-browser clients without `Origin` are not), the session cookie `Secure` when the
//! shop is served over HTTPS (HttpOnly and SameSite=Lax always), `Cache-Control: no-store` on
//! every answer carrying a session or a CSRF token, the owner's sign-in guarded outside the
//! demo, and sessions that end: unused beyond their idle time, older than their lifetime, at
//! sign-in (a new id) and at sign-out (for every copy of the cookie).

use std::time::Duration;

use serde_json::json;
use shop_common::session_db::SessionLifetime;
use shop_common::signin::{AdminSignIn, AdminToken};

use crate::driver::{Answer, Body, Client, RunningShop, ShopOptions, ShopUnderTest};

fn sign_in_form(user: &str) -> Body {
    Body::Form(vec![("user".into(), user.into())])
}

/// `POST /signin` as `user` from a fresh client with `headers`.
async fn sign_in_with(
    shop: &RunningShop,
    user: &str,
    headers: &[(&str, &str)],
) -> (Client, Answer) {
    let client = shop.client();
    let answer = client
        .request("POST", "/signin", sign_in_form(user), headers)
        .await;
    (client, answer)
}

/// The `Set-Cookie` of the session cookie, if any.
fn session_cookie(answer: &Answer) -> Option<String> {
    answer
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("shop_session="))
        .map(str::to_owned)
}

fn assert_no_store(answer: &Answer, what: &str) {
    assert_eq!(
        answer.header("cache-control").as_deref(),
        Some("no-store"),
        "{what}: {answer}"
    );
}

/// A sign-in sent by a browser from another site (its `Origin`, or `Referer` without one, not
/// the shop's; or `Sec-Fetch-Site: cross-site`) is `403 cross_site_sign_in` and signs nobody in;
/// one from the shop's own origin, and one without any of these headers (not a browser), signs in.
pub async fn sign_in_is_same_origin_only<S: ShopUnderTest>() {
    let shop = RunningShop::start::<S>(ShopOptions::default()).await;
    let own = shop.url.clone();
    let json = ("accept", "application/json");
    let foreign: [&[(&str, &str)]; 6] = [
        &[("origin", "https://evil.example"), json],
        &[("origin", "null"), json],
        &[("referer", "https://evil.example/login.html"), json],
        &[("sec-fetch-site", "cross-site"), json],
        &[
            ("origin", own.as_str()),
            ("sec-fetch-site", "cross-site"),
            json,
        ],
        &[("origin", "https://evil.example")],
    ];
    for headers in foreign {
        let (client, answer) = sign_in_with(&shop, "alice", headers).await;
        assert_eq!(answer.status, 403, "{headers:?}: {answer}");
        assert_eq!(answer.error_code(), "cross_site_sign_in", "{headers:?}");
        assert_eq!(session_cookie(&answer), None, "{headers:?}: no session");
        assert_eq!(client.get_json("/session").await.status, 401);
    }
    let referer = format!("{own}/signin");
    let same: [&[(&str, &str)]; 4] = [
        &[
            ("origin", own.as_str()),
            ("sec-fetch-site", "same-origin"),
            json,
        ],
        &[("referer", referer.as_str()), json],
        &[json],
        &[("origin", own.as_str())],
    ];
    for headers in same {
        let (client, answer) = sign_in_with(&shop, "alice", headers).await;
        assert!(matches!(answer.status, 200 | 303), "{headers:?}: {answer}");
        assert!(session_cookie(&answer).is_some(), "{headers:?}");
        let session = client.get_json("/session").await;
        assert_eq!(session.json()["user"], "alice", "{headers:?}: {session}");
    }
    // A forged cross-site sign-in does not replace a signed-in browser's session either.
    let bob = shop.shopper("bob").await;
    let forged = bob
        .request(
            "POST",
            "/signin",
            sign_in_form("carol"),
            &[("origin", "https://evil.example"), json],
        )
        .await;
    assert_eq!(forged.status, 403, "{forged}");
    assert_eq!(bob.get_json("/session").await.json()["user"], "bob");
}

/// Served at `http://…`, the session cookie is HttpOnly and SameSite=Lax without `Secure`; with a
/// public URL `https://…`, it is `Secure` too, its clearing as well, and sign-ins from that
/// origin are the shop's own.
pub async fn session_cookies_are_secure_over_https<S: ShopUnderTest>() {
    let plain = RunningShop::start::<S>(ShopOptions::default()).await;
    let (_, answer) = sign_in_with(&plain, "alice", &[]).await;
    let cookie = session_cookie(&answer).expect("a session cookie");
    assert!(
        cookie.contains("; HttpOnly") && cookie.contains("; SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "over http: {cookie}");

    let https = RunningShop::start::<S>(ShopOptions {
        public_url: Some("https://shop.example".to_owned()),
        ..ShopOptions::default()
    })
    .await;
    let (client, answer) = sign_in_with(
        &https,
        "alice",
        &[
            ("origin", "https://shop.example"),
            ("accept", "application/json"),
        ],
    )
    .await;
    assert_eq!(answer.status, 200, "{answer}");
    let cookie = session_cookie(&answer).expect("a session cookie");
    assert!(
        cookie.contains("; HttpOnly")
            && cookie.contains("; SameSite=Lax")
            && cookie.contains("; Secure"),
        "{cookie}"
    );
    let token = answer.json()["csrf_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let signed_out = client
        .request("POST", "/signout", Body::Empty, &[("x-csrf-token", &token)])
        .await;
    assert_eq!(signed_out.status, 303, "{signed_out}");
    let cleared = session_cookie(&signed_out).expect("the cookie cleared");
    assert!(
        cleared.contains("Max-Age=0") && cleared.contains("; Secure"),
        "{cleared}"
    );
    // The shop's own http address is not its public origin.
    let (_, answer) = sign_in_with(
        &https,
        "alice",
        &[
            ("origin", https.url.as_str()),
            ("accept", "application/json"),
        ],
    )
    .await;
    assert_eq!(answer.error_code(), "cross_site_sign_in", "{answer}");
}

/// `Cache-Control: no-store` on every answer that carries a session or a CSRF token: the sign-in
/// (JSON and the page's redirect), `GET /session`, the pages with forms, the sign-out.
pub async fn answers_with_tokens_are_never_cached<S: ShopUnderTest>() {
    let shop = RunningShop::start::<S>(ShopOptions::default()).await;
    let (_, signed_in) = sign_in_with(&shop, "alice", &[("accept", "application/json")]).await;
    assert_eq!(signed_in.status, 200, "{signed_in}");
    assert_no_store(&signed_in, "the sign-in's JSON");
    let (_, redirected) = sign_in_with(&shop, "alice", &[("accept", "text/html")]).await;
    assert_eq!(redirected.status, 303, "{redirected}");
    assert_no_store(&redirected, "the sign-in's redirect");

    let alice = shop.shopper("alice").await;
    let session = alice.get_json("/session").await;
    assert_eq!(session.status, 200);
    assert!(session.json()["csrf_token"].is_string());
    assert_no_store(&session, "GET /session");
    let token = alice.csrf_token().expect("a token");
    for path in ["/", "/orders", "/cards", "/signin"] {
        let page = alice.get(path).await;
        assert_eq!(page.status, 200, "{path}: {page}");
        assert!(page.text().contains(&token), "{path} embeds the token");
        assert_no_store(&page, path);
    }
    let order = alice
        .post_json("/orders", json!({"product": "teapot"}))
        .await;
    let checkout = alice
        .get(
            order.json()["checkout_url"]
                .as_str()
                .expect("a checkout URL"),
        )
        .await;
    assert!(checkout.text().contains(&token));
    assert_no_store(&checkout, "the checkout page");
    let signed_out = alice.post_form("/signout", &[]).await;
    assert_eq!(signed_out.status, 303, "{signed_out}");
    assert_no_store(&signed_out, "the sign-out");
}

/// Outside the demo (`SHOP_DEMO=off`), the owner is not offered on the sign-in page and choosing
/// them is `403 admin_token_required`; with the operator's token (`SHOP_ADMIN_TOKEN`, the field
/// `admin_token`) the owner signs in. Customers still sign in by choosing.
pub async fn the_owner_signs_in_with_the_admin_token_outside_the_demo<S: ShopUnderTest>() {
    let secret = "an-operator-secret-token";
    let shop = RunningShop::start::<S>(ShopOptions {
        admin_sign_in: AdminSignIn::Token(AdminToken::new(secret)),
        ..ShopOptions::default()
    })
    .await;
    let page = shop.client().get("/signin").await;
    assert!(!page.text().contains(r#"id="signin-owner""#), "{page}");
    assert!(page.text().contains(r#"id="signin-alice""#));
    assert!(page.text().contains(r#"name="admin_token""#));
    let json = ("accept", "application/json");
    let (_, chosen) = sign_in_with(&shop, "owner", &[json]).await;
    assert_eq!(chosen.status, 403, "{chosen}");
    assert_eq!(chosen.error_code(), "admin_token_required");
    assert_eq!(session_cookie(&chosen), None);
    let client = shop.client();
    let wrong = client
        .request(
            "POST",
            "/signin",
            Body::Json(json!({"user": "owner", "admin_token": "an-operator-secret-tokeN"})),
            &[json],
        )
        .await;
    assert_eq!(wrong.error_code(), "admin_token_required", "{wrong}");
    let right = client
        .request(
            "POST",
            "/signin",
            Body::Json(json!({"user": "owner", "admin_token": secret})),
            &[json],
        )
        .await;
    assert_eq!(right.status, 200, "{right}");
    assert_eq!(right.json()["admin"], true);
    assert_eq!(client.get_json("/admin/orders").await.status, 200);
    shop.shopper("alice").await;

    // Without a token set, the owner cannot sign in at all.
    let closed = RunningShop::start::<S>(ShopOptions {
        admin_sign_in: AdminSignIn::Token(None),
        ..ShopOptions::default()
    })
    .await;
    let page = closed.client().get("/signin").await;
    assert!(page.text().contains(r#"id="signin-alice""#), "{page}");
    assert!(!page.text().contains(r#"id="signin-owner"#), "{page}");
    assert!(!page.text().contains("admin_token"), "{page}");
    let (_, chosen) = sign_in_with(&closed, "owner", &[json]).await;
    assert_eq!(chosen.error_code(), "admin_token_required", "{chosen}");
}

/// The `name=value` of the session cookie an answer sets.
fn session_cookie_pair(answer: &Answer) -> String {
    let set_cookie = session_cookie(answer).unwrap_or_else(|| panic!("a session cookie: {answer}"));
    set_cookie.split(';').next().unwrap_or_default().to_owned()
}

/// `GET /session` (JSON) from a fresh client sending only `cookie`.
async fn session_with_cookie(shop: &RunningShop, cookie: &str) -> Answer {
    shop.client()
        .request(
            "GET",
            "/session",
            Body::Empty,
            &[("accept", "application/json"), ("cookie", cookie)],
        )
        .await
}

/// A shop whose sessions end after `idle` unused or `max_age` since sign-in.
async fn shop_with_sessions<S: ShopUnderTest>(idle: u64, max_age: u64) -> RunningShop {
    RunningShop::start::<S>(ShopOptions {
        session_lifetime: SessionLifetime {
            idle: Duration::from_secs(idle),
            max_age: Duration::from_secs(max_age),
        },
        ..ShopOptions::default()
    })
    .await
}

/// A session unused for longer than its idle time is over: the next request is signed out
/// (pages are sent to sign in, JSON clients get `401`), and the cookie no longer works.
pub async fn an_idle_session_is_signed_out<S: ShopUnderTest>() {
    let shop = shop_with_sessions::<S>(2, 3600).await;
    let (client, answer) = sign_in_with(&shop, "alice", &[("accept", "application/json")]).await;
    assert_eq!(answer.status, 200, "{answer}");
    let cookie = session_cookie_pair(&answer);
    assert_eq!(client.get_json("/session").await.json()["user"], "alice");
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let page = session_with_cookie(&shop, &cookie).await;
    assert_eq!(page.status, 401, "idle for 3.5 s of 2: {page}");
    assert_eq!(page.error_code(), "not_signed_in");
    let orders = client.get("/orders").await;
    assert_eq!(orders.status, 303, "{orders}");
    assert_eq!(orders.location().as_deref(), Some("/signin"));
    assert_eq!(client.get_json("/session").await.status, 401);
}

/// A session older than its lifetime since sign-in is over however busy: used every half
/// second, it is signed out once `max_age` has passed, and stays signed out.
pub async fn an_old_session_is_signed_out_however_busy<S: ShopUnderTest>() {
    let shop = shop_with_sessions::<S>(60, 3).await;
    let (client, answer) = sign_in_with(&shop, "alice", &[("accept", "application/json")]).await;
    assert_eq!(answer.status, 200, "{answer}");
    let started = std::time::Instant::now();
    let mut signed_out_after = None;
    while started.elapsed() < Duration::from_secs(6) {
        let session = client.get_json("/session").await;
        match (session.status, signed_out_after) {
            (200, None) => assert_eq!(session.json()["user"], "alice"),
            (401, None) => signed_out_after = Some(started.elapsed()),
            (401, Some(_)) => {}
            _ => panic!("after {:?}: {session}", started.elapsed()),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let after = signed_out_after.expect("signed out within 6 s of a 3 s lifetime");
    // Unix seconds: a 3 s lifetime ends between 2 and 4 s after sign-in.
    assert!(
        after >= Duration::from_secs(2),
        "signed out after {after:?}"
    );
}

/// Signing in gives a new session id (no fixation): the cookie sent with the sign-in, a live
/// session's or one a third party planted, no longer works afterwards.
pub async fn signing_in_gives_a_new_session<S: ShopUnderTest>() {
    let shop = RunningShop::start::<S>(ShopOptions::default()).await;
    let json = ("accept", "application/json");
    let (client, first) = sign_in_with(&shop, "alice", &[json]).await;
    let alices = session_cookie_pair(&first);
    assert_eq!(session_with_cookie(&shop, &alices).await.status, 200);
    let again = client
        .request("POST", "/signin", sign_in_form("bob"), &[json])
        .await;
    assert_eq!(again.status, 200, "{again}");
    let bobs = session_cookie_pair(&again);
    assert_ne!(bobs, alices, "a new session id at sign-in");
    let old = session_with_cookie(&shop, &alices).await;
    assert_eq!(
        old.status, 401,
        "the session before the sign-in is over: {old}"
    );
    assert_eq!(client.get_json("/session").await.json()["user"], "bob");
    // A cookie planted before the sign-in (here a dead session's) is replaced, not adopted.
    let planted = shop
        .client()
        .request(
            "POST",
            "/signin",
            sign_in_form("carol"),
            &[json, ("cookie", alices.as_str())],
        )
        .await;
    assert_eq!(planted.status, 200, "{planted}");
    let carols = session_cookie_pair(&planted);
    assert_ne!(carols, alices);
    assert_eq!(session_with_cookie(&shop, &alices).await.status, 401);
    assert_eq!(
        session_with_cookie(&shop, &carols).await.json()["user"],
        "carol"
    );
}

/// Signing out ends the session itself, not only the browser's cookie: a copy of the cookie
/// taken before no longer works.
pub async fn signing_out_ends_the_session_for_a_copied_cookie<S: ShopUnderTest>() {
    let shop = RunningShop::start::<S>(ShopOptions::default()).await;
    let (client, answer) = sign_in_with(&shop, "alice", &[("accept", "application/json")]).await;
    let copied = session_cookie_pair(&answer);
    let token = answer.json()["csrf_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(session_with_cookie(&shop, &copied).await.status, 200);
    let signed_out = client
        .request("POST", "/signout", Body::Empty, &[("x-csrf-token", &token)])
        .await;
    assert_eq!(signed_out.status, 303, "{signed_out}");
    let cleared = session_cookie(&signed_out).expect("the cookie removed");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let copy = session_with_cookie(&shop, &copied).await;
    assert_eq!(copy.status, 401, "the copied cookie after sign-out: {copy}");
    let order = shop
        .client()
        .request(
            "POST",
            "/orders",
            Body::Json(json!({"product": "teapot"})),
            &[
                ("accept", "application/json"),
                ("cookie", copied.as_str()),
                ("x-csrf-token", &token),
            ],
        )
        .await;
    assert_eq!(order.status, 401, "{order}");
    assert_eq!(order.error_code(), "not_signed_in");
}
