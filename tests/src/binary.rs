//! A shop's binary as a user runs it (`cargo run -p …`): the first line names the URL, and the
//! shop answers there with its pages, its assets and the embedded sandbox's token.js.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Stops the shop we started, even when an assertion fails.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the shop binary at `path` with `PORT=0` and checks what it prints and serves.
pub async fn prints_its_url_first_and_serves_the_shop(path: &str) {
    let mut child = Command::new(path)
        .env("PORT", "0")
        .env_remove("GMO_BASE_URL")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the shop starts");
    let stdout = child.stdout.take().expect("stdout");
    let _running = Running(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(30));
    let check = async {
        let first = first.expect("a first line");
        let url = first
            .strip_prefix("Shop running at ")
            .unwrap_or_else(|| panic!("first line: {first}"));
        assert!(
            url.starts_with("http://127.0.0.1:") && url.ends_with('/'),
            "{url}"
        );
        let home = reqwest::get(url).await.expect("the home page");
        assert_eq!(home.status(), 200);
        let csp = home.headers()["content-security-policy"]
            .to_str()
            .expect("text")
            .to_owned();
        assert!(csp.contains("script-src 'self' http://127.0.0.1:"), "{csp}");
        assert!(
            home.text()
                .await
                .expect("a page")
                .contains("Tokoname kyusu teapot")
        );
        let script = reqwest::get(format!("{url}assets/card-form.js"))
            .await
            .expect("the script");
        assert_eq!(script.status(), 200);
        let sandbox = rx
            .recv_timeout(Duration::from_secs(5))
            .expect("a second line");
        let sandbox_url = sandbox
            .strip_prefix("Payments: embedded gmo-sandbox at ")
            .unwrap_or_else(|| panic!("second line: {sandbox}"));
        let token_js = reqwest::get(format!("{sandbox_url}/ext/js/token.js"))
            .await
            .expect("token.js");
        assert_eq!(token_js.status(), 200);
    };
    tokio::time::timeout(Duration::from_secs(30), check)
        .await
        .expect("in time");
}
