//! Secrets never leave through logs, Debug or Display: calls run with marker secrets while a
//! TRACE-level subscriber captures everything, then every output is searched for the markers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{Reply, TestServer, authorization_body};
use gmo_core::api::{
    AlterTran, CardDetailQuery, CardSource, EntryTran, ExecTran, SaveCard, SearchCardDetail,
    SearchTrade, SecureTran2, Tds2Auth,
};
use gmo_core::client::{Credentials, RawRequest};
use gmo_core::values::Amount;
use gmo_core::values::{AccessId, MemberId, Method, OrderId, ShopId, SiteId};
use gmo_core::{AccessPass, CardToken, Environment, GmoClient, ShopPass, SitePass};

const SHOP_PASS: &str = "MARKERshop1";
const SITE_PASS: &str = "MARKERsite1";
const ACCESS_PASS: &str = "MARKERaccess1";
const TOKEN: &str = "MARKERtoken1";
const MARKERS: [&str; 4] = [SHOP_PASS, SITE_PASS, ACCESS_PASS, TOKEN];
const ACCESS_ID: &str = "3618be802c7ac572414274731e50cb6c";

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn assert_clean(what: &str, text: &str) {
    for marker in MARKERS {
        assert!(!text.contains(marker), "{what} leaks {marker}: {text}");
    }
}

#[tokio::test]
async fn no_secret_reaches_logs_debug_or_display() {
    let logs = Buffer::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .try_init()
        .unwrap();

    let search_answer = format!(
        "OrderID=order-1&Status=AUTH&ProcessDate=20260101120000&JobCd=AUTH&AccessID={ACCESS_ID}&AccessPass={ACCESS_PASS}&ItemCode=0000990&Amount=1000&Tax=0&SiteID=&MemberID=&CardNo=************1111&Expire=3012&Method=1&PayTimes=&Forward=2a99662&TranID=1&Approve=1&ClientField1=&ClientField2=&ClientField3="
    );
    let good_auth = format!(
        "ACS=0&{}",
        authorization_body("order-1", "1", "0000001", SHOP_PASS)
    );
    let server = TestServer::start(vec![
        Reply::ok(&format!("AccessID={ACCESS_ID}&AccessPass={ACCESS_PASS}")),
        Reply::ok(&good_auth),
        Reply::ok(&format!(
            "ACS=0&{}",
            authorization_body("order-1", "1", "0000001", "wrong")
        )),
        Reply::ok("ErrCode=E01|M01&ErrInfo=E01050004|M01004014"),
        Reply::Drop,
        Reply::ok(&search_answer),
        Reply::ok("CardSeq=0&CardNo=*************111&Forward=2a99662"),
        Reply::ok("ErrCode=EX1&ErrInfo=EX1000301"),
        Reply::ok("<html>oops</html>"),
        Reply::Answer(503, Vec::new()),
    ])
    .await;
    let client = GmoClient::builder(Environment::Custom(server.base_url.clone()))
        .shop(ShopId::new("tshop001").unwrap(), ShopPass::new(SHOP_PASS))
        .site(SiteId::new("tsite001").unwrap(), SitePass::new(SITE_PASS))
        .retry_backoff(std::time::Duration::from_millis(1))
        .read_retries(0)
        .build()
        .unwrap();
    let order_id = OrderId::new("order-1").unwrap();
    let access_id = AccessId::new(ACCESS_ID).unwrap();
    let access_pass = AccessPass::new(ACCESS_PASS);
    let mut exec = ExecTran::new(
        access_id.clone(),
        access_pass.clone(),
        order_id.clone(),
        CardSource::Token(CardToken::new(TOKEN)),
    );
    exec.method = Some(Method::Lump);

    let mut outputs: Vec<String> = Vec::new();
    let mut record = |label: &str, debug: String, display: Option<String>| {
        outputs.push(format!(
            "{label}: {debug} / {}",
            display.unwrap_or_default()
        ));
    };
    macro_rules! run {
        ($label:literal, $call:expr) => {{
            let result = $call.await;
            let display = result.as_ref().err().map(|e| {
                let mut text = e.to_string();
                let mut source = std::error::Error::source(e);
                while let Some(s) = source {
                    text.push_str(&format!(" <- {s} / {s:?}"));
                    source = s.source();
                }
                text
            });
            record($label, format!("{result:?}"), display);
            result
        }};
    }

    let entry = EntryTran::auth(order_id.clone(), Amount::new(1000).unwrap());
    let entered = run!("entry", client.send(&entry)).unwrap();
    assert_eq!(
        entered.access_pass.expose_secret(),
        ACCESS_PASS,
        "the call really ran"
    );
    run!("exec ok", client.send(&exec)).unwrap();
    run!("exec mismatch", client.send(&exec)).unwrap_err();
    run!("exec already executed", client.send(&exec)).unwrap_err();
    run!("exec dropped", client.send(&exec)).unwrap_err();
    run!("search", client.send(&SearchTrade::new(order_id.clone()))).unwrap();
    let save = SaveCard::new(MemberId::new("m-1").unwrap(), CardToken::new(TOKEN));
    run!("save card", client.send(&save)).unwrap();
    let detail = SearchCardDetail::new(CardDetailQuery::Token(CardToken::new(TOKEN)));
    run!("card detail", client.send(&detail)).unwrap_err();
    let secure = SecureTran2::new(access_id.clone(), access_pass.clone());
    run!("secure tran unreadable", client.send(&secure)).unwrap_err();
    let raw = RawRequest::new("AlterTran", Credentials::Shop)
        .field("AccessID", ACCESS_ID)
        .field("AccessPass", ACCESS_PASS);
    run!("raw 503", client.send_raw(&raw)).unwrap_err();

    // Requests and the client themselves.
    let requests = format!(
        "{exec:?} {save:?} {detail:?} {secure:?} {raw:?} {entry:?} {:?} {:?} {client:?}",
        AlterTran::void(access_id.clone(), access_pass.clone()),
        Tds2Auth::new(access_id, access_pass, "param"),
    );
    assert_clean("request Debug", &requests);
    for output in &outputs {
        assert_clean("call output", output);
    }
    assert_eq!(server.requests().len(), 10);

    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    // The logs are real: one span per call with its fields.
    assert!(logs.contains("gmo.call"), "{logs}");
    assert!(logs.contains("api=\"ExecTran\""), "{logs}");
    assert!(logs.contains("order_id=\"order-1\""), "{logs}");
    assert!(logs.contains("outcome=\"check_string_mismatch\""), "{logs}");
    assert!(logs.contains("outcome=\"transport\""), "{logs}");
    assert!(logs.contains("elapsed_ms="), "{logs}");
    assert_clean("logs", &logs);
    // Secrets percent-encoded would be the same ASCII; check the encoded marker too.
    assert!(!logs.contains("MARKER"), "{logs}");
}
