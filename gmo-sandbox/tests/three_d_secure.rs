//! 3-D Secure 2.0: ExecTran's redirect, the simulated ACS, the three callback types,
//! Tds2Auth/Tds2Result and SecureTran2.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Gmo, infos, keys};
use gmo_core::values::Status;
use gmo_sandbox::{NotEnrolledPolicy, ReturnForm, Sandbox, ShopConfig, ThreeDsState};

const RET_URL: &str = "https://shop.example/3ds/return?cart=42";
const SECURE_TRAN2_KEYS: [&str; 8] = [
    "OrderID",
    "Forward",
    "Method",
    "PayTimes",
    "Approve",
    "TranID",
    "TranDate",
    "CheckString",
];

type Ids = (String, String);

/// EntryTran with TdFlag=2 (+ `entry_extra`), then ExecTran with a token for `card`.
async fn exec_3ds(
    gmo: &Gmo,
    order: &str,
    card: &str,
    callback_type: &str,
    entry_extra: &[(&str, &str)],
) -> (Ids, gmo_core::wire::Response) {
    let mut entry = vec![("JobCd", "AUTH"), ("Amount", "100"), ("TdFlag", "2")];
    entry.extend_from_slice(entry_extra);
    let ids = gmo.entry_with(order, &entry).await;
    let token = gmo.sandbox.issue_token(card, "2812", "123").unwrap();
    let r = gmo
        .exec_token(
            order,
            &ids,
            &token,
            &[("RetUrl", RET_URL), ("CallbackType", callback_type)],
        )
        .await;
    (ids, r)
}

/// ExecTran answering ACS=2; returns the RedirectUrl.
async fn redirect(gmo: &Gmo, order: &str, card: &str, callback_type: &str) -> (Ids, String) {
    let (ids, r) = exec_3ds(gmo, order, card, callback_type, &[]).await;
    assert_eq!(keys(&r), ["ACS", "RedirectUrl"], "{:?}", r.errors());
    assert_eq!(r.get("ACS"), Some("2"));
    let url = r.get("RedirectUrl").unwrap().to_owned();
    (ids, url)
}

/// The browser at the ACS: GET the URL, return the page.
async fn visit(gmo: &Gmo, url: &str) -> String {
    let (status, html) = gmo.get(url).await;
    assert_eq!(status, 200, "{html}");
    html
}

/// Answers the OTP form of a challenge page.
async fn answer_challenge(gmo: &Gmo, html: &str, otp: &str) -> ReturnForm {
    assert!(
        ReturnForm::parse(html).is_none(),
        "a challenge page, not a return"
    );
    assert!(html.contains("name=\"otp\"") && html.contains("<button type=\"submit\">"));
    let hidden = |name: &str| {
        let key = format!("name=\"{name}\" value=\"");
        let at = html.find(&key).unwrap() + key.len();
        html[at..at + html[at..].find('"').unwrap()].to_owned()
    };
    let (trans_id, t) = (hidden("transId"), hidden("t"));
    let (status, page) = gmo
        .post_form(
            &gmo.url("/acs/challenge"),
            &[("transId", &trans_id), ("t", &t), ("otp", otp)],
        )
        .await;
    assert_eq!(status, 200);
    ReturnForm::parse(&page).unwrap()
}

fn status(gmo: &Gmo, order: &str) -> Status {
    gmo.sandbox.transaction(order).unwrap().status
}

