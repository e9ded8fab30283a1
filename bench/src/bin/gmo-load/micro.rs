//! Criterion micro benches: runs the client-overhead and claims benches and reads their
//! estimates.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use gmo_bench::BoxError;
use gmo_bench::report;

use crate::{Options, met, workspace_dir};

/// Runs the client-overhead and claims criterion benches, and reads their estimates.
pub(crate) fn micro(options: &Options) -> Result<String, BoxError> {
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
