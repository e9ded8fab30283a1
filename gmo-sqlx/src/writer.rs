//! SQLite's group commit: the one writer of a [`SqliteStore`](crate::SqliteStore) and its clones.
//!
//! Every write is queued to one task, which owns (while there is work) one connection of the
//! pool. The task takes whatever queued while the previous batch ran (at most [`MAX_BATCH`]
//! writes; no timer ever waits for more), opens one `BEGIN IMMEDIATE` transaction, runs each
//! write in queue order inside its own `SAVEPOINT` (so a write sees the ones before it, and a
//! write that fails is rolled back alone), then `COMMIT`s once. The store's own writes of one
//! statement skip the savepoint: SQLite rolls back a statement refused by a constraint by
//! itself, and any other failure of theirs fails the batch (see [`Writer::write_statement`]);
//! a write alone in its batch needs none either. Only after the `COMMIT` is any write of the
//! batch answered: an `Ok` is on disk (with `synchronous = FULL`) before its caller sees it. If
//! the `COMMIT` (or the `BEGIN`) fails, every write of the batch is answered with that error.
//!
//! One fsync and one lock hand-over per batch instead of per write, and no writer of this
//! process ever sleeps in SQLite's busy handler.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{Sqlite, SqliteConnection, SqlitePool};
use sqlx::{Connection as _, Transaction};
use tokio::sync::{mpsc, oneshot};

use crate::WriteFuture;

/// The most writes committed in one transaction: bounds how long the first write of a batch
/// waits for the last.
pub(crate) const MAX_BATCH: usize = 64;

/// Every write of a batch whose transaction failed as a whole gets one of these, sharing the
/// one error (an `sqlx::Error` cannot be cloned).
#[derive(Debug, thiserror::Error)]
#[error("the batch of SQLite writes this write was in failed to commit: {0}")]
struct BatchFailed(#[source] Arc<sqlx::Error>);

fn batch_failed(error: &Arc<sqlx::Error>) -> sqlx::Error {
    sqlx::Error::AnyDriverError(Box::new(BatchFailed(Arc::clone(error))))
}

/// A queued write, its result type erased.
trait Job: Send {
    /// Runs the write on the batch's connection (inside its savepoint); answers nothing yet.
    fn run<'c>(
        self: Box<Self>,
        conn: &'c mut SqliteConnection,
    ) -> Pin<Box<dyn Future<Output = Box<dyn Ran>> + Send + 'c>>;
    /// Answers `error` without running the write.
    fn refuse(self: Box<Self>, error: sqlx::Error);
    /// Whether the write runs in a savepoint of its own (see [`Writer::write_statement`]).
    fn needs_savepoint(&self) -> bool;
}

/// A write that ran, waiting for its batch's `COMMIT`.
trait Ran: Send {
    fn failure(&self) -> Option<&sqlx::Error>;
    fn failed(&self) -> bool {
        self.failure().is_some()
    }
    /// Answers the write's own result, or `error` when its batch did not commit (a write that
    /// failed keeps its own error).
    fn answer(self: Box<Self>, error: Option<sqlx::Error>);
}

struct Queued<F, T> {
    work: F,
    reply: oneshot::Sender<Result<T, sqlx::Error>>,
    savepoint: bool,
}

struct Finished<T> {
    result: Result<T, sqlx::Error>,
    reply: oneshot::Sender<Result<T, sqlx::Error>>,
}

impl<F, T> Job for Queued<F, T>
where
    T: Send + 'static,
    F: for<'c> FnOnce(&'c mut SqliteConnection) -> WriteFuture<'c, T> + Send + 'static,
{
    fn run<'c>(
        self: Box<Self>,
        conn: &'c mut SqliteConnection,
    ) -> Pin<Box<dyn Future<Output = Box<dyn Ran>> + Send + 'c>> {
        let Queued { work, reply, .. } = *self;
        Box::pin(async move {
            let result = work(conn).await;
            Box::new(Finished { result, reply }) as Box<dyn Ran>
        })
    }

    fn refuse(self: Box<Self>, error: sqlx::Error) {
        // The caller may have given up waiting; nobody to tell then.
        let _ = self.reply.send(Err(error));
    }

    fn needs_savepoint(&self) -> bool {
        self.savepoint
    }
}

impl<T: Send> Ran for Finished<T> {
    fn failure(&self) -> Option<&sqlx::Error> {
        self.result.as_ref().err()
    }

