//! Scale: thousands of checkouts in flight at once against a sandbox with injected latency.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use gmo_bench::BoxError;
use gmo_bench::checkout::{Driver, GMO_CALLS_PER_CHECKOUT};
use gmo_bench::load::{self, Until};
use gmo_bench::process;
use gmo_bench::report;

use crate::checkout::{cpu_now, start_config};
use crate::{Options, mib, ms};

/// The shop's GMO connections in the scale run: with 200 ms per call, the default 64 would carry
/// 320 calls a second, and 10,000 checkouts' 30,000 calls would wait past the request timeout.
/// 2,048 carry them in about 3 s, and with 10,000 browser connections stay under this machine's
/// 20,000 open files.
const SCALE_SHOP_ENVS: &[(&str, &str)] = &[("GMO_MAX_CONNECTIONS", "2048")];

pub(crate) async fn scale(options: &Options) -> Result<String, BoxError> {
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
        let (sandbox, shop, target) =
            start_config(config, options.latency_ms, SCALE_SHOP_ENVS, options).await?;
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
        "The sandbox adds {} ms to every GMO call (`--latency-ms`), so a checkout's floor is {} GMO calls × {} ms = {} ms. After a warm-up, {count} checkouts (the same sequence as above, half of them challenge cards) are started at once (each in a new session of one of the demo shop's three customers) and all are in flight together. Memory per in-flight checkout = (the shop's peak RSS during the run − its RSS before) / {count}; it includes everything the shop keeps of a checkout (session, order in the memory store) as well as what it holds while the checkout is in flight (connections, buffers, tasks). The shops run with `GMO_MAX_CONNECTIONS=2048` (the default 64 carries 320 calls/s at this latency).\n",
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
