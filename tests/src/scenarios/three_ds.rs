//! The 3-D Secure return: forged, replayed, concurrent, by GET or POST. Only the real return
//! settles the order, exactly one SecureTran2 is sent, and every repetition gets the same 303.

use futures_util::future::join_all;
use gmo_core::values::Status;
use gmo_sandbox::{AcsBrowser, Api, CHALLENGE_OTP};
use serde_json::json;

use crate::driver::{Body, RunningShop, ShopOptions, ShopUnderTest};
use crate::shopping::{buy, order};

/// Forged, replayed and concurrent returns.
pub async fn forged_replayed_and_concurrent_returns<S: ShopUnderTest>() {
    let shop = RunningShop::start::<S>(ShopOptions::default()).await;
    let alice = shop.shopper("alice").await;
    let bob = shop.shopper("bob").await;
    let browser = shop.client();

    let start = |client: &crate::driver::Client, order_id: String| {
        let client = client.clone();
        let token = shop.token("4100000000005000");
        async move {
            let answer = client
                .post_json(
                    &format!("/payments/checkout/{order_id}"),
                    json!({ "token": token }),
                )
                .await;
            assert_eq!(answer.json()["status"], "redirect_to", "{answer}");
            answer.json()["url"].as_str().expect("url").to_owned()
        }
    };
    let alices = buy(&alice, "teapot").await;
    let alice_url = start(&alice, alices.clone()).await;
    let bobs = buy(&bob, "matcha").await;
    let bob_url = start(&bob, bobs.clone()).await;

    // Forged returns before authentication: unknown AccessID, none at all, another order's.
    let forged = [
        (
            "POST",
            format!("/payments/3ds/{alices}"),
            "AccessID=0123456789abcdef0123456789abcdef",
            404,
            "not_found",
        ),
        (
            "POST",
            format!("/payments/3ds/{alices}"),
            "OrderID=x",
            400,
            "missing_field",
        ),
        (
            "GET",
            format!("/payments/3ds/{alices}?AccessID=forged"),
            "",
            404,
            "not_found",
        ),
        (
            "POST",
            "/payments/3ds/o-unknown".to_owned(),
            "AccessID=abc",
            404,
            "not_found",
        ),
        (
            "POST",
            "/payments/3ds/bad%20id".to_owned(),
            "AccessID=abc",
            404,
            "not_found",
        ),
    ];
    for (method, path, body, status, code) in &forged {
        let answer = browser
            .request(
                method,
                path,
                Body::Raw(
                    Some("application/x-www-form-urlencoded".into()),
                    body.as_bytes().to_vec(),
                ),
                &[],
            )
            .await;
        assert_eq!(
            (answer.status, answer.error_code()),
            (*status, (*code).to_owned()),
            "{method} {path}: {answer}"
        );
    }

    // Alice's real AccessID posted to Bob's order: refused, Bob's order untouched.
    let alice_form = AcsBrowser::new()
        .authenticate(&alice_url, CHALLENGE_OTP)
        .await
        .expect("the ACS answers");
    let access_id = alice_form.field("AccessID").expect("AccessID").to_owned();
    let answer = browser
        .request(
            "POST",
            &format!("/payments/3ds/{bobs}"),
            Body::Form(vec![("AccessID".into(), access_id.clone())]),
            &[],
        )
        .await;
    assert_eq!(answer.status, 404, "{answer}");
    assert_eq!(order(&bob, &bobs).await["state"], "awaiting_three_ds");
    assert_eq!(shop.sandbox.calls(Api::SecureTran2), 0);

    // Sixteen browsers return at once: one SecureTran2, sixteen identical answers.
    let returns = (0..16).map(|_| {
        let browser = shop.client();
        let fields = alice_form.fields.clone();
        let action = alice_form.action.clone();
        async move {
            browser
                .request("POST", &action, Body::Form(fields), &[])
                .await
        }
    });
    let answers = join_all(returns).await;
    for answer in &answers {
        assert_eq!(answer.status, 303, "{answer}");
        assert_eq!(answer.location(), Some(format!("/orders/{alices}")));
    }
    assert_eq!(shop.sandbox.calls(Api::SecureTran2), 1);
    assert_eq!(order(&alice, &alices).await["state"], "authorized");
    assert_eq!(
        shop.sandbox.transaction(&alices).map(|t| t.status),
        Some(Status::Auth)
    );

    // Replays, by POST and by GET (CallbackType 3 style): the same 303, nothing sent. (GMO's
    // result notifications may make the shop look the order up meanwhile: count what moves money.)
    let money_calls = || {
        [
            Api::EntryTran,
            Api::ExecTran,
            Api::SecureTran2,
            Api::AlterTran,
        ]
        .map(|api| shop.sandbox.calls(api))
    };
    let calls_before = money_calls();
    let replay = browser
        .request(
            "POST",
            &alice_form.action,
            Body::Form(alice_form.fields.clone()),
            &[],
        )
        .await;
    assert_eq!(
        (replay.status, replay.location()),
        (303, Some(format!("/orders/{alices}")))
    );
    let by_get = browser
        .request(
            "GET",
            &format!("/payments/3ds/{alices}?AccessID={access_id}"),
            Body::Empty,
            &[],
        )
        .await;
    assert_eq!(
        (by_get.status, by_get.location()),
        (303, Some(format!("/orders/{alices}")))
    );
    assert_eq!(money_calls(), calls_before);

    // Bob's real return still works.
    let bob_form = AcsBrowser::new()
        .authenticate(&bob_url, CHALLENGE_OTP)
        .await
        .expect("the ACS answers");
    let answer = browser
        .request(
            "POST",
            &bob_form.action,
            Body::Form(bob_form.fields.clone()),
            &[],
        )
        .await;
    assert_eq!(
        (answer.status, answer.location()),
        (303, Some(format!("/orders/{bobs}")))
    );
    assert_eq!(order(&bob, &bobs).await["state"], "authorized");
    assert_eq!(shop.sandbox.calls(Api::SecureTran2), 2);
}
