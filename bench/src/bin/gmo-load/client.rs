//! Client overhead, interleaved: GmoClient against a bare reqwest POST, against the sandbox
//! binary.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use gmo_bench::BoxError;
use gmo_bench::process;
use gmo_bench::report;

use crate::{Options, logs_dir, met};

/// GmoClient SearchTrade against a bare reqwest POST + split (the criterion bench's two
/// paths), in alternating rounds against the sandbox binary, so that a change in the machine's
/// load touches both alike. One call in flight, keep-alive connections.
pub(crate) async fn client_overhead(options: &Options) -> Result<String, BoxError> {
    use gmo_core::api::{EntryTran, SearchTrade};
    use gmo_core::values::Amount;
    use gmo_core::values::{OrderId, ShopId};
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
