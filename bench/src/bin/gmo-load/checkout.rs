//! Whole checkouts: every configuration (`direct`, or a shop and its store) through every
//! concurrency level.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use gmo_bench::BoxError;
use gmo_bench::checkout::{CommitCounter, Driver, GMO_CALLS_PER_CHECKOUT, Target, Verification};
use gmo_bench::load::{self, Run, Until};
use gmo_bench::process::{self, Process};
use gmo_bench::report::{self, Series};

use crate::chart::checkout_chart;
use crate::{Options, cores, logs_dir, met, mib, ms, results_dir};

const PG_SCHEMA: &str = "gmo_bench_load";
/// How long checkouts are started at each concurrency (without `--quick`).
const LEVEL_SECONDS: u64 = 4;

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
    /// Durable transactions the store committed during the run (none for memory).
    commits: Option<u64>,
}

/// Checkouts arriving at a fixed rate, half the configuration's best closed-loop throughput,
/// through the shop and then straight to GMO at the same rate.
#[derive(Debug)]
struct OpenLoop {
    rate: f64,
    shop: Run,
    shop_verified: Verification,
    direct: Run,
    direct_verified: Verification,
}

/// One configuration through every level.
#[derive(Debug)]
struct ConfigResult {
    config: String,
    levels: Vec<Level>,
    open_loop: Option<OpenLoop>,
    shop_peak_kib: Option<u64>,
    sandbox_peak_kib: u64,
}

/// A sandbox, and the shop of `config` in front of it (none for `direct`).
pub(crate) async fn start_config(
    config: &str,
    latency_ms: u64,
    shop_envs: &[(&str, &str)],
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
    let shop = process::start_shop(&dir, &logs, framework, &store, &sandbox.url, shop_envs).await?;
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

pub(crate) fn cpu_now(sandbox: &Process, shop: Option<&Process>) -> [f64; 3] {
    [
        own_cpu_seconds(),
        sandbox.cpu_seconds().unwrap_or(0.0),
        shop.and_then(|s| s.cpu_seconds().ok()).unwrap_or(0.0),
    ]
}

async fn run_config(config: &str, options: &Options) -> Result<ConfigResult, BoxError> {
    let (sandbox, shop, target) = start_config(config, 0, &[], options).await?;
    let driver = Arc::new(Driver::new(&sandbox.url)?);
    let counter = match (&target, shop_parts(config)) {
        (Target::Shop(url), Some((_, store))) => {
            CommitCounter::new(store, url, &options.postgres).await?
        }
        _ => CommitCounter::Memory,
    };
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
        let commits_before = counter.read().await?;
        let run = load::run(
            driver.clone(),
            target.clone(),
            &format!("c{concurrency}"),
            Until::Elapsed(Duration::from_secs(seconds)),
            concurrency,
        )
        .await;
        let cpu_after = cpu_now(&sandbox, shop.as_ref());
        let commits = commits_after(&counter, commits_before).await?;
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
            commits,
        });
    }
    let open_loop = match shop {
        Some(_) => Some(open_loop(config, &driver, &target, &levels, options).await?),
        None => None,
    };
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
        open_loop,
        shop_peak_kib,
        sandbox_peak_kib,
    })
}

/// Checkouts arriving at half the best throughput of `levels`, through the shop of `target`,
/// then straight to the same sandbox at the same rate.
async fn open_loop(
    config: &str,
    driver: &Arc<Driver>,
    target: &Arc<Target>,
    levels: &[Level],
    options: &Options,
) -> Result<OpenLoop, BoxError> {
    let best = levels
        .iter()
        .map(|l| l.run.per_second())
        .fold(0.0, f64::max);
    let rate = (best / 2.0).max(1.0);
    let time = Duration::from_secs(if options.quick { 1 } else { LEVEL_SECONDS });
    let mut measured = Vec::new();
    for (name, target) in [
        ("open", target.clone()),
        ("open-direct", Arc::new(Target::Direct)),
    ] {
        let before = driver.calls_by_order().await?;
        let run =
            load::run_open(driver.clone(), target, name, rate, time, OPEN_LOOP_BROWSERS).await;
        let verification = driver.verify(&run.ok, &before, run.started).await?;
        eprintln!(
            "{config} {name} at {rate:.0}/s: {} ok, {} errors, p50 {} ms, p99 {} ms, most in flight {}, clean {}",
            run.ok.len(),
            run.errors.len(),
            ms(run.percentile(50.0)),
            ms(run.percentile(99.0)),
            run.concurrency,
            verification.is_clean()
        );
        measured.push((run, verification));
    }
    let (direct, direct_verified) = measured.pop().ok_or("no direct run")?;
    let (shop, shop_verified) = measured.pop().ok_or("no shop run")?;
    Ok(OpenLoop {
        rate,
        shop,
        shop_verified,
        direct,
        direct_verified,
    })
}

/// The throughput target of a configuration, as a share of direct's: the memory store 0.7×,
/// the durable stores 0.3×.
fn target_ratio(config: &str) -> f64 {
    if config.ends_with("-memory") {
        0.7
    } else {
        0.3
    }
}

