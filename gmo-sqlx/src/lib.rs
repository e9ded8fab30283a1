//! # gmo-sqlx
//!
//! [`PaymentStore`](gmo_core::store::PaymentStore)s in PostgreSQL ([`PostgresStore`], feature
//! `postgres`) and SQLite ([`SqliteStore`], feature `sqlite`), through sqlx 0.8. Both features
//! are on by default; turn the other one off with `default-features = false`.
//!
//! A database store lets several app instances share payments: the checkout on one instance,
//! the 3-D Secure return on another, GMO's notifications on a third. The database arbitrates
//! every claim, so of any number of instances and requests exactly one makes each GMO call:
//!
//! - **Compare-and-set** is one conditional `UPDATE … WHERE order_id = $1 AND version = $read`
//!   and its affected-row count; the row is written at the next version. No lock is held
//!   between requests, and a refused update is never retried.
//! - **Create-only inserts** are `INSERT … ON CONFLICT DO NOTHING` on a primary key, then a read
//!   of the existing row.
//! - **Reconciliation leases** are one `UPDATE … SET lease_owner, leased_until WHERE order_id IN
//!   (due orders, money first, oldest first) RETURNING …` (PostgreSQL: `FOR UPDATE SKIP LOCKED`;
//!   SQLite: the store's one writer), on an index of the orders that need settling.
//! - The **AccessID look-up** uses a unique index; the **notification inbox** keeps one row
//!   per order (a unique index on `order_id`; a newer notification replaces the row in one
//!   transaction, the old row read `FOR UPDATE` on PostgreSQL) and arrival order.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use gmo_core::store::PaymentStore;
//! use gmo_sqlx::PostgresStore;
//!
//! let store = PostgresStore::connect("postgres://shop@db.internal/shop").await?;
//! store.migrate().await?; // at start-up: creates or updates the gmo_* tables
//! let store: Arc<dyn PaymentStore> = Arc::new(store);
//! # Ok(()) }
//! ```
//!
//! # The card-testing throttle across instances
//!
//! [`SqliteThrottleStore`] and [`PostgresThrottleStore`] keep the
//! [`CardTestingThrottle`](gmo_core::guard::CardTestingThrottle)'s counts in the same database
//! (table `gmo_throttle_events`), so that its limits hold across the app's instances: each
//! admission is one transaction that locks the keys it counts against, so concurrent attempts
//! on several instances admit exactly the limit, and an admin's unlock on one instance frees
//! the key on all. Build them from the payment store (`SqliteThrottleStore::from_store`) and
//! pass them to `CardTestingThrottle::with_store`.
//!
//! # Tables
//!
//! Every table is named `gmo_…`, so the store can sit in the merchant's own database beside
//! their tables: `gmo_members`, `gmo_orders`, `gmo_notifications`, `gmo_throttle_events`, and `gmo_migrations`, the
//! store's own record of applied migrations (kept apart from sqlx's `_sqlx_migrations`, so that
//! the merchant's own sqlx migrations are not disturbed). The schema files are in
//! `gmo-sqlx/migrations/{postgres,sqlite}`.
//!
//! # Secrets and card data
//!
//! **No column can hold card data.** There is no column for a card number, expiry, security
//! code or card token: GMO keeps the cards, and the types the store accepts cannot carry them.
//!
//! **`gmo_orders.access_pass` is a secret.** It is GMO's transaction password, which
//! authorises captures, voids and refunds of the order's transaction. Protect it like a
//! password: encrypt the database (or the column) at rest, restrict who may read `gmo_orders`,
//! and keep it out of logs and shared dumps. This crate never logs it, and it is redacted in
//! `Debug` output of [`Order`](gmo_core::order::Order).
//!
//! # Migrations
//!
//! [`PostgresStore::migrate`] and [`SqliteStore::migrate`] apply the embedded migrations that
//! the database lacks, in one transaction, under a lock (PostgreSQL: an advisory lock; SQLite:
//! `BEGIN IMMEDIATE`), so app instances starting together migrate once. They are recorded in
//! `gmo_migrations`; a migration whose recorded checksum differs is refused
//! ([`MigrateError::VersionMismatch`](sqlx::migrate::MigrateError::VersionMismatch)).
//! Migrations only add, and recorded versions this release does not know (a newer release
//! migrated first, in a rolling deployment) are left alone.
//!
//! # Durability
//!
//! Every write is committed before the method returns: keep PostgreSQL's `synchronous_commit`
//! on for these tables, and SQLite at `synchronous = FULL` ([`SqliteStore::recommended_options`]).
//! The notification inbox relies on it: GMO is acknowledged as soon as the insert returns.
//!
//! On PostgreSQL each write is one statement, one round trip; a compare-and-set with its
//! events is one data-modifying CTE (`WITH moved AS (UPDATE …) INSERT INTO gmo_events …`), so
//! the change and its events commit together or not at all.
//!
//! On SQLite every write of a store (and of its clones, and of a [`SqliteThrottleStore`] made
//! from it) goes through the store's one writer, which commits the writes that arrived while
//! its previous transaction ran as one transaction (group commit, at most 64, no timer): one
//! `BEGIN IMMEDIATE` … `COMMIT` and one fsync for the batch, the writes in arrival order. A
//! write that fails is rolled back alone (its own savepoint; for the store's one-statement
//! writes, SQLite's rollback of a statement refused by a constraint) and answered its own
//! error; every
//! write is answered only once the batch's `COMMIT` returned, and all of them get the error if
//! it fails. [`SqliteStore::write`] puts the app's own writes in the same batches.
//!
//! # Versions
//!
//! Built on sqlx 0.8 (runtime-checked queries: building needs no database). An app that uses
//! sqlx itself should use 0.8 too: two sqlx versions with SQLite cannot link together (both
//! bring `libsqlite3-sys`). SQLite is compiled in (sqlx's `sqlite` feature).
//!
//! # Errors
//!
//! Every failure is a [`StoreError`](gmo_core::store::StoreError) whose source is the
//! [`sqlx::Error`], or an [`UnreadableColumn`] when a stored value cannot be read back (a row
//! written by hand or by a newer version).
//!
//! # Testing
//!
//! `cargo test -p gmo-sqlx` runs the gmo-core store conformance suite and the backend tests
//! against SQLite (a new file per test under the target directory) and, when
//! `GMO_TEST_DATABASE_URL` names a PostgreSQL database (e.g.
//! `postgres://postgres@127.0.0.1:5432/test`), against PostgreSQL, in a new schema per test
//! (schemas of runs older than an hour are dropped). Without the variable the PostgreSQL tests
//! return at once and the run prints `skipped: PostgreSQL tests (set GMO_TEST_DATABASE_URL)`.
//! `cargo bench -p gmo-sqlx` measures compare-and-set claims under 64 concurrent tasks.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

#[cfg(not(any(feature = "postgres", feature = "sqlite")))]
compile_error!("gmo-sqlx needs the feature `postgres`, `sqlite` or both");

mod columns;
mod migrations;
mod payment_store;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;
mod throttle_store;
#[cfg(feature = "sqlite")]
mod writer;

/// The future an app write runs as: see `SqliteStore::write`. It borrows the connection it
/// writes on (`'c`).
pub type WriteFuture<'c, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, sqlx::Error>> + Send + 'c>>;

pub use columns::UnreadableColumn;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;
#[cfg(feature = "postgres")]
pub use throttle_store::PostgresThrottleStore;
#[cfg(feature = "sqlite")]
pub use throttle_store::SqliteThrottleStore;
