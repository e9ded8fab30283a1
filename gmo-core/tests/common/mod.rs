//! A tiny HTTP/1.1 server on 127.0.0.1:0 that records requests and plays scripted replies,
//! standing in for GMO until the sandbox exists.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gmo_core::values::{ShopId, SiteId};
use gmo_core::wire::{FormFields, parse_form};
use gmo_core::{Environment, GmoClient, ShopPass, SitePass};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Answers with this status and body (Windows-31J bytes).
    Answer(u16, Vec<u8>),
    /// Reads the request, then closes the connection without answering.
    Drop,
    /// Reads the request, then never answers (for a few seconds).
    Hang,
}

impl Reply {
    /// A 200 answer with an ASCII or UTF-8 body converted to Windows-31J.
    pub fn ok(body: &str) -> Self {
        let bytes = gmo_core::wire::encode_windows_31j("body", body)
            .unwrap()
            .into_owned();
        Self::Answer(200, bytes)
    }
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Captured {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Captured {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn form(&self) -> FormFields {
        parse_form(&self.body).unwrap()
    }
}

/// The server; it stops when dropped (its task is aborted).
pub struct TestServer {
    pub base_url: String,
    captured: Arc<Mutex<Vec<Captured>>>,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    /// Starts a server playing `script` in order; the last reply repeats.
    pub async fn start(script: Vec<Reply>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let captured = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let seen = Arc::clone(&captured);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let seen = Arc::clone(&seen);
                let script = Arc::clone(&script);
                tokio::spawn(serve(stream, seen, script));
            }
        });
        Self {
            base_url,
            captured,
            task,
        }
    }

    pub fn requests(&self) -> Vec<Captured> {
        self.captured.lock().unwrap().clone()
    }

    /// A client for this server with short timeouts and back-off.
    pub fn client(&self) -> GmoClient {
        client_for(&self.base_url)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub const SHOP_PASS: &str = "shopPassX1";
pub const SITE_PASS: &str = "sitePassX1";

pub fn client_for(base_url: &str) -> GmoClient {
    GmoClient::builder(Environment::Custom(base_url.to_owned()))
        .shop(ShopId::new("tshop001").unwrap(), ShopPass::new(SHOP_PASS))
        .site(SiteId::new("tsite001").unwrap(), SitePass::new(SITE_PASS))
        .request_timeout(Duration::from_secs(5))
        .retry_backoff(Duration::from_millis(5))
        .build()
        .unwrap()
}

async fn serve(
    mut stream: TcpStream,
    seen: Arc<Mutex<Vec<Captured>>>,
    script: Arc<Mutex<VecDeque<Reply>>>,
) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    seen.lock().unwrap().push(request);
    let reply = {
        let mut script = script.lock().unwrap();
        if script.len() > 1 {
            script.pop_front().unwrap()
        } else {
            script.front().cloned().unwrap_or(Reply::Drop)
        }
    };
    match reply {
        Reply::Answer(status, body) => {
            let head = format!(
                "HTTP/1.1 {status} Scripted\r\nContent-Type: text/plain;charset=Windows-31J\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&body).await;
            let _ = stream.shutdown().await;
        }
        Reply::Drop => drop(stream),
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(10)).await;
            drop(stream);
        }
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<Captured> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).ok()?;
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let path = request_line.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Captured {
        method,
        path,
        headers,
        body,
    })
}

/// An ACS=0 ExecTran answer whose CheckString is computed with `shop_pass`.
pub fn authorization_body(order_id: &str, method: &str, approve: &str, shop_pass: &str) -> String {
    let fields = gmo_core::check_string::CheckStringFields {
        order_id,
        forward: "2a99662",
        method,
        pay_times: "",
        approve,
        tran_id: "2601011200111111111111000001",
        tran_date: "20260101120000",
    };
    let check = fields.compute(&ShopPass::new(shop_pass));
    format!(
        "OrderID={order_id}&Forward=2a99662&Method={method}&PayTimes=&Approve={approve}&TranID=2601011200111111111111000001&TranDate=20260101120000&CheckString={check}"
    )
}
