//! The `gmo-sandbox` binary: its first stdout line is the base URL, its flags configure the
//! sandbox.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use gmo_core::wire::{FormEncoder, Response};

const BINARY: &str = env!("CARGO_BIN_EXE_gmo-sandbox");

/// Kills the child even when the test fails.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn entry_tran(base_url: &str, shop_id: &str, shop_pass: &str, order: &str) -> Response {
    let mut form = FormEncoder::new();
    form.push("ShopID", shop_id)
        .unwrap()
        .push("ShopPass", shop_pass)
        .unwrap()
        .push("OrderID", order)
        .unwrap()
        .push("JobCd", "AUTH")
        .unwrap()
        .push("Amount", "100")
        .unwrap();
    let body = reqwest::Client::new()
        .post(format!("{base_url}/payment/EntryTran.idPass"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form.finish())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    Response::parse(&body).unwrap()
}

#[tokio::test]
async fn serves_on_the_url_it_prints() {
    let mut child = Command::new(BINARY)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--shop-id",
            "tshop00000042",
            "--shop-pass",
            "pass42",
            "--latency-ms",
            "1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    let base_url = line.trim_end();
    assert!(base_url.starts_with("http://127.0.0.1:"), "{line:?}");
    assert_ne!(base_url, "http://127.0.0.1:0");

    let r = entry_tran(base_url, "tshop00000042", "pass42", "bin-1").await;
    assert!(!r.is_error(), "{:?}", r.errors());
    assert_eq!(r.get("AccessID").unwrap().len(), 32);
    // The default shop is not configured: the flags were taken.
    let r = entry_tran(base_url, "tshop00000001", "shoppass01", "bin-2").await;
    assert!(r.is_error());
    let latency: serde_json::Value = reqwest::get(format!("{base_url}/sandbox/latency"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(latency["ms"], 1);
    drop(running);
}

#[test]
fn help_and_bad_flags() {
    let help = Command::new(BINARY).arg("--help").output().unwrap();
    assert!(help.status.success());
    let text = String::from_utf8(help.stdout).unwrap();
    assert!(text.contains("--notify-url") && text.contains("[default: 127.0.0.1:8085]"));
    let bad = Command::new(BINARY).arg("--bogus").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8(bad.stderr).unwrap().contains("--bogus"));
}
