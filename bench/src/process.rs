//! The sandbox and the shops as child processes: started, their URL read from their first
//! lines, their memory and CPU read from `/proc`, killed when dropped.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::BoxError;

/// A running child process (killed when dropped).
#[derive(Debug)]
pub struct Process {
    name: String,
    child: Child,
    pid: u32,
    /// The URL it announced.
    pub url: String,
}

/// What a process holds in memory, from `/proc/<pid>/status`, in KiB.
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    /// Resident set size now (`VmRSS`).
    pub rss_kib: u64,
    /// Peak resident set size since start or since [`Process::reset_peak`] (`VmHWM`).
    pub peak_kib: u64,
}

impl Process {
    /// Starts `program` with `args` and `envs` (stderr to `log`), and waits up to 60 s for a
    /// line on stdout from which `url_of` reads its URL.
    pub async fn start(
        name: &str,
        program: &Path,
        args: &[String],
        envs: &[(String, String)],
        log: &Path,
        url_of: fn(&str) -> Option<String>,
    ) -> Result<Self, BoxError> {
        let stderr = std::fs::File::create(log)?;
        let mut child = Command::new(program)
            .args(args)
            .envs(envs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("{name}: cannot start {}: {e}", program.display()))?;
        let pid = child.id().ok_or("the child has no pid")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let url = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await? {
                if let Some(url) = url_of(&line) {
                    return Ok::<_, std::io::Error>(Some(url));
                }
            }
            Ok(None)
        })
        .await
        .map_err(|_| {
            format!(
                "{name} did not announce its URL in 60 s (see {})",
                log.display()
            )
        })??
        .ok_or_else(|| {
            format!(
                "{name} ended without announcing its URL (see {})",
                log.display()
            )
        })?;
        // Keep reading, so that the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self {
            name: name.to_owned(),
            child,
            pid,
            url,
        })
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Its memory now and at peak.
    pub fn memory(&self) -> Result<Memory, BoxError> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))?;
        let field = |key: &str| -> Option<u64> {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
        };
        Ok(Memory {
            rss_kib: field("VmRSS:").ok_or("no VmRSS")?,
            peak_kib: field("VmHWM:").ok_or("no VmHWM")?,
        })
    }

    /// Open file descriptors now (sockets included).
    pub fn open_files(&self) -> usize {
        open_files(self.pid)
    }

    /// Resets the peak resident set size (`VmHWM`) to the current one (`clear_refs` 5).
    pub fn reset_peak(&self) -> Result<(), BoxError> {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid), "5")?;
        Ok(())
    }

    /// CPU time used so far (user + system), in seconds (`/proc/<pid>/stat`, 100 ticks/s).
    pub fn cpu_seconds(&self) -> Result<f64, BoxError> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid))?;
        // Fields after the command name (which is in parentheses and may hold spaces).
        let rest = stat.rsplit_once(')').ok_or("bad stat")?.1;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
        let ticks = |i: usize| -> Result<f64, BoxError> {
            Ok(fields.get(i).ok_or("short stat")?.parse::<f64>()?)
        };
        Ok((ticks(11)? + ticks(12)?) / 100.0)
    }

    /// Kills it and waits for it to end.
    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// Open file descriptors of process `pid` now (0 if it is gone).
pub fn open_files(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count)
}

/// Where the built binaries are: beside the running one (`target/release`).
pub fn bin_dir() -> Result<PathBuf, BoxError> {
    let exe = std::env::current_exe()?;
    Ok(exe.parent().ok_or("no directory")?.to_path_buf())
}

/// The sandbox's announced URL: its first line.
pub fn sandbox_url(line: &str) -> Option<String> {
    line.starts_with("http://")
        .then(|| line.trim().trim_end_matches('/').to_owned())
}

/// The shop's announced URL: `Shop running at http://…/`.
pub fn shop_url(line: &str) -> Option<String> {
    line.strip_prefix("Shop running at ")
        .map(|url| url.trim().trim_end_matches('/').to_owned())
}

/// Starts `gmo-sandbox` from `dir` on a free port, with `latency_ms` added to every API call.
pub async fn start_sandbox(dir: &Path, logs: &Path, latency_ms: u64) -> Result<Process, BoxError> {
    let args = vec![
        "--listen".to_owned(),
        "127.0.0.1:0".to_owned(),
        "--latency-ms".to_owned(),
        latency_ms.to_string(),
        "--history-limit".to_owned(),
        "1000".to_owned(),
    ];
    let envs = vec![("RUST_LOG".to_owned(), "warn".to_owned())];
    Process::start(
        "gmo-sandbox",
        &dir.join("gmo-sandbox"),
        &args,
        &envs,
        &logs.join("gmo-sandbox.log"),
        sandbox_url,
    )
    .await
}

/// Starts the example shop binary `<framework>-shop` (`axum-shop`, `actix-shop`) from `dir`
/// with its orders in `store` (`SHOP_DATABASE_URL`: `memory`, `sqlite://…`, `postgres://…`),
/// paying through the sandbox at `sandbox_url` with the sandbox's default credentials.
pub async fn start_shop(
    dir: &Path,
    logs: &Path,
    framework: &str,
    store: &str,
    sandbox_url: &str,
    extra_envs: &[(&str, &str)],
) -> Result<Process, BoxError> {
    let envs: Vec<(String, String)> = [
        ("PORT", "0"),
        ("RUST_LOG", "warn"),
        ("SHOP_DATABASE_URL", store),
        // The driver's shoppers are the demo shop's three customers on 127.0.0.1: the
        // card-testing limits (5 attempts in flight per customer, 10 per address) would refuse
        // them. The throttle's bookkeeping still runs.
        ("SHOP_CARD_THROTTLE", "off"),
        ("GMO_BASE_URL", sandbox_url),
        ("GMO_SHOP_ID", gmo_sandbox::DEFAULT_SHOP_ID),
        ("GMO_SHOP_PASS", gmo_sandbox::DEFAULT_SHOP_PASS),
        ("GMO_SITE_ID", gmo_sandbox::DEFAULT_SITE_ID),
        ("GMO_SITE_PASS", gmo_sandbox::DEFAULT_SITE_PASS),
    ]
    .iter()
    .chain(extra_envs)
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let name = format!("{framework}-shop");
    Process::start(
        &name,
        &dir.join(&name),
        &[],
        &envs,
        &logs.join(format!("{name}.log")),
        shop_url,
    )
    .await
}
