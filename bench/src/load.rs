//! Running many checkouts at a given concurrency, and their figures.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use gmo_scenarios::driver::Client;

use crate::checkout::{Checkout, Driver, Target};

/// When a run stops starting checkouts.
#[derive(Debug, Clone, Copy)]
pub enum Until {
    /// After this many.
    Count(usize),
    /// After this long (the checkouts started by then are waited for).
    Elapsed(Duration),
}

/// The checkouts of one run at one concurrency.
#[derive(Debug)]
pub struct Run {
    /// Checkouts in flight at once.
    pub concurrency: usize,
    /// Checkouts started.
    pub started: usize,
    /// Checkouts that went through.
    pub ok: Vec<Checkout>,
    /// Errors, described (a failed step's panic message or error).
    pub errors: Vec<String>,
    /// First start to last end.
    pub elapsed: Duration,
}

impl Run {
    /// Checkouts that went through, per second.
    pub fn per_second(&self) -> f64 {
        self.ok.len() as f64 / self.elapsed.as_secs_f64()
    }

    /// The latency at percentile `p` (0 to 100, nearest rank) of the checkouts that went
    /// through.
    pub fn percentile(&self, p: f64) -> Duration {
        let mut latencies: Vec<Duration> = self.ok.iter().map(|c| c.latency).collect();
        latencies.sort_unstable();
        percentile(&latencies, p)
    }
}

/// The value at percentile `p` (0 to 100, nearest rank) of `sorted`; zero when empty.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Runs checkouts to `target` `until` a count or a time, `concurrency` at a time (each worker
/// starts the next as soon as its last one ends). Checkout `i` is named `{run}-{i}`.
pub async fn run(
    driver: Arc<Driver>,
    target: Arc<Target>,
    run: &str,
    until: Until,
    concurrency: usize,
) -> Run {
    let (count, deadline) = match until {
        Until::Count(count) => (count, None),
        Until::Elapsed(time) => (usize::MAX, Some(Instant::now() + time)),
    };
    let next = Arc::new(AtomicUsize::new(0));
    let run_name: Arc<str> = Arc::from(run);
    let started = Instant::now();
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency.min(count) {
        let (driver, target, next, run_name) = (
            driver.clone(),
            target.clone(),
            next.clone(),
            run_name.clone(),
        );
        workers.push(tokio::spawn(async move {
            // The worker is a browser: its own connection to the shop, kept alive from one
            // checkout (a new session) to the next. (A pool shared by every worker opens extra
            // connections when requests race for it; one per checkout would run out of ports.)
            let browser = Client::http_client();
            let mut ok = Vec::new();
            let mut errors = Vec::new();
            loop {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= count {
                    break;
                }
                let (driver, target, run_name, browser) = (
                    driver.clone(),
                    target.clone(),
                    run_name.clone(),
                    browser.clone(),
                );
                // Its own task: a step that panics ends this checkout, not the worker.
                let checkout = tokio::spawn(async move {
                    driver.checkout(&target, &run_name, index, &browser).await
                });
                match checkout.await {
                    Ok(Ok(checkout)) => ok.push(checkout),
                    Ok(Err(e)) => errors.push(e.to_string()),
                    Err(e) => errors.push(panic_message(e)),
                }
            }
            (ok, errors)
        }));
    }
    let mut result = Run {
        concurrency,
        started: 0,
        ok: Vec::new(),
        errors: Vec::new(),
        elapsed: Duration::ZERO,
    };
    for worker in workers {
        match worker.await {
            Ok((ok, errors)) => {
                result.ok.extend(ok);
                result.errors.extend(errors);
            }
            Err(e) => result.errors.push(panic_message(e)),
        }
    }
    result.elapsed = started.elapsed();
    result.started = next.load(Ordering::Relaxed).min(count);
    result
}

/// Runs checkouts to `target` arriving at `rate` per second for `time` (an open loop: each
/// starts on its schedule, however many are still in flight), over `browsers` keep-alive
/// clients taken in turn. The run's `concurrency` is the most that were in flight at once.
pub async fn run_open(
    driver: Arc<Driver>,
    target: Arc<Target>,
    run: &str,
    rate: f64,
    time: Duration,
    browsers: usize,
) -> Run {
    let clients: Vec<reqwest::Client> = (0..browsers.max(1))
        .map(|_| Client::http_client())
        .collect();
    let interval = Duration::from_secs_f64(1.0 / rate.max(0.001));
    let count = (time.as_secs_f64() * rate).ceil() as usize;
    let run_name: Arc<str> = Arc::from(run);
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let mut ticks = tokio::time::interval(interval);
    // A tick missed (the driver was busy) is made up at once: arrivals keep their schedule.
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(count);
    for index in 0..count {
        ticks.tick().await;
        let (driver, target, run_name) = (driver.clone(), target.clone(), run_name.clone());
        let browser = clients[index % clients.len()].clone();
        let (in_flight, most) = (in_flight.clone(), most.clone());
        tasks.push(tokio::spawn(async move {
            let now = in_flight.fetch_add(1, Ordering::Relaxed) + 1;
            most.fetch_max(now, Ordering::Relaxed);
            let result = driver.checkout(&target, &run_name, index, &browser).await;
            in_flight.fetch_sub(1, Ordering::Relaxed);
            result
        }));
    }
    let mut result = Run {
        concurrency: 0,
        started: count,
        ok: Vec::new(),
        errors: Vec::new(),
        elapsed: Duration::ZERO,
    };
    for task in tasks {
        match task.await {
            Ok(Ok(checkout)) => result.ok.push(checkout),
            Ok(Err(e)) => result.errors.push(e.to_string()),
            Err(e) => result.errors.push(panic_message(e)),
        }
    }
    result.elapsed = started.elapsed();
    result.concurrency = most.load(Ordering::Relaxed);
    result
}

fn panic_message(error: tokio::task::JoinError) -> String {
    match error.try_into_panic() {
        Ok(panic) => panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "a checkout panicked".to_owned()),
        Err(e) => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let ms = |n| Duration::from_millis(n);
        let sorted: Vec<Duration> = (1..=100).map(ms).collect();
        assert_eq!(percentile(&sorted, 50.0), ms(50));
        assert_eq!(percentile(&sorted, 99.0), ms(99));
        assert_eq!(percentile(&sorted, 100.0), ms(100));
        assert_eq!(percentile(&sorted[..1], 99.0), ms(1));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }
}
