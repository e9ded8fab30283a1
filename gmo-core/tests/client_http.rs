//! The client over real HTTP against a scripted local server: what goes on the wire, how
//! answers are read, and how every kind of failure is classified and retried (or not).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Reply, SHOP_PASS, SITE_PASS, TestServer, authorization_body, client_for};
use gmo_core::api::{
    CardSource, EntryTran, ExecTran, ExecTranOutcome, SaveMember, SearchTrade, SecureTran2,
    ThreeDSecureEntry, ThreeDSecureExec,
};
use gmo_core::client::{Credentials, RawRequest};
use gmo_core::error::{RequestError, TransportFailure, catalogue};
use gmo_core::values::{AccessId, MemberId, Method, OrderId, SeqMode, Tds2Type};
use gmo_core::values::{Amount, CardSeq, ClientField, MemberName, RetUrl, Tax, TdTenantName};
use gmo_core::{AccessPass, CardToken, Environment, ErrorKind, GmoClient, GmoError};

const ACCESS_ID: &str = "3618be802c7ac572414274731e50cb6c";
const ACCESS_PASS: &str = "4099664bd4b110800e09805539d1d7b5";

fn order() -> OrderId {
    OrderId::new("order-1").unwrap()
}

fn exec_with_token() -> ExecTran {
    let mut exec = ExecTran::new(
        AccessId::new(ACCESS_ID).unwrap(),
        AccessPass::new(ACCESS_PASS),
        order(),
        CardSource::Token(CardToken::new("tok+en/=")),
    );
    exec.method = Some(Method::Lump);
    exec
}

fn search() -> SearchTrade {
    SearchTrade::new(order())
}

const SEARCH_ANSWER: &str = "OrderID=order-1&Status=AUTH&ProcessDate=20260101120000&JobCd=AUTH&AccessID=3618be802c7ac572414274731e50cb6c&AccessPass=4099664bd4b110800e09805539d1d7b5&ItemCode=0000990&Amount=1000&Tax=0&SiteID=&MemberID=&CardNo=************1111&Expire=3012&Method=1&PayTimes=&Forward=2a99662&TranID=2601011200111111111111000001&Approve=0000001&ClientField1=&ClientField2=&ClientField3=";

#[tokio::test]
async fn entry_tran_posts_a_windows_31j_form_with_the_shop_credentials() {
    let server = TestServer::start(vec![Reply::ok(&format!(
        "AccessID={ACCESS_ID}&AccessPass={ACCESS_PASS}"
    ))])
    .await;
    let mut tds = ThreeDSecureEntry::new();
    tds.tds2_type = Some(Tds2Type::WithoutThreeDSecure);
    tds.tenant_name = Some(TdTenantName::new("ジーエムオー").unwrap());
    let request = EntryTran::auth(order(), Amount::new(1_000).unwrap())
        .with_tax(Tax::new(80).unwrap())
        .with_three_d_secure(tds);
    let entry = server.client().send(&request).await.unwrap();
    assert_eq!(entry.access_id.as_str(), ACCESS_ID);
    assert_eq!(entry.access_pass.expose_secret(), ACCESS_PASS);

    let sent = server.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, "POST");
    assert_eq!(sent[0].path, "/payment/EntryTran.idPass");
    assert_eq!(
        sent[0].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(sent[0].header("accept"), Some("*/*"));
    let form = sent[0].form();
    assert_eq!(form.get("ShopID"), Some("tshop001"));
    assert_eq!(form.get("ShopPass"), Some(SHOP_PASS));
    assert_eq!(form.get("SiteID"), None);
    assert_eq!(form.get("OrderID"), Some("order-1"));
    assert_eq!(form.get("JobCd"), Some("AUTH"));
    assert_eq!(form.get("Amount"), Some("1000"));
    assert_eq!(form.get("Tax"), Some("80"));
    assert_eq!(form.get("TdFlag"), Some("2"));
    assert_eq!(form.get("Tds2Type"), Some("3"));
    assert_eq!(form.get("TdTenantName"), Some("pbihvKWopeClqqG8"));
}

