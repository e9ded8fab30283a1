//! GMO committing an ExecTran after the client gave up on it (`gmo_scenarios::late_commits`):
//! the shop's two readings catch a commit within a reconciliation age of the first, and a
//! later one is reversed (or kept, as set) when its notification arrives.

use std::time::Duration;

use gmo_core::flow::UnexpectedCharge;
use gmo_core::order::OrderState;
use gmo_core::values::Status;
use gmo_scenarios::late_commits::{Case, run};
use rand::{Rng as _, SeedableRng as _};

const SECOND: Duration = Duration::from_secs(1);

fn case(delay_ms: u64, policy: UnexpectedCharge) -> Case {
    Case {
        delay: Duration::from_millis(delay_ms),
        timeout: SECOND,
        reconcile_after: 2 * SECOND,
        policy,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_commits_end_with_shop_and_gmo_agreeing() {
    use UnexpectedCharge::{Keep, Reverse};
    // The client gives up at 1 s; the first look is a reconciliation age later (3 s), the
    // second another one later (5 s).
    let (before_first, before_second, after_both, after_both_kept) = tokio::join!(
        run(case(1_500, Reverse)),
        run(case(4_000, Reverse)),
        run(case(6_500, Reverse)),
        run(case(6_500, Keep)),
    );
    for (outcome, state, gmo, unexpected) in [
        (&before_first, OrderState::Authorized, Status::Auth, 0),
        (&before_second, OrderState::Authorized, Status::Auth, 0),
        (&after_both, OrderState::Reversed, Status::Void, 1),
        (&after_both_kept, OrderState::Authorized, Status::Auth, 1),
    ] {
        assert_eq!(
            (outcome.state, &outcome.gmo, outcome.unexpected),
            (state, &gmo, unexpected),
            "{outcome:?}"
        );
        assert!(outcome.agrees(), "{outcome:?}");
    }
}

/// The property over commit delays and settings: GMO is never left charging an order the shop
/// calls failed or expired. `GMO_LATE_SEED` replays a run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_commit_delay_leaves_a_charge_the_shop_does_not_know() {
    let seed = std::env::var("GMO_LATE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    eprintln!("GMO_LATE_SEED={seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let cases: Vec<Case> = (0..12)
        .map(|_| {
            let timeout = Duration::from_millis(rng.random_range(200..=500));
            Case {
                delay: Duration::from_millis(rng.random_range(0..=3_000)),
                timeout,
                reconcile_after: timeout * rng.random_range(2..=3),
                policy: if rng.random_bool(0.5) {
                    UnexpectedCharge::Reverse
                } else {
                    UnexpectedCharge::Keep
                },
            }
        })
        .collect();
    let outcomes = futures_util::future::join_all(cases.iter().map(|c| run(*c))).await;
    for (case, outcome) in cases.iter().zip(&outcomes) {
        assert!(
            outcome.agrees(),
            "GMO_LATE_SEED={seed}: {case:?} ended {outcome:?}"
        );
    }
}
