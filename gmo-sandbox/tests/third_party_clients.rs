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

use gmo_core::types::Status;
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
    // One EntryTran per order plus the refused duplicate.
    assert_eq!(sandbox.calls(Api::EntryTran), 4);
    assert_eq!(sandbox.calls_for_order(&format!("{prefix}-1")), 5);
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