#[tokio::test]
async fn frictionless_with_post_callback() {
    let gmo = Gmo::start().await;
    let (ids, url) = redirect(&gmo, "o", "4111111111111111", "1").await;
    // The URL is the sandbox's ACS, with a UUID transId and a 32-hex t, unescaped in the body.
    let prefix = format!("{}/acs/start?transId=", gmo.sandbox.base_url());
    let rest = url.strip_prefix(&prefix).unwrap();
    let (trans_id, t) = rest.split_once("&t=").unwrap();
    assert_eq!(trans_id.len(), 36);
    assert_eq!(trans_id.matches('-').count(), 4);
    assert!(t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(status(&gmo, "o"), Status::Unprocessed);
    // SecureTran2 before the authentication.
    assert_eq!(infos(&gmo.secure_tran2(&ids).await), ["E21030007"]);

    let html = visit(&gmo, &url).await;
    assert!(html.contains("<button type=\"submit\">") && html.contains(".submit()"));
    let form = ReturnForm::parse(&html).unwrap();
    assert_eq!(
        (form.action.as_str(), form.method.as_str()),
        (RET_URL, "post")
    );
    assert_eq!(form.fields, [("AccessID".to_owned(), ids.0.clone())]);
    assert_eq!(status(&gmo, "o"), Status::Authenticated);
    assert_eq!(gmo.search("o").await.get("Status"), Some("AUTHENTICATED"));

    let r = gmo.secure_tran2(&ids).await;
    assert_eq!(keys(&r), SECURE_TRAN2_KEYS);
    assert_eq!(r.get("OrderID"), Some("o"));
    let s = gmo.search("o").await;
    assert_eq!(s.get("Status"), Some("AUTH"));
    assert_eq!(s.get("TranID"), r.get("TranID"));
    // A second SecureTran2 never authorises again.
    assert_eq!(
        infos(&gmo.secure_tran2(&ids).await),
        ["E01050004", "M01004014"]
    );
    assert_eq!(gmo.search("o").await.get("TranID"), r.get("TranID"));
    // Revisiting the ACS only sends the browser back again.
    assert!(ReturnForm::parse(&visit(&gmo, &url).await).is_some());
}

#[tokio::test]
async fn client_fields_come_back_from_secure_tran2_with_the_flag() {
    let gmo = Gmo::start().await;
    let ids = gmo
        .entry_with(
            "o",
            &[("JobCd", "CAPTURE"), ("Amount", "100"), ("TdFlag", "2")],
        )
        .await;
    let token = gmo
        .sandbox
        .issue_token("4111111111111111", "2812", "123")
        .unwrap();
    let r = gmo
        .exec_token(
            "o",
            &ids,
            &token,
            &[
                ("RetUrl", RET_URL),
                ("ClientField1", "ほげ"),
                ("ClientFieldFlag", "1"),
            ],
        )
        .await;
    visit(&gmo, r.get("RedirectUrl").unwrap()).await;
    let r = gmo.secure_tran2(&ids).await;
    let mut want = SECURE_TRAN2_KEYS.to_vec();
    want.extend(["ClientField1", "ClientField2", "ClientField3"]);
    assert_eq!(keys(&r), want);
    assert_eq!(r.get("ClientField1"), Some("ほげ"));
    assert_eq!(status(&gmo, "o"), Status::Capture);
}

#[tokio::test]
async fn challenge_passes_with_the_right_otp() {
    let gmo = Gmo::start().await;
    let (ids, url) = redirect(&gmo, "o", "4100000000005000", "1").await;
    let html = visit(&gmo, &url).await;
    assert_eq!(
        gmo.sandbox
            .transaction("o")
            .unwrap()
            .three_ds
            .unwrap()
            .state,
        ThreeDsState::Challenge
    );
    assert_eq!(infos(&gmo.secure_tran2(&ids).await), ["E21030007"]);
    let form = answer_challenge(&gmo, &html, "123456").await;
    assert_eq!(form.field("AccessID"), Some(ids.0.as_str()));
    assert_eq!(status(&gmo, "o"), Status::Authenticated);
    assert!(!gmo.secure_tran2(&ids).await.is_error());
    assert_eq!(status(&gmo, "o"), Status::Auth);
}

#[tokio::test]
async fn challenge_fails_with_another_otp() {
    let gmo = Gmo::start().await;
    let (ids, url) = redirect(&gmo, "o", "4100000000005000", "1").await;
    let html = visit(&gmo, &url).await;
    let form = answer_challenge(&gmo, &html, "000000").await;
    assert_eq!(form.action, RET_URL);
    assert_eq!(status(&gmo, "o"), Status::Unprocessed);
    let three_ds = gmo.sandbox.transaction("o").unwrap().three_ds.unwrap();
    assert!(matches!(
        three_ds.state,
        ThreeDsState::Finished { result: 'N', .. }
    ));
    assert_eq!(infos(&gmo.secure_tran2(&ids).await), ["E21030007"]);
    // The OTP form cannot be answered twice.
    let (code, _) = gmo
        .post_form(
            &gmo.url("/acs/challenge"),
            &[
                ("transId", &three_ds.trans_id),
                ("t", "x"),
                ("otp", "123456"),
            ],
        )
        .await;
    assert_eq!(code, 400);
}

#[tokio::test]
async fn the_issuer_rejects_a_frictionless_authentication() {
    let gmo = Gmo::start().await;
    let (ids, url) = redirect(&gmo, "o", "4100000000000308", "1").await;
    let form = ReturnForm::parse(&visit(&gmo, &url).await).unwrap();
    assert_eq!(form.field("AccessID"), Some(ids.0.as_str()));
    let three_ds = gmo.sandbox.transaction("o").unwrap().three_ds.unwrap();
    assert!(matches!(
        three_ds.state,
        ThreeDsState::Finished { result: 'R', .. }
    ));
    assert_eq!(infos(&gmo.secure_tran2(&ids).await), ["E21030007"]);
    assert_eq!(status(&gmo, "o"), Status::Unprocessed);
}

#[tokio::test]
async fn get_callback_carries_the_ret_url_query() {
    let gmo = Gmo::start().await;
    let (ids, url) = redirect(&gmo, "o", "4111111111111111", "3").await;
    let form = ReturnForm::parse(&visit(&gmo, &url).await).unwrap();
    assert_eq!(form.method, "get");
    assert_eq!(form.action, "https://shop.example/3ds/return");
    assert_eq!(
        form.fields,
        [
            ("cart".to_owned(), "42".to_owned()),
            ("AccessID".to_owned(), ids.0.clone())
        ]
    );
    assert!(!gmo.secure_tran2(&ids).await.is_error());
}

#[tokio::test]
async fn not_enrolled_cards_follow_tds2_type_and_td_required() {
    let card = "4100000000000209";
    let gmo = Gmo::start().await;
    let (_, r) = exec_3ds(&gmo, "t3", card, "1", &[("Tds2Type", "3")]).await;
    assert_eq!(r.get("ACS"), Some("0"));
    assert_eq!(r.keys().count(), 9);
    assert_eq!(status(&gmo, "t3"), Status::Auth);
    let (_, r) = exec_3ds(&gmo, "t2", card, "1", &[("Tds2Type", "2")]).await;
    assert_eq!(infos(&r), ["E21030201"]);
    assert_eq!(status(&gmo, "t2"), Status::Unprocessed);
    // Tds2Type 1 or none: the shop's setting, by default like 3.
    for (order, extra) in [("t1", vec![("Tds2Type", "1")]), ("none", vec![])] {
        let (_, r) = exec_3ds(&gmo, order, card, "1", &extra).await;
        assert_eq!(r.get("ACS"), Some("0"), "{order}");
    }
    let (_, r) = exec_3ds(
        &gmo,
        "req",
        card,
        "1",
        &[("Tds2Type", "3"), ("TdRequired", "1")],
    )
    .await;
    assert_eq!(infos(&r), ["E21030202"]);
    let r = gmo
        .shop_call(
            "EntryTran",
            &[
                ("OrderID", "bad"),
                ("JobCd", "AUTH"),
                ("Amount", "1"),
                ("TdFlag", "2"),
                ("Tds2Type", "4"),
            ],
        )
        .await;
    assert_eq!(infos(&r), ["E01950008"]);

    let strict = Gmo::with(
        Sandbox::builder().shop(
            ShopConfig::new("tshop00000001", "shoppass01")
                .not_enrolled_policy(NotEnrolledPolicy::Refuse),
        ),
    )
    .await;
    for (order, extra) in [("t1", vec![("Tds2Type", "1")]), ("none", vec![])] {
        let (_, r) = exec_3ds(&strict, order, card, "1", &extra).await;
        assert_eq!(infos(&r), ["E21030201"], "{order}");
    }
    let (_, r) = exec_3ds(&strict, "t3", card, "1", &[("Tds2Type", "3")]).await;
    assert_eq!(r.get("ACS"), Some("0"));
}

#[tokio::test]
async fn ret_url_is_required() {
    let gmo = Gmo::start().await;
    let ids = gmo
        .entry_with(
            "o",
            &[("JobCd", "AUTH"), ("Amount", "100"), ("TdFlag", "2")],
        )
        .await;
    let token = gmo
        .sandbox
        .issue_token("4111111111111111", "2812", "123")
        .unwrap();
    assert_eq!(
        infos(&gmo.exec_token("o", &ids, &token, &[]).await),
        ["E01E30001"]
    );
    let (code, _) = gmo.get(&gmo.url("/acs/start?transId=nope&t=nope")).await;
    assert_eq!(code, 400);
}

/// The first callback of CallbackType 2; returns the posted `param`.
async fn method_callback(gmo: &Gmo, ids: &Ids, url: &str) -> String {
    let form = ReturnForm::parse(&visit(gmo, url).await).unwrap();
    assert_eq!(form.method, "post");
    assert_eq!(form.action, format!("{RET_URL}&MD={}", ids.0));
    let names: Vec<&str> = form.fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["param", "event", "requestorTransId"]);
    assert_eq!(form.field("event"), Some("3DSMethodFinished"));
    form.field("param").unwrap().to_owned()
}

