//! `gmo-load`: the load driver. See `BENCHMARKS.md` at the workspace root.
//!
//! ```text
//! cargo run --release -p gmo-bench --bin gmo-load -- all
//! gmo-load <all|checkout|scale|sandbox|micro|client|chart> [--quick] [--levels 1,4,16] [--configs direct,axum-memory,…]
//!          [--postgres URL] [--scale-count N] [--latency-ms MS]
//! ```
//!
//! `all` writes each section's Markdown to `bench/results/<section>.md`, the checkout chart to
//! `bench/results/checkout.svg` and everything together to `bench/results/run.md`; a section run
//! alone writes to `target/gmo-load/results/` instead. `chart` redraws `checkout.svg` from
//! `run.md`.
#![forbid(unsafe_code)]
// A benchmark binary: a broken set-up ends the run with its message.
#![allow(clippy::expect_used)]

mod chart;
mod checkout;
mod client;
mod micro;
mod sandbox;
mod scale;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gmo_bench::BoxError;
use gmo_bench::report;

const USAGE: &str = "usage: gmo-load <all|checkout|scale|sandbox|micro|client|chart> [--quick] [--levels 1,4,16,64,256] [--configs direct,axum-memory,axum-sqlite,axum-postgres,actix-memory,actix-sqlite,actix-postgres] [--postgres URL] [--scale-count N] [--scale-configs axum-memory,actix-memory] [--latency-ms 200]";

const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";

#[derive(Debug, Clone)]
struct Options {
    section: String,
    quick: bool,
    levels: Vec<usize>,
    configs: Vec<String>,
    postgres: String,
    scale_count: usize,
    scale_configs: Vec<String>,
    latency_ms: u64,
}

fn parse_args() -> Result<Options, BoxError> {
    let mut args = std::env::args().skip(1);
    let section = args.next().ok_or(USAGE)?;
    let list = |v: String| v.split(',').map(str::to_owned).collect::<Vec<_>>();
    let mut options = Options {
        section,
        quick: false,
        levels: vec![1, 4, 16, 64, 256],
        configs: list(
            "direct,axum-memory,axum-sqlite,axum-postgres,actix-memory,actix-sqlite,actix-postgres"
                .into(),
        ),
        postgres: std::env::var("GMO_BENCH_POSTGRES").unwrap_or_else(|_| DEFAULT_POSTGRES.into()),
        scale_count: 10_000,
        scale_configs: list("axum-memory,actix-memory".into()),
        latency_ms: 200,
    };
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--levels" => {
                options.levels = value()?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()?;
            }
            "--configs" => options.configs = list(value()?),
            "--postgres" => options.postgres = value()?,
            "--scale-count" => options.scale_count = value()?.parse()?,
            "--scale-configs" => options.scale_configs = list(value()?),
            "--latency-ms" => options.latency_ms = value()?.parse()?,
            _ => return Err(format!("unknown argument {arg}\n{USAGE}").into()),
        }
    }
    Ok(options)
}

/// Where a run writes its Markdown and chart: `bench/results` for `all` (the documented run),
/// `target/gmo-load/results` for a section alone (so that trials do not overwrite it).
fn results_dir() -> PathBuf {
    if std::env::args().nth(1).as_deref() == Some("all") {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("results")
    } else {
        workspace_dir()
            .join("target")
            .join("gmo-load")
            .join("results")
    }
}

fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ is in the workspace")
        .to_path_buf()
}

fn logs_dir() -> Result<PathBuf, BoxError> {
    let dir = workspace_dir().join("target").join("gmo-load");
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn main() -> Result<(), BoxError> {
    let options = parse_args()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(options))
}

async fn run(options: Options) -> Result<(), BoxError> {
    std::fs::create_dir_all(results_dir())?;
    if options.section == "chart" {
        return chart::redraw_chart();
    }
    let sections: Vec<&str> = match options.section.as_str() {
        "all" => vec!["micro", "sandbox", "checkout", "scale"],
        s @ ("checkout" | "scale" | "sandbox" | "micro" | "client") => vec![s],
        _ => return Err(USAGE.into()),
    };
    build_binaries()?;
    let started = Instant::now();
    let mut all = format!(
        "# gmo-load run\n\nCommand: `gmo-load {}`, started {} (UTC), in {}.\n\n## Machine\n\n{}\n",
        std::env::args().skip(1).collect::<Vec<_>>().join(" "),
        utc_now(),
        workspace_dir().display(),
        report::machine()
    );
    for section in sections {
        eprintln!("== {section}");
        let markdown = match section {
            "micro" => {
                let mut out = micro::micro(&options)?;
                out.push_str(&client::client_overhead(&options).await?);
                out
            }
            "client" => client::client_overhead(&options).await?,
            "sandbox" => sandbox::sandbox_calls(&options).await?,
            "checkout" => checkout::checkout(&options).await?,
            _ => scale::scale(&options).await?,
        };
        std::fs::write(results_dir().join(format!("{section}.md")), &markdown)?;
        println!("{markdown}");
        all.push_str(&markdown);
        all.push('\n');
    }
    let _ = writeln!(all, "Run time: {:.0} s.", started.elapsed().as_secs_f64());
    if options.section == "all" {
        std::fs::write(results_dir().join("run.md"), &all)?;
    }
    Ok(())
}

fn utc_now() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// `cargo build --release` of the sandbox and the shops (a no-op when up to date).
fn build_binaries() -> Result<(), BoxError> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = std::process::Command::new(cargo)
        .current_dir(workspace_dir())
        .args([
            "build",
            "--release",
            "-p",
            "gmo-sandbox",
            "-p",
            "axum-shop",
            "-p",
            "actix-shop",
            "--bins",
        ])
        .status()?;
    if !status.success() {
        return Err("cargo build --release failed".into());
    }
    Ok(())
}

fn cores() -> f64 {
    std::thread::available_parallelism().map_or(1.0, |n| usize::from(n) as f64)
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

fn met(ok: bool) -> &'static str {
    if ok { "**met**" } else { "**missed**" }
}