    fn answer(self: Box<Self>, error: Option<sqlx::Error>) {
        let result = match error {
            Some(error) if self.result.is_ok() => Err(error),
            _ => self.result,
        };
        let _ = self.reply.send(result);
    }
}

/// The queue to the writer task, shared by a store's clones. The task is spawned on the first
/// write (so a store can be made outside a runtime), and again if it ever died (a write that
/// panicked); it ends when the last clone of the store is dropped and its queue closes.
#[derive(Debug)]
pub(crate) struct Writer {
    pool: SqlitePool,
    queue: Mutex<Option<mpsc::UnboundedSender<Box<dyn Job>>>>,
    commits: Arc<AtomicU64>,
}

impl Writer {
    pub(crate) fn new(pool: SqlitePool) -> Self {
        Self {
            pool,
            queue: Mutex::new(None),
            commits: Arc::default(),
        }
    }

    pub(crate) fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// Queues `work` and waits for its batch's answer. A write whose future is dropped after it
    /// was queued still runs (like a statement already sent).
    pub(crate) async fn write<T, F>(&self, work: F) -> Result<T, sqlx::Error>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> WriteFuture<'c, T> + Send + 'static,
    {
        self.queue(work, true).await
    }

    /// Like [`Writer::write`], for a write of one statement (besides reads), which runs without
    /// a savepoint (two statements fewer): SQLite undoes a statement that fails a constraint
    /// and keeps the transaction; any other failure (one that may have rolled back the whole
    /// transaction, or a failure after the statement ran) fails the whole batch.
    pub(crate) async fn write_statement<T, F>(&self, work: F) -> Result<T, sqlx::Error>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> WriteFuture<'c, T> + Send + 'static,
    {
        self.queue(work, false).await
    }

    async fn queue<T, F>(&self, work: F, savepoint: bool) -> Result<T, sqlx::Error>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> WriteFuture<'c, T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.enqueue(Box::new(Queued {
            work,
            reply,
            savepoint,
        }))?;
        answer.await.map_err(|_| sqlx::Error::WorkerCrashed)?
    }

    fn enqueue(&self, job: Box<dyn Job>) -> Result<(), sqlx::Error> {
        // A poisoned lock only means another caller panicked while holding it; the sender
        // inside is still sound.
        let mut queue = self
            .queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let job = match queue.as_ref() {
            Some(sender) => match sender.send(job) {
                Ok(()) => return Ok(()),
                // The task died (a write panicked): start another one below.
                Err(mpsc::error::SendError(job)) => job,
            },
            None => job,
        };
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|e| sqlx::Error::Configuration(Box::new(e)))?;
        let (sender, receiver) = mpsc::unbounded_channel();
        runtime.spawn(run(self.pool.clone(), receiver, Arc::clone(&self.commits)));
        // The receiver is alive: it was just made and handed to the task.
        if let Err(mpsc::error::SendError(job)) = sender.send(job) {
            job.refuse(sqlx::Error::WorkerCrashed);
        }
        *queue = Some(sender);
        Ok(())
    }
}

/// The writer task: one batch after another until every sender is gone.
async fn run(
    pool: SqlitePool,
    mut queue: mpsc::UnboundedReceiver<Box<dyn Job>>,
    commits: Arc<AtomicU64>,
) {
    let mut conn: Option<PoolConnection<Sqlite>> = None;
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        if conn.is_none() {
            match pool.acquire().await {
                Ok(acquired) => conn = Some(acquired),
                Err(e) => {
                    let e = Arc::new(e);
                    batch.drain(..).for_each(|job| job.refuse(batch_failed(&e)));
                    continue;
                }
            }
        }
        if let Some(c) = conn.as_mut() {
            match commit(c, &mut batch).await {
                Batch::Committed => {
                    commits.fetch_add(1, Ordering::Relaxed);
                }
                Batch::RolledBack => {}
                Batch::Broken => {
                    if let Some(c) = conn.take() {
                        // Its transaction state is unknown after a failed BEGIN, COMMIT or
                        // savepoint: the next batch starts on a fresh connection.
                        let _ = c.close().await;
                    }
                }
            }
        }
        // Between bursts the connection goes back to the pool, so that the app can close the
        // pool and reads get all of it.
        if queue.is_empty() {
            conn = None;
        }
    }
}

/// How a batch ended.
enum Batch {
    Committed,
    /// A write alone in its batch failed, and its transaction was rolled back.
    RolledBack,
    /// The transaction failed as a whole; the connection's state is unknown.
    Broken,
}

