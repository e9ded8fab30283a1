//! A shop binary run as a separate process, as a user or an operator runs it: started with its
//! environment, its URL read from its first line, killed (`SIGKILL`, as a crash) on demand or
//! when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

/// The file name of the binary at `path` (`axum-shop`), for messages and file names.
pub fn binary_name(path: &str) -> &str {
    std::path::Path::new(path)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("shop")
}

/// A running shop binary.
#[derive(Debug)]
pub struct ShopProcess {
    child: Child,
    lines: Receiver<String>,
    /// The shop's URL from its first line, with the trailing `/`.
    pub url: String,
}

impl ShopProcess {
    /// Starts the binary at `path` on `PORT=0` with `env` (on top of the test's environment,
    /// without `GMO_*` and `SHOP_*` variables of its own), and waits for its first line.
    pub fn start(path: &str, env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(path);
        for (name, _) in std::env::vars() {
            if name.starts_with("GMO_") || name.starts_with("SHOP_") {
                command.env_remove(name);
            }
        }
        command
            .env("PORT", "0")
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = command.spawn().expect("the shop starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut process = Self {
            child,
            lines,
            url: String::new(),
        };
        let first = process.next_line();
        process.url = first
            .strip_prefix("Shop running at ")
            .unwrap_or_else(|| panic!("first line: {first}"))
            .to_owned();
        process
    }

    /// The next line the shop prints on stdout (waits up to 30 s).
    pub fn next_line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(30))
            .expect("a line from the shop")
    }

    /// Kills the process at once (`SIGKILL`: no shutdown, as in a crash) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ShopProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