async fn tds2_auth(gmo: &Gmo, ids: &Ids, param: &str) -> gmo_core::wire::Response {
    gmo.call(
        "Tds2Auth",
        &[
            ("AccessID", &ids.0),
            ("AccessPass", &ids.1),
            ("Tds2Param", param),
        ],
    )
    .await
}

async fn tds2_result(gmo: &Gmo, ids: &Ids) -> gmo_core::wire::Response {
    gmo.call(
        "Tds2Result",
        &[("AccessID", &ids.0), ("AccessPass", &ids.1)],
    )
    .await
}

#[tokio::test]
async fn direct_flow_frictionless() {
    let gmo = Gmo::start().await;
    let (ids, url) = redirect(&gmo, "o", "4111111111111111", "2").await;
    assert_eq!(
        infos(&tds2_auth(&gmo, &ids, "x").await),
        ["E01E40008"],
        "before the 3DS Method"
    );
    let param = method_callback(&gmo, &ids, &url).await;
    assert_eq!(infos(&tds2_auth(&gmo, &ids, "wrong").await), ["E01E40008"]);
    let r = tds2_auth(&gmo, &ids, &param).await;
    assert_eq!(
        keys(&r),
        ["Tds2TransResult", "Tds2TransResultReason", "ChallengeUrl"]
    );
    assert_eq!(r.get("Tds2TransResult"), Some("Y"));
    assert_eq!(r.get("ChallengeUrl"), Some(""));
    assert_eq!(status(&gmo, "o"), Status::Authenticated);
    let r = tds2_result(&gmo, &ids).await;
    assert_eq!(keys(&r), ["Tds2TransResult", "Tds2TransResultReason"]);
    assert_eq!(r.get("Tds2TransResult"), Some("Y"));
    assert!(!gmo.secure_tran2(&ids).await.is_error());
    assert_eq!(status(&gmo, "o"), Status::Auth);
}

