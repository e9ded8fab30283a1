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

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gmo_bench::BoxError;
use gmo_bench::checkout::{Driver, GMO_CALLS_PER_CHECKOUT, Target, Verification};
use gmo_bench::load::{self, Run, Until};
use gmo_bench::process::{self, Process};
use gmo_bench::report::{self, Series};

const USAGE: &str = "usage: gmo-load <all|checkout|scale|sandbox|micro|client|chart> [--quick] [--levels 1,4,16,64,256] [--configs direct,axum-memory,axum-sqlite,axum-postgres,actix-memory,actix-sqlite,actix-postgres] [--postgres URL] [--scale-count N] [--scale-configs axum-memory,actix-memory] [--latency-ms 200]";

const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";
const PG_SCHEMA: &str = "gmo_bench_load";
/// How long checkouts are started at each concurrency (without `--quick`).
const LEVEL_SECONDS: u64 = 4;

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
        return redraw_chart();
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
                let mut out = micro(&options)?;
                out.push_str(&client_overhead(&options).await?);
                out
            }
            "client" => client_overhead(&options).await?,
            "sandbox" => sandbox_calls(&options).await?,
            "checkout" => checkout(&options).await?,
            _ => scale(&options).await?,
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

/// `gmo-load chart`: draws `checkout.svg` again from the checkout table of `run.md` (both in
/// `bench/results`), e.g. after a change to the chart's drawing.
fn redraw_chart() -> Result<(), BoxError> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("results");
    let run = std::fs::read_to_string(dir.join("run.md"))?;
    let section = run
        .split("Whole checkouts (`gmo-load checkout`)")
        .nth(1)
        .and_then(|rest| rest.split("Summary").next())
        .ok_or("run.md has no checkout table")?;
    let mut series: Vec<Series> = Vec::new();
    for line in section.lines().filter(|l| l.starts_with("| ")) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let (Some(config), Some(Ok(in_flight)), Some(Ok(per_second))) = (
            cells.first(),
            cells.get(1).map(|c| c.parse::<f64>()),
            cells.get(5).map(|c| c.parse::<f64>()),
        ) else {
            continue; // the header
        };
        match series.iter_mut().find(|s| s.name == *config) {
            Some(s) => s.points.push((in_flight, per_second)),
            None => series.push(Series {
                name: (*config).to_owned(),
                points: vec![(in_flight, per_second)],
            }),
        }
    }
    std::fs::write(dir.join("checkout.svg"), checkout_chart(&series))?;
    Ok(())
}

fn checkout_chart(series: &[Series]) -> String {
    report::line_chart(
        "Whole 3-D Secure checkouts per second (2 cores, sandbox on loopback)",
        "checkouts in flight (log scale)",
        "checkouts per second",
        series,
    )
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

// ---------------------------------------------------------------------------------------------
// Criterion micro benches

/// Runs the client-overhead and claims criterion benches, and reads their estimates.
fn micro(options: &Options) -> Result<String, BoxError> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let criterion = workspace_dir().join("target").join("criterion");
    // Only this run's estimates are read.
    for group in ["SearchTrade round trip", "claims_by_64_tasks"] {
        let _ = std::fs::remove_dir_all(criterion.join(group));
    }
    for (package, bench) in [("gmo-core", "client_overhead"), ("gmo-sqlx", "claims")] {
        eprintln!("cargo bench -p {package} --bench {bench}");
        let mut command = std::process::Command::new(&cargo);
        command
            .current_dir(workspace_dir())
            .args(["bench", "-p", package, "--bench", bench]);
        // The claims bench measures PostgreSQL when given a database.
        if std::env::var_os("GMO_TEST_DATABASE_URL").is_none() {
            command.env("GMO_TEST_DATABASE_URL", &options.postgres);
        }
        let status = command.status()?;
        if !status.success() {
            return Err(format!("cargo bench -p {package} --bench {bench} failed").into());
        }
    }
    let estimates = criterion_estimates(&criterion)?;
    let mut out = String::from("## Micro benchmarks (criterion)\n\n");
    let find = |group: &str, prefix: &str| {
        estimates
            .iter()
            .find(|(id, _)| id.starts_with(group) && id[group.len()..].starts_with(prefix))
            .map(|(_, e)| *e)
    };
    out.push_str("### Client overhead: `cargo bench -p gmo-core --bench client_overhead`\n\n");
    let group = "SearchTrade round trip/";
    let client = find(group, "GmoClient").ok_or("no GmoClient estimate")?;
    let baseline = find(group, "baseline").ok_or("no baseline estimate")?;
    let ratio = client.mean_ns / baseline.mean_ns;
    out.push_str(&report::table(
        &["SearchTrade round trip on loopback", "mean", "95% CI"],
        &[
            estimate_row("GmoClient", client),
            estimate_row("baseline (reqwest form POST + split)", baseline),
        ],
    ));
    let _ = writeln!(
        out,
        "\nGmoClient / baseline: **{ratio:.3}×** (target ≤ 1.2×: {}).\n",
        met(ratio <= 1.2)
    );
    out.push_str("### Store claims: `cargo bench -p gmo-sqlx --bench claims`\n\n");
    let rows: Vec<Vec<String>> = estimates
        .iter()
        .filter(|(id, _)| !id.starts_with(group))
        .filter(|(id, _)| id.to_ascii_lowercase().contains("claim"))
        .map(|(id, e)| {
            let mut row = estimate_row(id, *e);
            row.push(format!("{}", e.elements));
            row.push(format!("{:.0}", e.elements * 1e9 / e.mean_ns));
            row
        })
        .collect();
    out.push_str(&report::table(
        &[
            "benchmark",
            "mean per iteration",
            "95% CI",
            "claims per iteration",
            "claims/s",
        ],
        &rows,
    ));
    Ok(out)
}