/// Keep-alive browser connections the open loop spreads its arrivals over.
const OPEN_LOOP_BROWSERS: usize = 64;

/// The commits since `before`, read once the event deliveries of the level's checkouts are
/// done (they run a moment after each checkout, off its path).
async fn commits_after(
    counter: &CommitCounter,
    before: Option<u64>,
) -> Result<Option<u64>, BoxError> {
    let Some(before) = before else {
        return Ok(None);
    };
    tokio::time::sleep(EVENTS_SETTLE).await;
    Ok(counter
        .read()
        .await?
        .map(|after| after.saturating_sub(before)))
}

/// How long after a level its events are surely delivered: the shop's delivery pass runs every
/// second.
const EVENTS_SETTLE: Duration = Duration::from_millis(1500);

pub(crate) async fn checkout(options: &Options) -> Result<String, BoxError> {
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
        "Each checkout is a new browser session (its own connection to the shop) of one of the demo shop's three customers: sign in, create an order (1 × `{}`), a card token from the sandbox's token endpoint, `POST /payments/checkout/{{id}}` (EntryTran, ExecTran), the issuer's page over HTTP (frictionless card 4111…1111 for even checkouts, challenge card 4100…5000 with its one-time password for odd ones), the return to the shop (SecureTran2), answered 303 to the order page. `direct` is the same GMO sequence (token, EntryTran, ExecTran, issuer's page, SecureTran2) sent straight to the sandbox with `GmoClient`. Each concurrency level starts checkouts for {} s (after a warm-up of 64 checkouts per configuration) and counts those that completed over the time until the last ended. The sandbox (no injected latency), the shop (the `axum-shop` or `actix-shop` release binary, `RUST_LOG=warn`, its store by `SHOP_DATABASE_URL`) and the driver are three processes on the same {} cores. Every order was checked afterwards: `AUTH` at the sandbox after exactly {GMO_CALLS_PER_CHECKOUT} GMO calls and `authorized` at the shop. Commits per checkout: on PostgreSQL the transaction ids handed out during the level (every transaction that writes takes one: payment store, order book, event delivery), on SQLite the commits of the shop's store writer (`GET /admin/metrics`), read 1.5 s after the level so that its events are delivered, divided by the level's checkouts.\n",
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
            let commits = level.commits.map_or("—".into(), |c| {
                format!("{:.1}", c as f64 / run.ok.len().max(1) as f64)
            });
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
                commits,
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
            "commits/checkout",
        ],
        &rows,
    ));

    out.push_str(&open_loop_table(&results));

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
            ratio.map_or("—".into(), |r| {
                format!(
                    "{} (≥ {:.1}×)",
                    met(r >= target_ratio(&result.config)),
                    target_ratio(&result.config)
                )
            }),
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
            "target",
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

/// The open-loop section: latency at half of each shop's best throughput, against direct's at
/// the same arrival rate.
fn open_loop_table(results: &[ConfigResult]) -> String {
    let mut out = String::from(
        "\n### Open loop: latency at half the best throughput\n\nAfter its levels, each shop gets checkouts arriving at a fixed rate, half its best closed-loop throughput above, for the same time as a level (an open loop: a checkout starts on its schedule however many are in flight, over 64 keep-alive browser connections); then the same sandbox gets the direct GMO sequence at the same rate. The added latency is the shop's percentile minus direct's. Both runs are verified like the levels.\n\n",
    );
    let mut rows = Vec::new();
    for result in results {
        let Some(open) = &result.open_loop else {
            continue;
        };
        let (shop, direct) = (&open.shop, &open.direct);
        let added = |p: f64| {
            (shop.percentile(p).as_secs_f64() - direct.percentile(p).as_secs_f64()) * 1000.0
        };
        let verified = if open.shop_verified.is_clean() && open.direct_verified.is_clean() {
            "yes".to_owned()
        } else {
            format!(
                "shop: {}; direct: {}",
                open.shop_verified.summary(),
                open.direct_verified.summary()
            )
        };
        rows.push(vec![
            result.config.clone(),
            format!("{:.0}", open.rate),
            shop.ok.len().to_string(),
            (shop.errors.len() + direct.errors.len()).to_string(),
            verified,
            shop.concurrency.to_string(),
            format!(
                "{} / {}",
                ms(shop.percentile(50.0)),
                ms(shop.percentile(99.0))
            ),
            format!(
                "{} / {}",
                ms(direct.percentile(50.0)),
                ms(direct.percentile(99.0))
            ),
            format!("{:+.1}", added(50.0)),
            format!("{:+.1}", added(99.0)),
            met(added(99.0) < 5.0).to_owned(),
        ]);
    }
    out.push_str(&report::table(
        &[
            "config",
            "arrivals/s",
            "checkouts",
            "errors",
            "verified",
            "most in flight",
            "shop p50 / p99 ms",
            "direct p50 / p99 ms",
            "p50 added ms",
            "p99 added ms",
            "target p99 added < 5 ms",
        ],
        &rows,
    ));
    out
}
