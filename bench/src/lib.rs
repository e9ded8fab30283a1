//! # gmo-bench
//!
//! The benchmark harness of the workspace: the load driver `gmo-load` (whole 3-D Secure
//! checkouts through the example shops beside the same GMO calls sent straight to the sandbox,
//! the scale run, the sandbox's own calls per second), which runs the `gmo-sandbox`,
//! `axum-shop` and `actix-shop` release binaries as separate processes. `BENCHMARKS.md` at the
//! workspace root has the command and the figures.
//!
//! The shopper's steps are gmo-scenarios' ([`gmo_scenarios::shopping`]): the load driver runs
//! the same HTTP sequence as the scenario tests, many at once.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod checkout;
pub mod load;
pub mod process;
pub mod report;

/// The error type of the harness: anything, with a message.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