#[derive(Debug, Clone, Copy)]
struct Estimate {
    /// Elements per iteration (`Throughput::Elements`), 1 if none.
    elements: f64,
    mean_ns: f64,
    low_ns: f64,
    high_ns: f64,
}

fn estimate_row(name: &str, e: Estimate) -> Vec<String> {
    vec![
        name.to_owned(),
        format!("{:.1} µs", e.mean_ns / 1000.0),
        format!("{:.1}–{:.1} µs", e.low_ns / 1000.0, e.high_ns / 1000.0),
    ]
}

/// Every `<dir>/**/new/estimates.json` with its `benchmark.json`'s `full_id`.
fn criterion_estimates(dir: &Path) -> Result<BTreeMap<String, Estimate>, BoxError> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n == "new") {
                    let read = |name: &str| -> Result<serde_json::Value, BoxError> {
                        Ok(serde_json::from_str(&std::fs::read_to_string(
                            path.join(name),
                        )?)?)
                    };
                    if let (Ok(bench), Ok(est)) = (read("benchmark.json"), read("estimates.json")) {
                        let mean = &est["mean"];
                        if let (Some(id), Some(m), Some(lo), Some(hi)) = (
                            bench["full_id"].as_str(),
                            mean["point_estimate"].as_f64(),
                            mean["confidence_interval"]["lower_bound"].as_f64(),
                            mean["confidence_interval"]["upper_bound"].as_f64(),
                        ) {
                            found.insert(
                                id.to_owned(),
                                Estimate {
                                    elements: bench["throughput"]["Elements"]
                                        .as_f64()
                                        .unwrap_or(1.0),
                                    mean_ns: m,
                                    low_ns: lo,
                                    high_ns: hi,
                                },
                            );
                        }
                    }
                } else {
                    stack.push(path);
                }
            }
        }
    }
    Ok(found)
}

fn met(ok: bool) -> &'static str {
    if ok { "**met**" } else { "**missed**" }
}

// ---------------------------------------------------------------------------------------------
// Client overhead, interleaved