#[tokio::test]
async fn direct_flow_with_a_challenge() {
    let gmo = Gmo::start().await;
    let (ids, url) = redirect(&gmo, "o", "4100000000005000", "2").await;
    let param = method_callback(&gmo, &ids, &url).await;
    let r = tds2_auth(&gmo, &ids, &param).await;
    assert_eq!(r.get("Tds2TransResult"), Some("C"));
    let challenge_url = r.get("ChallengeUrl").unwrap();
    assert!(challenge_url.starts_with(&format!("{}/acs/challenge/", gmo.sandbox.base_url())));
    assert!(!challenge_url.contains('&'));
    assert_eq!(
        infos(&tds2_result(&gmo, &ids).await),
        ["E01E40008"],
        "before the challenge"
    );
    let html = visit(&gmo, challenge_url).await;
    let form = answer_challenge(&gmo, &html, "123456").await;
    assert_eq!(form.action, format!("{RET_URL}&MD={}", ids.0));
    assert_eq!(form.field("event"), Some("AuthResultReady"));
    assert_eq!(form.field("param"), Some(param.as_str()));
    let r = tds2_result(&gmo, &ids).await;
    assert_eq!(r.get("Tds2TransResult"), Some("Y"));
    assert_eq!(
        infos(&tds2_auth(&gmo, &ids, &param).await),
        ["E01E40008"],
        "Tds2Auth is done"
    );
    assert!(!gmo.secure_tran2(&ids).await.is_error());
}

