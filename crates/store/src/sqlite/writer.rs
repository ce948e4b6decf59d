//! The single writer path of the SQLite store, with group commit.
//!
//! SQLite allows one writer at a time, and with `synchronous=FULL` every
//! commit costs an fsync. So every write of the server goes to one task that
//! owns the only writing connection. It takes whatever jobs are queued (up
//! to a batch limit), runs each inside its own SAVEPOINT of one transaction,
//! and commits once: one fsync for the whole batch. A job's caller is
//! answered only after that commit, so an acknowledged write is durable; a
//! job that fails rolls back to its savepoint without disturbing the others.
//! Under light load a batch is a single job and nothing waits for company.
//!
//! sqlx runs the connection on a thread of its own and hands it every
//! statement over a channel, so each statement costs two thread switches.
//! The batch's framing therefore goes as few statements as it can: the
//! transaction opens together with the first savepoint, and each job's
//! savepoint is released together with the next one's opening (or with the
//! commit).

use crate::{StoreError, StoreResult};
use futures::future::BoxFuture;
use sqlx::{Connection, SqliteConnection};
use std::sync::Mutex;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// Reports a job's outcome once the batch's commit is known.
pub(super) type Finish = Box<dyn FnOnce(Result<(), StoreError>) + Send>;
/// A unit of work run on the writing connection; says whether it succeeded
/// and how to answer once the commit is known.
pub(super) type Job =
    Box<dyn for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, (bool, Finish)> + Send>;

/// Handle to the writer task.
pub(crate) struct Writer {
    jobs: Mutex<Option<mpsc::UnboundedSender<Job>>>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    /// Starts the writer task on `connection`.
    pub(crate) fn start(connection: SqliteConnection, max_batch: usize) -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        let task = tokio::spawn(write_loop(connection, receiver, max_batch));
        Self {
            jobs: Mutex::new(Some(sender)),
            task: Mutex::new(Some(task)),
        }
    }

    /// Runs `work` in the next batch and returns its result after the commit.
    pub(crate) async fn run<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, StoreResult<T>>
            + Send
            + 'static,
    {
        let (reply, answer) = oneshot::channel::<StoreResult<T>>();
        let job: Job = Box::new(move |connection| {
            Box::pin(async move {
                let result = work(connection).await;
                let succeeded = result.is_ok();
                let finish: Finish = Box::new(move |commit| {
                    // The caller may have gone away; then nobody needs the answer.
                    let _ = reply.send(commit.and(result));
                });
                (succeeded, finish)
            })
        });
        self.submit(job)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Queues `job` for the next batch; the job answers its callers itself
    /// through the [`Finish`] it returns, which runs after the commit.
    pub(super) fn submit(&self, job: Job) -> StoreResult<()> {
        let sender = self.jobs.lock().map_err(|_| StoreError::Closed)?.clone();
        sender
            .ok_or(StoreError::Closed)?
            .send(job)
            .map_err(|_| StoreError::Closed)
    }

    /// Stops taking jobs, lets the queued ones finish, and waits for the task.
    pub(crate) async fn close(&self) {
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.take();
        }
        let task = self.task.lock().ok().and_then(|mut t| t.take());
        if let Some(task) = task
            && let Err(error) = task.await
        {
            tracing::error!(%error, "sqlite writer task failed");
        }
    }
}

async fn write_loop(
    mut connection: SqliteConnection,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    max_batch: usize,
) {
    let mut batch = Vec::with_capacity(max_batch);
    while jobs.recv_many(&mut batch, max_batch).await > 0 {
        if let Err(error) = run_batch(&mut connection, &mut batch).await {
            tracing::error!(%error, "sqlite write batch failed");
        }
        // Jobs still here were never run; dropping them tells their callers.
        batch.clear();
    }
    if let Err(error) = connection.close().await {
        tracing::warn!(%error, "closing the sqlite writer connection");
    }
}

async fn run_batch(
    connection: &mut SqliteConnection,
    batch: &mut Vec<Job>,
) -> Result<(), sqlx::Error> {
    if batch.is_empty() {
        return Ok(());
    }
    sqlx::raw_sql("BEGIN IMMEDIATE; SAVEPOINT job")
        .execute(&mut *connection)
        .await?;
    let mut finishes = Vec::with_capacity(batch.len());
    let mut outcome = Ok(());
    let last = batch.len() - 1;
    for (index, job) in batch.drain(..).enumerate() {
        let (succeeded, finish) = job(connection).await;
        finishes.push(finish);
        let end = match (succeeded, index == last) {
            (true, false) => "RELEASE job; SAVEPOINT job",
            (false, false) => "ROLLBACK TO job; RELEASE job; SAVEPOINT job",
            (true, true) => "RELEASE job; COMMIT",
            (false, true) => "ROLLBACK TO job; RELEASE job; COMMIT",
        };
        if let Err(error) = sqlx::raw_sql(end).execute(&mut *connection).await {
            outcome = Err(error);
            break;
        }
    }
    if outcome.is_err() {
        // Best effort: the transaction may already be gone.
        let _ = sqlx::query("ROLLBACK").execute(&mut *connection).await;
    }
    let shared = outcome.as_ref().map(|_| ()).map_err(|e| e.to_string());
    for finish in finishes {
        finish(shared.clone().map_err(StoreError::NotCommitted));
    }
    outcome
}