/// GmoClient SearchTrade against a bare reqwest POST + split (the criterion bench's two
/// paths), in alternating rounds against the sandbox binary, so that a change in the machine's
/// load touches both alike. One call in flight, keep-alive connections.
async fn client_overhead(options: &Options) -> Result<String, BoxError> {
    use gmo_core::api::{EntryTran, SearchTrade};
    use gmo_core::types::{OrderId, ShopId};
    use gmo_core::values::Amount;
    use gmo_core::{Environment, GmoClient, ShopPass};

    let rounds = if options.quick { 6 } else { 30 };
    let calls = if options.quick { 300 } else { 1000 };
    let sandbox = process::start_sandbox(&process::bin_dir()?, &logs_dir()?, 0).await?;
    let client = GmoClient::builder(Environment::Custom(sandbox.url.clone()))
        .shop(
            ShopId::new(gmo_sandbox::DEFAULT_SHOP_ID)?,
            ShopPass::new(gmo_sandbox::DEFAULT_SHOP_PASS),
        )
        .build()?;
    let order_id = OrderId::new("overhead-order-1")?;
    client
        .send(&EntryTran::auth(order_id.clone(), Amount::new(1000)?))
        .await?;
    let url = format!("{}/payment/SearchTrade.idPass", sandbox.url);
    let body = format!(
        "ShopID={}&ShopPass={}&OrderID={order_id}",
        gmo_sandbox::DEFAULT_SHOP_ID,
        gmo_sandbox::DEFAULT_SHOP_PASS
    );
    let bare = reqwest::Client::new();
    let gmo_round = || async {
        let started = Instant::now();
        for _ in 0..calls {
            let trade = client.send(&SearchTrade::new(order_id.clone())).await?;
            std::hint::black_box(trade);
        }
        Ok::<_, BoxError>(started.elapsed() / calls)
    };
    let bare_round = || async {
        let started = Instant::now();
        for _ in 0..calls {
            let bytes = bare
                .post(&url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.clone())
                .send()
                .await?
                .bytes()
                .await?;
            let (text, _, _) = encoding_rs::SHIFT_JIS.decode(&bytes);
            let pairs: Vec<(String, String)> = text
                .split('&')
                .filter_map(|p| p.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            std::hint::black_box(pairs);
        }
        Ok::<_, BoxError>(started.elapsed() / calls)
    };
    // Warm-up of both.
    gmo_round().await?;
    bare_round().await?;
    let mut gmo_times = Vec::new();
    let mut bare_times = Vec::new();
    let mut ratios = Vec::new();
    for round in 0..rounds {
        let (g, b) = if round % 2 == 0 {
            let g = gmo_round().await?;
            (g, bare_round().await?)
        } else {
            let b = bare_round().await?;
            (gmo_round().await?, b)
        };
        ratios.push(g.as_secs_f64() / b.as_secs_f64());
        gmo_times.push(g);
        bare_times.push(b);
    }
    sandbox.stop().await;
    gmo_times.sort_unstable();
    bare_times.sort_unstable();
    ratios.sort_by(f64::total_cmp);
    let median = |v: &[Duration]| v[v.len() / 2];
    let ratio = ratios[ratios.len() / 2];
    let us = |d: Duration| format!("{:.1} µs", d.as_secs_f64() * 1e6);
    let mut out = format!(
        "\n### Client overhead, interleaved (`gmo-load micro`)\n\nThe same two paths as the criterion bench, against the `gmo-sandbox` binary in its own process: {rounds} rounds of {calls} sequential SearchTrade calls each, GmoClient and baseline alternating (which goes first alternates too), so that the machine's load changes touch both alike.\n\n"
    );
    out.push_str(&report::table(
        &[
            "SearchTrade round trip",
            "median round",
            "fastest round",
            "slowest round",
        ],
        &[
            vec![
                "GmoClient".into(),
                us(median(&gmo_times)),
                us(gmo_times[0]),
                us(gmo_times[gmo_times.len() - 1]),
            ],
            vec![
                "baseline (reqwest form POST + split)".into(),
                us(median(&bare_times)),
                us(bare_times[0]),
                us(bare_times[bare_times.len() - 1]),
            ],
        ],
    ));
    let _ = writeln!(
        out,
        "\nGmoClient / baseline, median of the {rounds} rounds' ratios: **{ratio:.3}×** (range {:.3}–{:.3}; target ≤ 1.2×: {}).",
        ratios[0],
        ratios[ratios.len() - 1],
        met(ratio <= 1.2)
    );
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The sandbox's calls per second

async fn sandbox_calls(options: &Options) -> Result<String, BoxError> {
    let dir = process::bin_dir()?;
    let logs = logs_dir()?;
    let sandbox = process::start_sandbox(&dir, &logs, 0).await?;
    let base = sandbox.url.clone();
    let concurrency = 32;
    let seconds = if options.quick { 2.0 } else { 6.0 };
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let form = |fields: &[(&str, &str)]| {
        fields
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    };
    let (shop, pass) = (gmo_sandbox::DEFAULT_SHOP_ID, gmo_sandbox::DEFAULT_SHOP_PASS);
    // One order to look up.
    post_form(
        &http,
        &format!("{base}/payment/EntryTran.idPass"),
        form(&[
            ("ShopID", shop),
            ("ShopPass", pass),
            ("OrderID", "calls-order"),
            ("JobCd", "AUTH"),
            ("Amount", "1000"),
        ]),
    )
    .await?;
    let mut rows = Vec::new();
    let mut best = 0.0_f64;
    for api in ["SearchTrade", "EntryTran"] {
        let url: reqwest::Url = format!("{base}/payment/{api}.idPass").parse()?;
        let cpu_before = sandbox.cpu_seconds()?;
        let started = Instant::now();
        let deadline = started + Duration::from_secs_f64(seconds);
        let mut tasks = Vec::new();
        for worker in 0..concurrency {
            let (http, url) = (http.clone(), url.clone());
            tasks.push(tokio::spawn(async move {
                let mut calls = 0_u64;
                while Instant::now() < deadline {
                    let body = if api == "SearchTrade" {
                        format!("ShopID={shop}&ShopPass={pass}&OrderID=calls-order")
                    } else {
                        format!(
                            "ShopID={shop}&ShopPass={pass}&OrderID=c{worker}-{calls}&JobCd=AUTH&Amount=1000"
                        )
                    };
                    let answer = post_form(&http, url.as_str(), body).await?;
                    if answer.starts_with("ErrCode") {
                        return Err::<u64, BoxError>(format!("{api}: {answer}").into());
                    }
                    calls += 1;
                }
                Ok(calls)
            }));
        }
        let mut calls = 0;
        for task in tasks {
            calls += task.await??;
        }
        let elapsed = started.elapsed().as_secs_f64();
        let cpu = sandbox.cpu_seconds()? - cpu_before;
        let per_second = calls as f64 / elapsed;
        best = best.max(per_second);
        rows.push(vec![
            api.to_owned(),
            calls.to_string(),
            format!("{per_second:.0}"),
            format!("{:.1}", cpu / elapsed * 100.0),
            format!("{:.1}", cpu / calls as f64 * 1e6),
            format!("{:.0}", calls as f64 / cpu),
        ]);
    }
    sandbox.stop().await;
    let mut out = String::from("## Sandbox calls per second (`gmo-load sandbox`)\n\n");
    let _ = writeln!(
        out,
        "The `gmo-sandbox` binary (release) in its own process; the driver sends {concurrency} calls at once over keep-alive connections for {seconds} s per API, from another process on the same cores. CPU is the sandbox process's (user + system, `/proc/<pid>/stat`).\n"
    );
    out.push_str(&report::table(
        &[
            "API",
            "calls",
            "calls/s",
            "sandbox CPU %",
            "sandbox CPU µs/call",
            "calls per sandbox CPU-second",
        ],
        &rows,
    ));
    let _ = writeln!(
        out,
        "\nBest: {best:.0} calls/s (target ≥ 20,000/s: {}).",
        met(best >= 20_000.0)
    );
    Ok(out)
}

async fn post_form(http: &reqwest::Client, url: &str, body: String) -> Result<String, BoxError> {
    Ok(http
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await?
        .text()
        .await?)
}

// ---------------------------------------------------------------------------------------------
// Whole checkouts

/// A configuration: `direct`, or `<axum|actix>-<memory|sqlite|postgres>`.
fn shop_parts(config: &str) -> Option<(&str, &str)> {
    config.split_once('-')
}

/// The `SHOP_DATABASE_URL` of the shop for `store`, fresh (the SQLite file deleted, the
/// PostgreSQL schema dropped and created).
async fn fresh_store(store: &str, name: &str, options: &Options) -> Result<String, BoxError> {
    match store {
        "memory" => Ok("memory".into()),
        "sqlite" => {
            let path = logs_dir()?.join(format!("{name}.db"));
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            Ok(format!("sqlite://{}", path.display()))
        }
        "postgres" => {
            let pool = sqlx::PgPool::connect(&options.postgres).await?;
            sqlx::raw_sql(&format!(
                "DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE; CREATE SCHEMA {PG_SCHEMA}"
            ))
            .execute(&pool)
            .await?;
            pool.close().await;
            let sep = if options.postgres.contains('?') {
                '&'
            } else {
                '?'
            };
            Ok(format!(
                "{}{sep}options=-csearch_path%3D{PG_SCHEMA}",
                options.postgres
            ))
        }
        _ => Err(format!("unknown store {store}").into()),
    }
}

/// What was measured at one concurrency of one configuration.
#[derive(Debug)]
struct Level {
    run: Run,
    verification: Verification,
    /// CPU seconds of the driver, the sandbox and the shop during the run.
    cpu: [f64; 3],
}

/// One configuration through every level.
#[derive(Debug)]
struct ConfigResult {
    config: String,
    levels: Vec<Level>,
    shop_peak_kib: Option<u64>,
    sandbox_peak_kib: u64,
}

/// A sandbox, and the shop of `config` in front of it (none for `direct`).
async fn start_config(
    config: &str,
    latency_ms: u64,
    options: &Options,
) -> Result<(Process, Option<Process>, Target), BoxError> {
    let dir = process::bin_dir()?;
    let logs = logs_dir()?;
    let sandbox = process::start_sandbox(&dir, &logs, latency_ms).await?;
    if config == "direct" {
        return Ok((sandbox, None, Target::Direct));
    }
    let (framework, store) = shop_parts(config).ok_or(format!("unknown config {config}"))?;
    let store = fresh_store(store, config, options).await?;
    let shop = process::start_shop(&dir, &logs, framework, &store, &sandbox.url).await?;
    let target = Target::Shop(shop.url.clone());
    Ok((sandbox, Some(shop), target))
}

fn own_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (tick(11) + tick(12)) / 100.0
}

fn cpu_now(sandbox: &Process, shop: Option<&Process>) -> [f64; 3] {
    [
        own_cpu_seconds(),
        sandbox.cpu_seconds().unwrap_or(0.0),
        shop.and_then(|s| s.cpu_seconds().ok()).unwrap_or(0.0),
    ]
}

async fn run_config(config: &str, options: &Options) -> Result<ConfigResult, BoxError> {
    let (sandbox, shop, target) = start_config(config, 0, options).await?;
    let driver = Arc::new(Driver::new(&sandbox.url)?);
    let target = Arc::new(target);
    // Warm-up (not reported): connections, caches, the allocator.
    let warm = load::run(driver.clone(), target.clone(), "warm", Until::Count(64), 4).await;
    if let Some(error) = warm.errors.first() {
        return Err(format!("{config}: warm-up failed: {error}").into());
    }
    let mut levels = Vec::new();
    for &concurrency in &options.levels {
        let seconds = if options.quick { 1 } else { LEVEL_SECONDS };
        let before = driver.calls_by_order().await?;
        let cpu_before = cpu_now(&sandbox, shop.as_ref());
        let run = load::run(
            driver.clone(),
            target.clone(),
            &format!("c{concurrency}"),
            Until::Elapsed(Duration::from_secs(seconds)),
            concurrency,
        )
        .await;
        let cpu_after = cpu_now(&sandbox, shop.as_ref());
        let verification = driver.verify(&run.ok, &before, run.started).await?;
        eprintln!(
            "{config} ×{concurrency}: {} ok, {} errors, {:.0}/s, p50 {} ms, p99 {} ms, clean {}",
            run.ok.len(),
            run.errors.len(),
            run.per_second(),
            ms(run.percentile(50.0)),
            ms(run.percentile(99.0)),
            verification.is_clean()
        );
        for e in run.errors.iter().take(3) {
            eprintln!("  error: {e}");
        }
        for p in verification.problems.iter().take(3) {
            eprintln!("  problem: {p}");
        }
        let cpu = [0, 1, 2].map(|i| cpu_after[i] - cpu_before[i]);
        levels.push(Level {
            run,
            verification,
            cpu,
        });
    }
    let shop_peak_kib = match &shop {
        Some(s) => Some(s.memory()?.peak_kib),
        None => None,
    };
    let sandbox_peak_kib = sandbox.memory()?.peak_kib;
    if let Some(shop) = shop {
        shop.stop().await;
    }
    sandbox.stop().await;
    Ok(ConfigResult {
        config: config.to_owned(),
        levels,
        shop_peak_kib,
        sandbox_peak_kib,
    })
}

async fn checkout(options: &Options) -> Result<String, BoxError> {
    let mut results = Vec::new();
    for config in &options.configs {
        eprintln!("-- {config}");
        match run_config(config, options).await {
            Ok(result) => results.push(result),
            Err(e) => {
                eprintln!("{config}: {e}");
                return Err(e);
            }
        }
    }
    let direct = results.iter().find(|r| r.config == "direct");
    let direct_level = |concurrency: usize| {
        direct.and_then(|d| d.levels.iter().find(|l| l.run.concurrency == concurrency))
    };
    let mut out = String::from("## Whole checkouts (`gmo-load checkout`)\n\n");
    let _ = writeln!(
        out,
        "Each checkout is a new browser session (its own connection to the shop) of one of the demo shop's three customers: sign in, create an order (1 × `{}`), a card token from the sandbox's token endpoint, `POST /payments/checkout/{{id}}` (EntryTran, ExecTran), the issuer's page over HTTP (frictionless card 4111…1111 for even checkouts, challenge card 4100…5000 with its one-time password for odd ones), the return to the shop (SecureTran2), answered 303 to the order page. `direct` is the same GMO sequence (token, EntryTran, ExecTran, issuer's page, SecureTran2) sent straight to the sandbox with `GmoClient`. Each concurrency level starts checkouts for {} s (after a warm-up of 64 checkouts per configuration) and counts those that completed over the time until the last ended. The sandbox (no injected latency), the shop (the `axum-shop` or `actix-shop` release binary, `RUST_LOG=warn`, its store by `SHOP_DATABASE_URL`) and the driver are three processes on the same {} cores. Every order was checked afterwards: `AUTH` at the sandbox after exactly {GMO_CALLS_PER_CHECKOUT} GMO calls and `authorized` at the shop.\n",
        gmo_bench::checkout::PRODUCT,
        if options.quick { 1 } else { LEVEL_SECONDS },
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    let mut rows = Vec::new();
    for result in &results {
        for level in &result.levels {
            let run = &level.run;
            let (p50, p99) = (run.percentile(50.0), run.percentile(99.0));
            let base = direct_level(run.concurrency).filter(|_| result.config != "direct");
            let ratio = base.map_or("—".into(), |b| {
                format!("{:.2}×", run.per_second() / b.run.per_second())
            });
            let added = |p: f64, mine: Duration| {
                base.map_or("—".into(), |b| {
                    let theirs = b.run.percentile(p);
                    format!(
                        "{:+.1}",
                        (mine.as_secs_f64() - theirs.as_secs_f64()) * 1000.0
                    )
                })
            };
            let per = |cpu: f64| format!("{:.2}", cpu / run.ok.len().max(1) as f64 * 1000.0);
            rows.push(vec![
                result.config.clone(),
                run.concurrency.to_string(),
                run.ok.len().to_string(),
                run.errors.len().to_string(),
                level.verification.summary(),
                format!("{:.0}", run.per_second()),
                ratio,
                ms(p50),
                ms(p99),
                added(50.0, p50),
                added(99.0, p99),
                format!(
                    "{} / {} / {}",
                    per(level.cpu[0]),
                    per(level.cpu[1]),
                    per(level.cpu[2])
                ),
                format!(
                    "{:.0}",
                    level.cpu.iter().sum::<f64>() / (run.elapsed.as_secs_f64() * cores()) * 100.0
                ),
            ]);
        }
    }
    out.push_str(&report::table(
        &[
            "config",
            "in flight",
            "checkouts",
            "errors",
            "verified",
            "checkouts/s",
            "÷ direct",
            "p50 ms",
            "p99 ms",
            "p50 added ms",
            "p99 added ms",
            "CPU ms/checkout driver / sandbox / shop",
            "CPU busy %",
        ],
        &rows,
    ));

    // Summary: the best throughput of each configuration against direct's best.
    let best = |r: &ConfigResult| {
        r.levels
            .iter()
            .map(|l| l.run.per_second())
            .fold(0.0, f64::max)
    };
    let direct_best = direct.map(best);
    out.push_str("\n### Summary\n\n");
    let mut summary = Vec::new();
    for result in &results {
        let mine = best(result);
        let ratio = direct_best
            .filter(|_| result.config != "direct")
            .map(|d| mine / d);
        // The shop's own CPU per checkout at its best level, and what the cores would carry
        // if the shop had them to itself (driver and sandbox elsewhere).
        let best_level = result
            .levels
            .iter()
            .max_by(|a, b| a.run.per_second().total_cmp(&b.run.per_second()));
        let shop_cpu_ms = best_level
            .filter(|_| result.config != "direct")
            .map(|l| l.cpu[2] / l.run.ok.len().max(1) as f64 * 1000.0);
        summary.push(vec![
            result.config.clone(),
            format!("{mine:.0}"),
            ratio.map_or("—".into(), |r| format!("{r:.2}×")),
            ratio.map_or("—".into(), |r| met(r >= 0.7).to_owned()),
            shop_cpu_ms.map_or("—".into(), |c| format!("{c:.2}")),
            shop_cpu_ms
                .filter(|c| *c > 0.0)
                .map_or("—".into(), |c| format!("{:.0}", cores() * 1000.0 / c)),
            result.shop_peak_kib.map_or("—".into(), mib),
            mib(result.sandbox_peak_kib),
        ]);
    }
    out.push_str(&report::table(
        &[
            "config",
            "best checkouts/s",
            "÷ direct's best",
            "target ≥ 0.7×",
            "shop CPU ms/checkout (best level)",
            "cores ÷ shop CPU per checkout (/s)",
            "shop peak RSS MiB",
            "sandbox peak RSS MiB",
        ],
        &summary,
    ));
    let series: Vec<Series> = results
        .iter()
        .map(|r| Series {
            name: r.config.clone(),
            points: r
                .levels
                .iter()
                .map(|l| (l.run.concurrency as f64, l.run.per_second()))
                .collect(),
        })
        .collect();
    let svg = checkout_chart(&series);
    std::fs::write(results_dir().join("checkout.svg"), svg)?;
    out.push_str(
        "\n![checkouts per second against checkouts in flight](bench/results/checkout.svg)\n",
    );
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Scale

async fn scale(options: &Options) -> Result<String, BoxError> {
    let count = if options.quick {
        options.scale_count / 10
    } else {
        options.scale_count
    };
    let floor = Duration::from_millis(options.latency_ms * GMO_CALLS_PER_CHECKOUT);
    let mut rows = Vec::new();
    let mut notes = String::new();
    for config in &options.scale_configs {
        eprintln!("-- scale {config}");
        let (sandbox, shop, target) = start_config(config, options.latency_ms, options).await?;
        let shop = shop.ok_or("the scale run needs a shop")?;
        let driver = Arc::new(Driver::new(&sandbox.url)?);
        let target = Arc::new(target);
        let warm = load::run(driver.clone(), target.clone(), "warm", Until::Count(64), 16).await;
        if let Some(error) = warm.errors.first() {
            return Err(format!("{config}: warm-up failed: {error}").into());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let idle = shop.memory()?.rss_kib;
        shop.reset_peak()?;
        let before = driver.calls_by_order().await?;
        let cpu_before = cpu_now(&sandbox, Some(&shop));
        // The most open files of the driver, the sandbox and the shop during the run.
        let pids = [std::process::id(), sandbox.pid(), shop.pid()];
        let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let sampler = {
            let sampling = sampling.clone();
            tokio::spawn(async move {
                let mut most = [0; 3];
                while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                    for (m, pid) in most.iter_mut().zip(pids) {
                        *m = (*m).max(process::open_files(pid));
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                most
            })
        };
        let mut run = load::run(
            driver.clone(),
            target.clone(),
            "scale",
            Until::Count(count),
            count,
        )
        .await;
        let cpu_after = cpu_now(&sandbox, Some(&shop));
        sampling.store(false, std::sync::atomic::Ordering::Relaxed);
        let files = sampler.await?;
        let memory = shop.memory()?;
        let verification = driver.verify(&run.ok, &before, count).await?;
        let (p50, p99) = (run.percentile(50.0), run.percentile(99.0));
        let max = run.percentile(100.0);
        let ok = run.ok.len();
        let elapsed = run.elapsed;
        let errors_seen = std::mem::take(&mut run.errors);
        // The shoppers (and their connections) go: what stays is what the shop keeps.
        drop(run);
        tokio::time::sleep(Duration::from_secs(1)).await;
        let after_kib = shop.memory()?.rss_kib;
        let per_checkout_kib = memory.peak_kib.saturating_sub(idle) as f64 / count as f64;
        eprintln!(
            "{config} scale: {} ok, {} errors, p50 {} p99 {} ms, {per_checkout_kib:.1} KiB/checkout, clean {}",
            ok,
            errors_seen.len(),
            ms(p50),
            ms(p99),
            verification.is_clean()
        );
        let mut errors: BTreeMap<String, usize> = BTreeMap::new();
        for e in &errors_seen {
            let key: String = e.chars().take(160).collect();
            *errors.entry(key).or_default() += 1;
        }
        for (e, n) in errors.iter().take(5) {
            let _ = writeln!(notes, "- {config}: {n} × {e}");
        }
        for p in &verification.problems {
            let _ = writeln!(notes, "- {config}: {p}");
        }
        let added =
            |d: Duration| format!("{:+.1}", (d.as_secs_f64() - floor.as_secs_f64()) * 1000.0);
        let cpu: Vec<String> = [0, 1, 2]
            .iter()
            .map(|&i| format!("{:.1}", cpu_after[i] - cpu_before[i]))
            .collect();
        rows.push(vec![
            config.clone(),
            count.to_string(),
            ok.to_string(),
            errors_seen.len().to_string(),
            verification.summary(),
            format!("{:.1}", elapsed.as_secs_f64()),
            ms(p50),
            ms(p99),
            ms(max),
            added(p99),
            mib(idle),
            mib(memory.peak_kib),
            mib(after_kib),
            format!("{per_checkout_kib:.1}"),
            cpu.join(" / "),
            format!("{} / {} / {}", files[0], files[1], files[2]),
        ]);
        shop.stop().await;
        sandbox.stop().await;
    }
    let mut out = String::from("## Scale (`gmo-load scale`)\n\n");
    let _ = writeln!(
        out,
        "The sandbox adds {} ms to every GMO call (`--latency-ms`), so a checkout's floor is {} GMO calls × {} ms = {} ms. After a warm-up, {count} checkouts (the same sequence as above, half of them challenge cards) are started at once (each in a new session of one of the demo shop's three customers) and all are in flight together. Memory per in-flight checkout = (the shop's peak RSS during the run − its RSS before) / {count}; it includes everything the shop keeps of a checkout (session, order in the memory store) as well as what it holds while the checkout is in flight (connections, buffers, tasks).\n",
        options.latency_ms,
        GMO_CALLS_PER_CHECKOUT,
        options.latency_ms,
        floor.as_millis()
    );
    out.push_str(&report::table(
        &[
            "config",
            "started at once",
            "completed",
            "errors",
            "verified: all through, no lost or doubled order",
            "wall s",
            "p50 ms",
            "p99 ms",
            "max ms",
            "p99 added over floor ms",
            "shop RSS before MiB",
            "shop peak RSS MiB",
            "shop RSS after, shoppers gone MiB",
            "KiB per in-flight checkout",
            "CPU s driver / sandbox / shop",
            "most open files driver / sandbox / shop",
        ],
        &rows,
    ));
    let _ = writeln!(
        out,
        "\nOpen files include every socket; this machine's limit is {} per process.",
        report::open_files_limit()
    );
    if !notes.is_empty() {
        out.push_str("\nErrors and problems (first few):\n\n");
        out.push_str(&notes);
    }
    Ok(out)
}