#[tokio::test]
async fn site_calls_carry_the_site_credentials_and_cp932_text() {
    let server = TestServer::start(vec![Reply::ok("MemberID=m-1")]).await;
    let mut save = SaveMember::new(MemberId::new("m-1").unwrap());
    save.member_name = Some(MemberName::new("髙橋 ㈱ｼﾞｴﾑｵ①").unwrap());
    let id = server.client().send(&save).await.unwrap();
    assert_eq!(id.as_str(), "m-1");
    let sent = &server.requests()[0];
    assert_eq!(sent.path, "/payment/SaveMember.idPass");
    let body = String::from_utf8(sent.body.clone()).unwrap();
    assert!(
        body.contains("MemberName=%FB%FC%8B%B4+%87%8A%BC%DE%B4%D1%B5%87%40"),
        "{body}"
    );
    let form = sent.form();
    assert_eq!(form.get("SiteID"), Some("tsite001"));
    assert_eq!(form.get("SitePass"), Some(SITE_PASS));
    assert_eq!(form.get("ShopID"), None);
}

#[tokio::test]
async fn exec_tran_with_a_token_sends_no_shop_or_site_credentials() {
    let server = TestServer::start(vec![Reply::ok(&format!(
        "ACS=0&{}",
        authorization_body("order-1", "1", "6416276", SHOP_PASS)
    ))])
    .await;
    let mut exec = exec_with_token();
    exec.client_fields.field1 = Some(ClientField::new("注文 #1").unwrap());
    exec.client_fields.echo = true;
    let outcome = server.client().send(&exec).await.unwrap();
    let ExecTranOutcome::Authorized(auth) = outcome else {
        panic!("expected an authorisation");
    };
    assert_eq!(auth.approve, "6416276");
    assert_eq!(auth.method, Some(Method::Lump));
    let form = server.requests()[0].form();
    for absent in [
        "ShopID", "ShopPass", "SiteID", "SitePass", "CardNo", "Expire",
    ] {
        assert_eq!(form.get(absent), None, "{absent}");
    }
    assert_eq!(form.get("Token"), Some("tok+en/="));
    assert_eq!(form.get("AccessPass"), Some(ACCESS_PASS));
    assert_eq!(form.get("Method"), Some("1"));
    assert_eq!(form.get("ClientField1"), Some("注文 #1"));
    assert_eq!(form.get("ClientFieldFlag"), Some("1"));
}

#[tokio::test]
async fn exec_tran_with_a_stored_card_sends_the_site_credentials() {
    let server = TestServer::start(vec![Reply::ok(&format!(
        "ACS=0&{}",
        authorization_body("order-1", "1", "0000001", SHOP_PASS)
    ))])
    .await;
    let mut exec = exec_with_token();
    exec.card = CardSource::StoredCard {
        member_id: MemberId::new("m-1").unwrap(),
        seq_mode: SeqMode::Physical,
        card_seq: CardSeq::new(2).unwrap(),
    };
    server.client().send(&exec).await.unwrap();
    let form = server.requests()[0].form();
    assert_eq!(form.get("SiteID"), Some("tsite001"));
    assert_eq!(form.get("SitePass"), Some(SITE_PASS));
    assert_eq!(form.get("MemberID"), Some("m-1"));
    assert_eq!(form.get("SeqMode"), Some("1"));
    assert_eq!(form.get("CardSeq"), Some("2"));
    assert_eq!(form.get("Token"), None);
}