#[tokio::test]
async fn direct_flow_failures() {
    let gmo = Gmo::start().await;
    let (ids, url) = redirect(&gmo, "r", "4100000000000308", "2").await;
    let param = method_callback(&gmo, &ids, &url).await;
    let r = tds2_auth(&gmo, &ids, &param).await;
    assert_eq!(
        (r.get("Tds2TransResult"), r.get("Tds2TransResultReason")),
        (Some("R"), Some("11"))
    );
    assert_eq!(infos(&gmo.secure_tran2(&ids).await), ["E21030007"]);

    let (ids, url) = redirect(&gmo, "n", "4100000000005000", "2").await;
    let param = method_callback(&gmo, &ids, &url).await;
    let r = tds2_auth(&gmo, &ids, &param).await;
    let html = visit(&gmo, r.get("ChallengeUrl").unwrap()).await;
    answer_challenge(&gmo, &html, "999999").await;
    let r = tds2_result(&gmo, &ids).await;
    assert_eq!(r.get("Tds2TransResult"), Some("N"));
    assert_eq!(infos(&gmo.secure_tran2(&ids).await), ["E21030007"]);
    // Not a direct flow at all.
    let plain = gmo.pay("p", "AUTH", "100", "4111111111111111").await;
    assert_eq!(
        infos(&tds2_result(&gmo, &plain).await),
        ["E01050004", "M01004014"]
    );
}

#[tokio::test]
async fn card_outcomes_apply_at_secure_tran2() {
    let gmo = Gmo::start().await;
    let (ids, url) = redirect(&gmo, "d", "4100000000000407", "1").await;
    visit(&gmo, &url).await;
    let r = gmo.secure_tran2(&ids).await;
    assert_eq!(
        (r.get("ErrCode"), r.get("ErrInfo")),
        (Some("G02"), Some("42G020000"))
    );
    // A decline changes nothing: still authenticated.
    assert_eq!(status(&gmo, "d"), Status::Authenticated);

    let (ids, url) = redirect(&gmo, "c", "4100000000000704", "1").await;
    visit(&gmo, &url).await;
    let r = gmo.secure_tran2(&ids).await;
    assert_eq!(infos(&r), ["42C010000"]);
    assert_eq!(
        status(&gmo, "c"),
        Status::Auth,
        "authorised despite the network error"
    );
    assert_eq!(
        infos(&gmo.secure_tran2(&ids).await),
        ["E01050004", "M01004014"]
    );
}

#[tokio::test]
async fn check_with_3ds_then_traded_card() {
    let gmo = Gmo::start().await;
    let ids = gmo
        .entry_with("chk", &[("JobCd", "CHECK"), ("TdFlag", "2")])
        .await;
    let token = gmo
        .sandbox
        .issue_token("5555555555554444", "2812", "123")
        .unwrap();
    let r = gmo
        .exec_token("chk", &ids, &token, &[("RetUrl", RET_URL)])
        .await;
    visit(&gmo, r.get("RedirectUrl").unwrap()).await;
    let r = gmo.secure_tran2(&ids).await;
    assert_eq!(
        (r.get("Method"), r.get("Approve")),
        (Some(""), Some("0000000"))
    );
    gmo.site_call("SaveMember", &[("MemberID", "m")]).await;
    let r = gmo
        .shop_call(
            "TradedCard",
            &[
                ("SiteID", gmo.sandbox.site_id()),
                ("SitePass", gmo.sandbox.site_pass()),
                ("OrderID", "chk"),
                ("MemberID", "m"),
            ],
        )
        .await;
    assert_eq!(r.get("CardNo"), Some("************4444"));
}