/// Runs `batch` (emptied) in one transaction and answers every write.
async fn commit(conn: &mut SqliteConnection, batch: &mut Vec<Box<dyn Job>>) -> Batch {
    let mut tx = match conn.begin_with("BEGIN IMMEDIATE").await {
        Ok(tx) => tx,
        Err(e) => {
            let e = Arc::new(e);
            batch.drain(..).for_each(|job| job.refuse(batch_failed(&e)));
            return Batch::Broken;
        }
    };
    if batch.len() == 1
        && let Some(job) = batch.pop()
    {
        return alone(tx, job).await;
    }
    let mut ran: Vec<Box<dyn Ran>> = Vec::with_capacity(batch.len());
    let mut jobs = batch.drain(..);
    let mut broken = None;
    for job in jobs.by_ref() {
        if !job.needs_savepoint() {
            let done = job.run(&mut tx).await;
            let breaks = done.failure().filter(|e| !undone_alone(e)).map(|e| {
                sqlx::Error::Protocol(format!(
                    "another write of the batch failed in a way that may have rolled \
                         back the batch: {e}"
                ))
            });
            ran.push(done);
            if breaks.is_some() {
                broken = breaks;
                break;
            }
            continue;
        }
        match savepoint(&mut tx, job).await {
            Ok(done) => ran.push(done),
            Err(e) => {
                broken = Some(e);
                break;
            }
        }
    }
    let outcome = match broken {
        // A savepoint that could not be opened, released or rolled back leaves the batch's
        // contents unknown: none of it commits.
        Some(e) => {
            let _ = tx.rollback().await;
            Err(e)
        }
        None => tx.commit().await,
    };
    match outcome {
        Ok(()) => {
            ran.into_iter().for_each(|done| done.answer(None));
            Batch::Committed
        }
        Err(e) => {
            let e = Arc::new(e);
            ran.into_iter()
                .for_each(|done| done.answer(Some(batch_failed(&e))));
            jobs.for_each(|job| job.refuse(batch_failed(&e)));
            Batch::Broken
        }
    }
}

/// Whether SQLite undid just the failed statement and kept the transaction: a constraint
/// violation (ABORT, the default conflict resolution). Any other error may have rolled back the
/// whole transaction (SQLITE_FULL, SQLITE_IOERR, SQLITE_BUSY, SQLITE_NOMEM) or come after the
/// statement's changes were made (a row that does not decode).
fn undone_alone(error: &sqlx::Error) -> bool {
    use sqlx::error::ErrorKind;
    matches!(
        error.as_database_error().map(|e| e.kind()),
        Some(
            ErrorKind::UniqueViolation
                | ErrorKind::ForeignKeyViolation
                | ErrorKind::NotNullViolation
                | ErrorKind::CheckViolation
        )
    )
}

/// A write alone in its batch needs no savepoint (two statements fewer): the transaction is
/// its own, rolled back when it fails.
async fn alone(mut tx: Transaction<'_, Sqlite>, job: Box<dyn Job>) -> Batch {
    let done = job.run(&mut tx).await;
    if done.failed() {
        let rolled_back = tx.rollback().await;
        done.answer(None);
        return match rolled_back {
            Ok(()) => Batch::RolledBack,
            Err(_) => Batch::Broken,
        };
    }
    match tx.commit().await {
        Ok(()) => {
            done.answer(None);
            Batch::Committed
        }
        Err(e) => {
            done.answer(Some(e));
            Batch::Broken
        }
    }
}

/// Runs one write in its own savepoint: released when the write succeeded, rolled back when
/// it failed. An error here is the savepoint's own, not the write's.
async fn savepoint(
    tx: &mut Transaction<'_, Sqlite>,
    job: Box<dyn Job>,
) -> Result<Box<dyn Ran>, sqlx::Error> {
    let mut savepoint = match tx.begin().await {
        Ok(savepoint) => savepoint,
        Err(e) => {
            let shared = Arc::new(e);
            job.refuse(batch_failed(&shared));
            return Err(batch_failed(&shared));
        }
    };
    let done = job.run(&mut savepoint).await;
    let closed = if done.failed() {
        savepoint.rollback().await
    } else {
        savepoint.commit().await
    };
    match closed {
        Ok(()) => Ok(done),
        Err(e) => {
            let shared = Arc::new(e);
            done.answer(Some(batch_failed(&shared)));
            Err(batch_failed(&shared))
        }
    }
}
