//! `gmo-load chart` and the checkout chart: checkouts per second against checkouts in flight.

use std::path::Path;

use gmo_bench::BoxError;
use gmo_bench::report::{self, Series};

/// `gmo-load chart`: draws `checkout.svg` again from the checkout table of `run.md` (both in
/// `bench/results`), e.g. after a change to the chart's drawing.
pub(crate) fn redraw_chart() -> Result<(), BoxError> {
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

pub(crate) fn checkout_chart(series: &[Series]) -> String {
    report::line_chart(
        "Whole 3-D Secure checkouts per second (2 cores, sandbox on loopback)",
        "checkouts in flight (log scale)",
        "checkouts per second",
        series,
    )
}