#[tokio::test]
async fn exec_tran_answers_a_three_d_secure_redirect_verbatim() {
    let url = "https://manage.tds2gw.gmopg.jp/api/v2/brw/callback?transId=6e48e31f-2940-48e1-a702-ebba2f3373ee&t=dccc8a7ed85372c9accff576bff59b3a";
    let server = TestServer::start(vec![Reply::ok(&format!("ACS=2&RedirectUrl={url}"))]).await;
    let mut exec = exec_with_token();
    exec.three_d_secure = Some(ThreeDSecureExec::new(
        RetUrl::new("https://shop.example/3ds/order-1").unwrap(),
    ));
    let outcome = server.client().send(&exec).await.unwrap();
    assert_eq!(
        outcome,
        ExecTranOutcome::ThreeDSecure {
            redirect_url: url.to_owned()
        }
    );
    let form = server.requests()[0].form();
    assert_eq!(form.get("RetUrl"), Some("https://shop.example/3ds/order-1"));
}

#[tokio::test]
async fn a_wrong_check_string_is_an_unknown_outcome() {
    let body = authorization_body("order-1", "1", "6416276", "another-pass");
    let server = TestServer::start(vec![Reply::ok(&format!("ACS=0&{body}"))]).await;
    let err = server.client().send(&exec_with_token()).await.unwrap_err();
    assert!(
        matches!(err, GmoError::CheckStringMismatch { .. }),
        "{err:?}"
    );
    assert!(err.outcome_unknown());
    assert_eq!(err.kind(), Some(ErrorKind::OutcomeUnknown));

    let server = TestServer::start(vec![Reply::ok(&body)]).await;
    let secure = SecureTran2::new(
        AccessId::new(ACCESS_ID).unwrap(),
        AccessPass::new(ACCESS_PASS),
    );
    let err = server.client().send(&secure).await.unwrap_err();
    assert!(
        matches!(err, GmoError::CheckStringMismatch { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_missing_check_string_is_an_unreadable_answer() {
    let body = "ACS=0&OrderID=order-1&Forward=2a99662&Method=1&PayTimes=&Approve=1&TranID=1&TranDate=20260101120000";
    let server = TestServer::start(vec![Reply::ok(body)]).await;
    let err = server.client().send(&exec_with_token()).await.unwrap_err();
    assert!(matches!(err, GmoError::Decode { .. }), "{err:?}");
    assert!(err.outcome_unknown());
}

#[tokio::test]
async fn secure_tran2_reads_a_check_authorisation() {
    // JobCd=CHECK: Method empty, Approve seven zeros.
    let body = authorization_body("order-1", "", "0000000", SHOP_PASS);
    let server = TestServer::start(vec![Reply::ok(&body)]).await;
    let secure = SecureTran2::new(
        AccessId::new(ACCESS_ID).unwrap(),
        AccessPass::new(ACCESS_PASS),
    );
    let auth = server.client().send(&secure).await.unwrap();
    assert_eq!(auth.method, None);
    assert_eq!(auth.approve, "0000000");
    let form = server.requests()[0].form();
    assert_eq!(form.get("AccessID"), Some(ACCESS_ID));
    assert_eq!(form.get("ShopPass"), None);
}

#[tokio::test]
async fn error_answers_carry_every_code() {
    let server = TestServer::start(vec![Reply::ok(
        "ErrCode=E01|M01&ErrInfo=E01050004|M01004014",
    )])
    .await;
    let err = server.client().send(&exec_with_token()).await.unwrap_err();
    let api = err.as_api().expect("an API error");
    assert_eq!(api.api(), "ExecTran");
    assert_eq!(api.codes().len(), 2);
    assert!(err.is_already_executed());
    assert!(err.to_string().contains("E01050004"));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_dropped_connection_after_sending_is_an_unknown_outcome_and_not_retried() {
    let server = TestServer::start(vec![Reply::Drop]).await;
    let err = server.client().send(&exec_with_token()).await.unwrap_err();
    let GmoError::Transport(transport) = &err else {
        panic!("expected a transport error, got {err:?}");
    };
    assert_eq!(transport.failure(), TransportFailure::ConnectionLost);
    assert!(err.outcome_unknown());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn http_503_is_an_unknown_outcome_and_money_calls_are_sent_once() {
    let server = TestServer::start(vec![Reply::Answer(503, b"busy".to_vec())]).await;
    let client = server.client();
    let err = client
        .send(&EntryTran::capture(order(), Amount::new(100).unwrap()))
        .await
        .unwrap_err();
    assert!(err.outcome_unknown(), "{err:?}");
    assert_eq!(server.requests().len(), 1);
    let err = client.send(&exec_with_token()).await.unwrap_err();
    assert!(err.outcome_unknown());
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn searches_are_retried_twice_by_default() {
    let server = TestServer::start(vec![Reply::Answer(503, b"busy".to_vec())]).await;
    let err = server.client().send(&search()).await.unwrap_err();
    assert!(matches!(
        &err,
        GmoError::Transport(t) if t.failure() == TransportFailure::HttpStatus(503)
    ));
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_search_recovers_after_transient_failures() {
    let server = TestServer::start(vec![
        Reply::Drop,
        Reply::Answer(502, Vec::new()),
        Reply::ok(SEARCH_ANSWER),
    ])
    .await;
    let state = server.client().send(&search()).await.unwrap();
    assert_eq!(state.amount.yen(), 1000);
    assert_eq!(state.expiry.unwrap().yymm(), "3012");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn retries_are_configurable() {
    let server = TestServer::start(vec![Reply::Drop]).await;
    let client = GmoClient::builder(Environment::Custom(server.base_url.clone()))
        .shop(
            gmo_core::values::ShopId::new("tshop001").unwrap(),
            gmo_core::ShopPass::new(SHOP_PASS),
        )
        .read_retries(0)
        .build()
        .unwrap();
    assert!(client.send(&search()).await.is_err());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn no_answer_within_the_timeout_is_an_unknown_outcome() {
    let server = TestServer::start(vec![Reply::Hang]).await;
    let client = GmoClient::builder(Environment::Custom(server.base_url.clone()))
        .shop(
            gmo_core::values::ShopId::new("tshop001").unwrap(),
            gmo_core::ShopPass::new(SHOP_PASS),
        )
        .request_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = client
        .send(&EntryTran::auth(order(), Amount::new(100).unwrap()))
        .await
        .unwrap_err();
    let GmoError::Transport(transport) = &err else {
        panic!("expected a transport error, got {err:?}");
    };
    assert_eq!(transport.failure(), TransportFailure::TimedOut);
    assert!(err.outcome_unknown());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_refused_connection_certainly_changed_nothing() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = client_for(&base_url)
        .send(&exec_with_token())
        .await
        .unwrap_err();
    let GmoError::Transport(transport) = &err else {
        panic!("expected a transport error, got {err:?}");
    };
    assert_eq!(transport.failure(), TransportFailure::NotSent);
    assert!(!err.outcome_unknown());
    assert_eq!(err.kind(), None);
}

#[tokio::test]
async fn other_http_statuses_are_known_failures() {
    let server = TestServer::start(vec![Reply::Answer(404, b"not found".to_vec())]).await;
    let err = server.client().send(&exec_with_token()).await.unwrap_err();
    assert!(matches!(
        &err,
        GmoError::Transport(t) if t.failure() == TransportFailure::HttpStatus(404)
    ));
    assert!(!err.outcome_unknown());
}

#[tokio::test]
async fn an_unreadable_answer_is_unknown_only_for_calls_that_change_something() {
    let server = TestServer::start(vec![Reply::ok("<html>maintenance</html>")]).await;
    let client = server.client();
    let err = client.send(&exec_with_token()).await.unwrap_err();
    assert!(matches!(err, GmoError::Decode { .. }));
    assert!(err.outcome_unknown());
    let err = client.send(&search()).await.unwrap_err();
    assert!(matches!(err, GmoError::Decode { .. }));
    assert!(!err.outcome_unknown());
    // Decode failures are not retried, even for searches.
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn throttling_is_retried_for_searches_only() {
    let server = TestServer::start(vec![Reply::ok("ErrCode=E92&ErrInfo=E92000001")]).await;
    let client = server.client();
    let err = client.send(&search()).await.unwrap_err();
    let throttled = catalogue::classify("E92", "E92000001") == ErrorKind::Throttled;
    // Needs the catalogue: until it classifies E92 as throttling, nothing is retried.
    let expected_search_requests = if throttled { 3 } else { 1 };
    assert_eq!(server.requests().len(), expected_search_requests);
    assert_eq!(err.kind(), Some(catalogue::classify("E92", "E92000001")));
    client.send(&exec_with_token()).await.unwrap_err();
    assert_eq!(server.requests().len(), expected_search_requests + 1);
}

#[tokio::test]
async fn invalid_requests_are_refused_before_sending() {
    let server = TestServer::start(vec![Reply::ok("AccessID=x")]).await;
    let client = server.client();
    let over =
        EntryTran::auth(order(), Amount::new(9_999_999).unwrap()).with_tax(Tax::new(1).unwrap());
    let err = client.send(&over).await.unwrap_err();
    let GmoError::Request(RequestError::Invalid(invalid)) = &err else {
        panic!("expected a validation error, got {err:?}");
    };
    assert_eq!(invalid.field, "Amount");
    let mut check = EntryTran::check(order());
    check.amount = Some(Amount::new(1).unwrap());
    assert!(matches!(
        client.send(&check).await,
        Err(GmoError::Request(RequestError::Invalid(_)))
    ));
    let mut installments = exec_with_token();
    installments.method = Some(Method::Installments(0));
    let err = client.send(&installments).await.unwrap_err();
    assert!(err.to_string().contains("PayTimes"), "{err}");
    let mut bad_token = exec_with_token();
    bad_token.card = CardSource::Token(CardToken::new("has space"));
    let err = client.send(&bad_token).await.unwrap_err();
    assert!(err.to_string().contains("Token"), "{err}");
    assert!(!err.to_string().contains("has space"), "{err}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn missing_credentials_are_refused_before_sending() {
    let server = TestServer::start(vec![Reply::ok("MemberID=m")]).await;
    let shop_only = GmoClient::builder(Environment::Custom(server.base_url.clone()))
        .shop(
            gmo_core::values::ShopId::new("tshop001").unwrap(),
            gmo_core::ShopPass::new(SHOP_PASS),
        )
        .build()
        .unwrap();
    let err = shop_only
        .send(&SaveMember::new(MemberId::new("m").unwrap()))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        GmoError::Request(RequestError::MissingCredentials {
            credentials: "site",
            ..
        })
    ));
    let site_only = GmoClient::builder(Environment::Custom(server.base_url.clone()))
        .site(
            gmo_core::values::SiteId::new("tsite001").unwrap(),
            gmo_core::SitePass::new(SITE_PASS),
        )
        .build()
        .unwrap();
    // ExecTran itself needs no shop credentials, but verifying its CheckString needs the ShopPass.
    let err = site_only.send(&exec_with_token()).await.unwrap_err();
    assert!(matches!(
        err,
        GmoError::Request(RequestError::MissingCredentials {
            credentials: "shop",
            ..
        })
    ));
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn raw_calls_add_the_chosen_credentials() {
    let server = TestServer::start(vec![Reply::ok(
        "AccessID=a&BankName=テスト銀行&AvailableDate=20220922",
    )])
    .await;
    let request = RawRequest::new("ExecTranVirtualaccount", Credentials::Shop)
        .field("OrderID", "order-1")
        .field("TradeDays", "14");
    let answer = server.client().send_raw(&request).await.unwrap();
    assert_eq!(answer.get("BankName"), Some("テスト銀行"));
    let sent = &server.requests()[0];
    assert_eq!(sent.path, "/payment/ExecTranVirtualaccount.idPass");
    let form = sent.form();
    assert_eq!(form.get("ShopID"), Some("tshop001"));
    assert_eq!(form.get("TradeDays"), Some("14"));
    assert_eq!(form.get("SiteID"), None);
    let bad = RawRequest::new("../admin", Credentials::None);
    assert!(matches!(
        server.client().send_raw(&bad).await,
        Err(GmoError::Request(_))
    ));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn raw_calls_are_not_retried_unless_read_only() {
    let server = TestServer::start(vec![Reply::Answer(500, Vec::new())]).await;
    let client = server.client();
    let moving = RawRequest::new("SomethingNew", Credentials::Shop);
    assert!(
        client
            .send_raw(&moving)
            .await
            .unwrap_err()
            .outcome_unknown()
    );
    assert_eq!(server.requests().len(), 1);
    let reading = RawRequest::new("SearchSomething", Credentials::Shop).read_only();
    assert!(client.send_raw(&reading).await.is_err());
    assert_eq!(server.requests().len(), 4);
}

#[test]
fn clients_and_errors_cross_threads() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<GmoClient>();
    assert_send_sync::<GmoError>();
    assert_send_sync::<ExecTran>();
    assert_send_sync::<ExecTranOutcome>();
}

#[test]
fn environments_point_at_gmo() {
    assert_eq!(Environment::Test.base_url(), "https://pt01.mul-pay.jp");
    assert_eq!(Environment::Production.base_url(), "https://p01.mul-pay.jp");
    let client = GmoClient::builder(Environment::Custom("http://127.0.0.1:9/".into()))
        .build()
        .unwrap();
    assert_eq!(client.base_url(), "http://127.0.0.1:9");
}

/// A client with at most `max` calls in flight and a request timeout of `timeout_ms`.
fn capped(server: &TestServer, max: usize, timeout_ms: u64) -> GmoClient {
    GmoClient::builder(Environment::Custom(server.base_url.clone()))
        .shop(
            gmo_core::values::ShopId::new("tshop001").unwrap(),
            gmo_core::ShopPass::new(SHOP_PASS),
        )
        .request_timeout(Duration::from_millis(timeout_ms))
        .read_retries(0)
        .max_connections(max)
        .build()
        .unwrap()
}

#[tokio::test]
async fn calls_beyond_the_connection_cap_wait_their_turn() {
    let server = TestServer::start(vec![Reply::Hang]).await;
    let client = capped(&server, 2, 2_000);
    let calls: Vec<_> = (0..5)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.send(&search()).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(server.requests().len(), 2, "only two calls reached GMO");
    let stats = client.stats();
    assert_eq!((stats.in_flight, stats.waiting, stats.waited), (2, 3, 3));
    for call in calls {
        call.abort();
    }
}

#[tokio::test]
async fn a_call_that_waits_the_whole_timeout_is_not_sent() {
    let server = TestServer::start(vec![Reply::Hang]).await;
    let client = capped(&server, 1, 300);
    let spawn = || {
        let client = client.clone();
        tokio::spawn(async move { client.send(&search()).await })
    };
    // The first hangs until its timeout (300 ms); the second takes its turn then, and hangs
    // until 600 ms.
    let first = spawn();
    tokio::time::sleep(Duration::from_millis(30)).await;
    let second = spawn();
    tokio::time::sleep(Duration::from_millis(30)).await;
    // The third waits from 60 ms: its 300 ms run out at 360 ms, before its turn. Not sent.
    let third = client.send(&search()).await.unwrap_err();
    assert!(!third.outcome_unknown(), "{third:?}");
    assert!(matches!(
        &third,
        GmoError::Transport(e) if e.failure() == TransportFailure::NotSent
    ));
    assert_eq!(client.stats().turned_away, 1);
    for call in [first, second] {
        assert!(call.await.unwrap().is_err(), "it hung until its timeout");
    }
    assert_eq!(server.requests().len(), 2, "the third never reached GMO");
}
