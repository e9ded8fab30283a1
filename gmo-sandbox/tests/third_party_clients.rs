//! Other ecosystems' GMO clients, unchanged, against the sandbox: if libraries written for GMO
//! parse the sandbox's answers (fields, errors, pipe lists, the unescaped RedirectUrl) and get
//! the outcomes they expect, the sandbox is as good as GMO for them.
//!
//! Each client runs a script of `tests/third_party/` against a fresh sandbox (the scripts assert
//! the parsed values); this side then checks that the sandbox saw the same story. The libraries
//! come from `.ci/install-third-party` (into `target/third-party/`); where they or
//! `python3`/`node` are missing, the tests print "skipped" and pass, unless `CI` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gmo_core::values::Status;
use gmo_sandbox::{Api, RunningSandbox, Sandbox};

/// A script should take a second or two; this only stops a hung one.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// One client library and how to run its script.
struct ThirdParty {
    /// What is tested, for messages.
    library: &'static str,
    /// `python3` or `node`.
    interpreter: &'static str,
    /// The script in `tests/third_party/`.
    script: &'static str,
    /// The module search path variable and its folder under `target/third-party/`.
    path_var: &'static str,
    path_dir: &'static str,
    /// A file that exists once the library is installed, under `path_dir`.
    installed: &'static str,
}

const PYTHON_GMOPG: ThirdParty = ThirdParty {
    library: "PyPI gmopg 0.0.6",
    interpreter: "python3",
    script: "gmopg_python.py",
    path_var: "PYTHONPATH",
    path_dir: "py",
    installed: "gmopg/__init__.py",
};

const NODE_GMO_SERVICE: ThirdParty = ThirdParty {
    library: "npm @motionpicture/gmo-service 5.3.0",
    interpreter: "node",
    script: "gmo_service_node.js",
    path_var: "NODE_PATH",
    path_dir: "node/node_modules",
    installed: "@motionpicture/gmo-service/package.json",
};

const NODE_GMOPG: ThirdParty = ThirdParty {
    library: "npm gmopg 6.0.0",
    interpreter: "node",
    script: "gmopg_node.js",
    path_var: "NODE_PATH",
    path_dir: "node/node_modules",
    installed: "gmopg/package.json",
};

/// Writes past the test harness's capture, so that a skip shows in `cargo test`'s output.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

impl ThirdParty {
    fn module_dir(&self) -> PathBuf {
        crate_dir()
            .join("../target/third-party")
            .join(self.path_dir)
    }

    /// Whether the interpreter and the library are there; a failure when `CI` is set.
    fn available(&self) -> bool {
        let interpreter = Command::new(self.interpreter)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        let missing = if !interpreter {
            format!("{} not found", self.interpreter)
        } else if !self.module_dir().join(self.installed).is_file() {
            format!(
                "{} not installed (run .ci/install-third-party)",
                self.library
            )
        } else {
            return true;
        };
        assert!(std::env::var_os("CI").is_none(), "{missing}, and CI is set");
        say(&format!("skipped: {missing}"));
        false
    }

    /// Runs the script against the sandbox; returns its standard output.
    async fn run(&self, sandbox: &RunningSandbox, order_prefix: &str) -> String {
        let mut command = Command::new(self.interpreter);
        command
            .arg(crate_dir().join("tests/third_party").join(self.script))
            .args([
                sandbox.base_url(),
                sandbox.shop_id(),
                sandbox.shop_pass(),
                sandbox.site_id(),
                sandbox.site_pass(),
                order_prefix,
            ])
            .env(self.path_var, self.module_dir())
            .env("PYTHONDONTWRITEBYTECODE", "1");
        // The npm gmopg reads its endpoint and credentials from these when set.
        for var in [
            "GMOPG_ENDPOINT",
            "GMOPG_TIMEOUT",
            "GMOPG_SITEID",
            "GMOPG_SITEPASS",
            "GMOPG_SHOPID",
            "GMOPG_SHOPPASS",
        ] {
            command.env_remove(var);
        }
        let library = self.library;
        let (success, stdout, stderr) = tokio::task::spawn_blocking(move || run(command))
            .await
            .unwrap();
        assert!(
            success,
            "{library} against the sandbox failed:\n{stdout}\n{stderr}"
        );
        assert!(stdout.contains("ok: "), "{library}: {stdout}\n{stderr}");
        stdout
    }
}

