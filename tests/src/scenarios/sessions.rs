//! Sessions shared by the instances of a shop on one database (issue #16): a session started on
//! one instance works on the other (its cookie, CSRF token included), and ending it on one ends
//! it on both. Run by each shop's `tests/instances.rs` on its binary.

use serde_json::json;

use crate::consistency::{borrowed, gateway_env};
use crate::database::in_new_schema;
use crate::driver::{Answer, Body, Client, sandbox_builder};
use crate::process::{ShopProcess, binary_name};

/// Runs the binary at `path` twice on one new PostgreSQL schema (skipped, saying so, without
/// `GMO_TEST_DATABASE_URL`): a shopper signed in on A is signed in on B, and signed out on both
/// once signed out on B.
pub async fn two_instances_share_sessions(path: &str) {
    let path = path.to_owned();
    let test = format!("sessions of {} shared by two instances", binary_name(&path));
    in_new_schema(&test, |url| async move {
        let running = sandbox_builder().spawn().await.expect("the sandbox starts");
        let mut env = gateway_env(running.sandbox());
        env.push(("SHOP_DATABASE_URL", url));
        let a = ShopProcess::start(&path, &borrowed(&env));
        let b = ShopProcess::start(&path, &borrowed(&env));
        let json = ("accept", "application/json");

        let signed_in = Client::new(&a.url)
            .request(
                "POST",
                "/signin",
                Body::Json(json!({"user": "alice"})),
                &[json],
            )
            .await;
        assert_eq!(signed_in.status, 200, "sign-in on A: {signed_in}");
        let cookie = session_cookie_pair(&signed_in);
        let token = signed_in.json()["csrf_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let on_b = Client::new(&b.url);
        let with_session = [json, ("cookie", cookie.as_str())];
        let session = on_b
            .request("GET", "/session", Body::Empty, &with_session)
            .await;
        assert_eq!(session.status, 200, "A's session on B: {session}");
        assert_eq!(session.json()["user"], "alice");
        assert_eq!(session.json()["csrf_token"], token.as_str());
        let order = on_b
            .request(
                "POST",
                "/orders",
                Body::Json(json!({"product": "teapot"})),
                &[json, ("cookie", cookie.as_str()), ("x-csrf-token", &token)],
            )
            .await;
        assert_eq!(order.status, 201, "an order on B in A's session: {order}");

        let signed_out = on_b
            .request(
                "POST",
                "/signout",
                Body::Empty,
                &[("cookie", cookie.as_str()), ("x-csrf-token", &token)],
            )
            .await;
        assert_eq!(signed_out.status, 303, "sign-out on B: {signed_out}");
        for (instance, url) in [("A", &a.url), ("B", &b.url)] {
            let after = Client::new(url)
                .request("GET", "/session", Body::Empty, &with_session)
                .await;
            assert_eq!(after.status, 401, "on {instance} after sign-out: {after}");
        }
    })
    .await;
}

/// The `name=value` of the session cookie an answer sets.
fn session_cookie_pair(answer: &Answer) -> String {
    answer
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("shop_session="))
        .and_then(|value| value.split(';').next())
        .unwrap_or_else(|| panic!("a session cookie: {answer}"))
        .to_owned()
}
