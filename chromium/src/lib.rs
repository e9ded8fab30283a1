//! A headless Chromium over WebDriver (chromedriver): the browser scenarios of gmo-scenarios,
//! gmo-sandbox's browser test, and gmo-core's contract suite (token.js in a real browser).
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian's `chromium` and
//! `chromium-driver`; `.ci/install-browser` installs them), or the paths in `CHROMIUM` and
//! `CHROMEDRIVER`. Without them a browser test prints `skipped: …` and passes, unless `CI` is
//! set: then it fails.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use serde_json::json;

/// How long a page may take to show what a test waits for.
pub const WAIT: Duration = Duration::from_secs(20);

/// Writes past the test harness's output capture, so that a skip shows in `cargo test`.
pub fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// The browser and its driver.
#[derive(Debug, Clone)]
pub struct BrowserTools {
    /// The Chromium binary.
    pub chromium: PathBuf,
    /// The chromedriver binary.
    pub chromedriver: PathBuf,
}

fn first_existing(env: &str, default: &str) -> Option<PathBuf> {
    std::env::var_os(env)
        .map(PathBuf::from)
        .into_iter()
        .chain([PathBuf::from(default)])
        .find(|p| p.is_file())
}

/// Chromium and chromedriver, or `None` after printing `skipped: …` (the caller returns). With
/// `CI` set, a missing browser is a failure.
pub fn tools(test: &str) -> Option<BrowserTools> {
    let chromium = first_existing("CHROMIUM", "/usr/bin/chromium");
    let chromedriver = first_existing("CHROMEDRIVER", "/usr/bin/chromedriver");
    match (chromium, chromedriver) {
        (Some(chromium), Some(chromedriver)) => Some(BrowserTools {
            chromium,
            chromedriver,
        }),
        _ if std::env::var_os("CI").is_some() => {
            panic!(
                "{test}: chromium or chromedriver is missing and CI is set: run .ci/install-browser"
            )
        }
        _ => {
            say(&format!(
                "skipped: {test}: chromium or chromedriver not installed (run .ci/install-browser)"
            ));
            None
        }
    }
}

/// A chromedriver process (in its own process group, with the browsers it starts), on a free
/// port; it and its browser profiles go away on drop.
#[derive(Debug)]
pub struct ChromeDriver {
    process: Child,
    url: String,
    chromium: PathBuf,
    profiles: std::sync::Mutex<Vec<PathBuf>>,
}

impl ChromeDriver {
    /// Starts chromedriver; it names its port on stdout.
    pub fn start(tools: &BrowserTools) -> Self {
        let mut process = Command::new(&tools.chromedriver)
            .arg("--port=0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("chromedriver starts");
        let stdout = process.stdout.take().expect("chromedriver's stdout");
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        // Keep draining the pipe after the port line, or chromedriver blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("started successfully on port ").nth(1) {
                    let _ = port_tx.send(rest.trim_end_matches('.').trim().to_owned());
                }
            }
        });
        let port = port_rx
            .recv_timeout(WAIT)
            .expect("chromedriver names its port");
        Self {
            process,
            url: format!("http://127.0.0.1:{port}"),
            chromium: tools.chromium.clone(),
            profiles: std::sync::Mutex::default(),
        }
    }

    /// A new headless browser with a fresh profile.
    pub async fn session(&self) -> Client {
        static SESSIONS: AtomicU32 = AtomicU32::new(0);
        let profile = std::env::temp_dir().join(format!(
            "gmo-chromium-{}-{}",
            std::process::id(),
            SESSIONS.fetch_add(1, Ordering::Relaxed)
        ));
        self.profiles
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(profile.clone());
        let options = json!({
            "binary": self.chromium,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                // No network here: without these Chromium keeps calling home.
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-crash-reporter",
                "--window-size=1000,800",
                format!("--user-data-dir={}", profile.display()),
            ],
        });
        let capabilities = serde_json::Map::from_iter([
            ("browserName".to_owned(), json!("chrome")),
            ("goog:chromeOptions".to_owned(), options),
        ]);
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("a Chromium session")
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        // The whole group: chromedriver and any Chromium a failed test left behind.
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.process.id())])
            .status();
        let _ = self.process.wait();
        for profile in self
            .profiles
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .drain(..)
        {
            // After a failed test Chromium may still be writing its profile for a moment.
            for _ in 0..50 {
                if std::fs::remove_dir_all(&profile).is_ok() || !profile.exists() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}
