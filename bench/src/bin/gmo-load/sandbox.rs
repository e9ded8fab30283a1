//! The sandbox's calls per second.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use gmo_bench::BoxError;
use gmo_bench::process;
use gmo_bench::report;

use crate::{Options, logs_dir, met};

pub(crate) async fn sandbox_calls(options: &Options) -> Result<String, BoxError> {
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