/// Runs a command to its end (or kills it after [`SCRIPT_TIMEOUT`]): success, stdout, stderr.
fn run(mut command: Command) -> (bool, String, String) {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > SCRIPT_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (stdout, mut stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
    if status.is_none() {
        stderr.push_str("\n(killed: the script ran too long)");
    }
    (status.is_some_and(|s| s.success()), stdout, stderr)
}

/// What every script does, seen from the sandbox: a sale, a decline, a member with two cards
/// and a payment with the second one.
fn assert_sandbox_saw_the_flow(sandbox: &RunningSandbox, prefix: &str) {
    let sale = sandbox.transaction(&format!("{prefix}-1")).unwrap();
    assert_eq!((sale.status, sale.amount), (Status::Sales, 1200));
    let declined = sandbox.transaction(&format!("{prefix}-2")).unwrap();
    assert_eq!(declined.status, Status::Unprocessed);
    let stored = sandbox.transaction(&format!("{prefix}-3")).unwrap();
    assert_eq!((stored.status, stored.amount), (Status::Capture, 800));
    let member = sandbox.member(&format!("{prefix}-member")).unwrap();
    let cards: Vec<_> = member
        .cards
        .iter()
        .map(|c| c.card_no_masked.as_str())
        .collect();
    assert_eq!(cards, ["*************111", "*************444"]);
    // EntryTran, ExecTran, AlterTran, SearchTrade and the refused duplicate EntryTran.
    assert_eq!(sandbox.calls_for_order(&format!("{prefix}-1")), 5);
    assert_eq!(sandbox.calls(Api::SaveCard), 2);
}

#[tokio::test]
async fn python_gmopg_runs_unchanged() {
    if !PYTHON_GMOPG.available() {
        return;
    }
    let sandbox = Sandbox::builder().spawn().await.unwrap();
    let out = PYTHON_GMOPG.run(&sandbox, "py").await;
    say(&format!("{}: {}", PYTHON_GMOPG.library, out.trim()));
    assert_sandbox_saw_the_flow(&sandbox, "py");
}

#[tokio::test]
async fn node_gmopg_runs_unchanged() {
    if !NODE_GMOPG.available() {
        return;
    }
    let sandbox = Sandbox::builder().spawn().await.unwrap();
    let out = NODE_GMOPG.run(&sandbox, "node").await;
    say(&format!("{}: {}", NODE_GMOPG.library, out.trim()));
    assert_sandbox_saw_the_flow(&sandbox, "node");
}

#[tokio::test]
async fn node_gmo_service_runs_unchanged() {
    if !NODE_GMO_SERVICE.available() {
        return;
    }
    let sandbox = Sandbox::builder().spawn().await.unwrap();
    let out = NODE_GMO_SERVICE.run(&sandbox, "svc").await;
    say(&format!("{}: {}", NODE_GMO_SERVICE.library, out.trim()));
    assert_sandbox_saw_the_flow(&sandbox, "svc");
    let secured = sandbox.transaction("svc-3ds").unwrap();
    assert_eq!((secured.status, secured.amount), (Status::Auth, 500));
    assert_eq!(sandbox.calls(Api::SecureTran2), 1);
}

/// What `@motionpicture/gmo-service` sends, without Node: a multipart body is answered as the
/// same fields urlencoded.
#[tokio::test]
async fn multipart_calls_are_answered_like_urlencoded_ones() {
    let sandbox = Sandbox::builder().spawn().await.unwrap();
    let boundary = "----------------------------570213462711093437206137";
    let body: String = [
        ("ShopID", sandbox.shop_id()),
        ("ShopPass", sandbox.shop_pass()),
        ("OrderID", "multipart-1"),
        ("JobCd", "AUTH"),
        ("Amount", "1000"),
    ]
    .iter()
    .map(|(name, value)| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )
    })
    .chain([format!("--{boundary}--\r\n")])
    .collect();
    let post = |content_type: String, body: String| {
        let url = format!("{}/payment/EntryTran.idPass", sandbox.base_url());
        async move {
            let response = reqwest::Client::new()
                .post(url)
                .header("Content-Type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            response.text().await.unwrap()
        }
    };
    let answer = post(
        format!("multipart/form-data; boundary={boundary}"),
        body.clone(),
    )
    .await;
    assert!(
        answer.starts_with("AccessID=") && answer.contains("&AccessPass="),
        "{answer}"
    );
    let entry = sandbox.transaction("multipart-1").unwrap();
    assert_eq!((entry.status, entry.amount), (Status::Unprocessed, 1000));
    // The same call again: the same duplicate-order error as a urlencoded one gets.
    let again = post(
        format!("multipart/form-data; boundary={boundary}"),
        body.clone(),
    )
    .await;
    assert_eq!(again, "ErrCode=E01&ErrInfo=E01040010");
    // A multipart body without its boundary is no form at all.
    let broken = post("multipart/form-data".to_owned(), body).await;
    assert_eq!(broken, "ErrCode=E00&ErrInfo=E00000003");
}
