//! The single writer path of the SQLite store, with group commit.
//!
//! SQLite allows one writer at a time, and with `synchronous=FULL` every
//! commit costs an fsync. So every write of the server goes to one thread
//! that owns the writing connections. It takes whatever jobs are queued (up
//! to a batch limit), runs them in one transaction and commits once: one
//! fsync for the whole batch. A job's caller is answered only after that
//! commit, so an acknowledged write is durable; a job that fails is rolled
//! back (to its own SAVEPOINT) without disturbing the others. Under light
//! load a batch is a single job and nothing waits for company. Before each
//! batch the thread yields its core once, so threads queueing jobs on the
//! same core finish their burst first; with nothing else runnable the yield
//! returns at once ([`gather_queued`]).
//!
//! Two kinds of job share the thread:
//! - **direct** jobs run synchronously on a rusqlite connection owned by
//!   the thread. Every statement is a plain function call, so a whole batch
//!   costs one wake-up of this thread. The frequent writes (messages,
//!   delivered marks) are direct. They run without savepoints unless one
//!   fails (see [`DirectWork`]).
//! - **async** jobs run on an sqlx connection. sqlx runs that connection on
//!   a thread of its own and hands it every statement over a channel: two
//!   thread switches per statement, which the profile showed dominating a
//!   loaded server (decision 0009). The rarer writes still use it.
//!
//! A batch runs its jobs in arrival order; each run of consecutive jobs of
//! one kind is one transaction on that kind's connection. Both connections
//! write the same file, but never at the same time: the thread finishes
//! one transaction before it opens the next.

use super::checkpointer::Handoff;
use crate::{StoreError, StoreResult};
use futures::future::BoxFuture;
use sqlx::{Connection, SqliteConnection};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// Reports a job's outcome once the batch's commit is known.
pub(super) type Finish = Box<dyn FnOnce(Result<(), StoreError>) + Send>;
/// A unit of work on the sqlx connection; says whether it succeeded and
/// how to answer once the commit is known.
pub(super) type AsyncJob =
    Box<dyn for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, (bool, Finish)> + Send>;
/// A unit of work on the rusqlite connection, run synchronously.
pub(super) type DirectJob = Box<dyn DirectWork>;

/// Work for the direct connection. It may run twice: a batch first runs its
/// direct jobs without savepoints (each costs a sub-journal copy of every
/// page it touches, and makes FTS5 flush its index at every release), and
/// only if one fails is the batch rolled back and run again with one
/// savepoint per job. So [`DirectWork::run`] must not consume what a
/// second run needs, and the caller is answered only by
/// [`DirectWork::finish`], with the last run's result.
pub(super) trait DirectWork: Send {
    /// Runs the work on `connection`; says whether it succeeded.
    fn run(&mut self, connection: &rusqlite::Connection) -> bool;
    /// Answers the caller once the commit's outcome is known.
    fn finish(self: Box<Self>, commit: Result<(), StoreError>);
}

/// [`DirectWork`] made of a closure and the caller's reply channel.
struct DirectCall<T, F> {
    work: F,
    result: Option<StoreResult<T>>,
    reply: oneshot::Sender<StoreResult<T>>,
}

impl<T, F> DirectWork for DirectCall<T, F>
where
    T: Send + 'static,
    F: FnMut(&rusqlite::Connection) -> StoreResult<T> + Send,
{
    fn run(&mut self, connection: &rusqlite::Connection) -> bool {
        let result = (self.work)(connection);
        let succeeded = result.is_ok();
        self.result = Some(result);
        succeeded
    }

    fn finish(self: Box<Self>, commit: Result<(), StoreError>) {
        let result = self.result.unwrap_or(Err(StoreError::Closed));
        // The caller may have gone away; then nobody needs the answer.
        let _ = self.reply.send(commit.and(result));
    }
}

/// One queued write.
pub(super) enum Job {
    /// Runs on the rusqlite connection.
    Direct(DirectJob),
    /// Runs on the sqlx connection.
    Async(AsyncJob),
}

/// Handle to the writer thread.
pub(crate) struct Writer {
    jobs: Mutex<Option<mpsc::UnboundedSender<Job>>>,
    stopped: Mutex<Option<oneshot::Receiver<()>>>,
}

impl Writer {
    /// Starts the writer thread on `connection` and a direct connection it
    /// opens with `open_direct`; fails if that connection cannot be opened.
    /// Between batches it finishes the checkpoints `handoff` asks for,
    /// when nothing is queued unless the request is urgent.
    pub(crate) async fn start(
        connection: SqliteConnection,
        open_direct: impl FnOnce() -> StoreResult<rusqlite::Connection> + Send + 'static,
        max_batch: usize,
        handoff: Arc<Handoff>,
    ) -> StoreResult<Self> {
        let (sender, receiver) = mpsc::unbounded_channel();
        let (opened, open_answer) = oneshot::channel();
        let (stopped_tx, stopped) = oneshot::channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StoreError::Config(format!("sqlite writer runtime: {e}")))?;
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || {
                let direct = match open_direct() {
                    Ok(direct) => {
                        let _ = opened.send(Ok(()));
                        direct
                    }
                    Err(error) => {
                        let _ = opened.send(Err(error));
                        return;
                    }
                };
                runtime.block_on(write_loop(
                    connection, direct, receiver, max_batch, &handoff,
                ));
                let _ = stopped_tx.send(());
            })
            .map_err(|e| StoreError::Config(format!("sqlite writer thread: {e}")))?;
        open_answer.await.map_err(|_| StoreError::Closed)??;
        Ok(Self {
            jobs: Mutex::new(Some(sender)),
            stopped: Mutex::new(Some(stopped)),
        })
    }

    /// Runs `work` on the sqlx connection in the next batch and returns its
    /// result after the commit.
    pub(crate) async fn run<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, StoreResult<T>>
            + Send
            + 'static,
    {
        let (reply, answer) = oneshot::channel::<StoreResult<T>>();
        let job: AsyncJob = Box::new(move |connection| {
            Box::pin(async move {
                let result = work(connection).await;
                answered_after_commit(result, reply)
            })
        });
        self.submit(Job::Async(job))?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Runs `work` on the direct connection in the next batch and returns
    /// its result after the commit.
    /// `work` may run twice (see [`DirectWork`]).
    pub(crate) async fn run_direct<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnMut(&rusqlite::Connection) -> StoreResult<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<StoreResult<T>>();
        let job: DirectJob = Box::new(DirectCall {
            work,
            result: None,
            reply,
        });
        self.submit(Job::Direct(job))?;
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

    /// Stops taking jobs, lets the queued ones finish, and waits for the thread.
    pub(crate) async fn close(&self) {
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.take();
        }
        let stopped = self.stopped.lock().ok().and_then(|mut s| s.take());
        if let Some(stopped) = stopped
            && stopped.await.is_err()
        {
            tracing::error!("sqlite writer thread failed");
        }
    }
}

/// Whether `result` succeeded, and the [`Finish`] that answers `reply`
/// with it once the commit is known.
fn answered_after_commit<T: Send + 'static>(
    result: StoreResult<T>,
    reply: oneshot::Sender<StoreResult<T>>,
) -> (bool, Finish) {
    let succeeded = result.is_ok();
    let finish: Finish = Box::new(move |commit| {
        // The caller may have gone away; then nobody needs the answer.
        let _ = reply.send(commit.and(result));
    });
    (succeeded, finish)
}

async fn write_loop(
    mut connection: SqliteConnection,
    direct: rusqlite::Connection,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    max_batch: usize,
    handoff: &Handoff,
) {
    let mut batch = Vec::with_capacity(max_batch);
    while jobs.recv_many(&mut batch, max_batch).await > 0 {
        std::thread::yield_now();
        gather_queued(&mut jobs, &mut batch, max_batch);
        // An urgent checkpoint goes first; otherwise one waits for a
        // moment with nothing queued (below), so no caller waits for its
        // fsync of the database file (decision 0028).
        handoff.finish_on(&direct, false);
        let mut queued = batch.drain(..).peekable();
        while let Some(first) = queued.next() {
            match first {
                Job::Direct(job) => {
                    let mut run = vec![job];
                    while let Some(Job::Direct(_)) = queued.peek() {
                        if let Some(Job::Direct(job)) = queued.next() {
                            run.push(job);
                        }
                    }
                    if let Err(error) = run_direct(&direct, run) {
                        tracing::error!(%error, "sqlite write batch failed");
                    }
                }
                Job::Async(job) => {
                    let mut run = vec![job];
                    while let Some(Job::Async(_)) = queued.peek() {
                        if let Some(Job::Async(job)) = queued.next() {
                            run.push(job);
                        }
                    }
                    if let Err(error) = run_async(&mut connection, run).await {
                        tracing::error!(%error, "sqlite write batch failed");
                    }
                }
            }
        }
        handoff.finish_on(&direct, jobs.is_empty());
    }
    // Cached statements must go before the connection does.
    if let Err((_, error)) = direct.close() {
        tracing::warn!(%error, "closing the sqlite direct writer connection");
    }
    if let Err(error) = connection.close().await {
        tracing::warn!(%error, "closing the sqlite writer connection");
    }
}

/// Moves the jobs queued since `batch` was received into it, up to
/// `max_batch` in all.
///
/// The writer calls this after yielding its core once. Where the threads
/// that queue jobs share a core with it (a server pinned to one core, or a
/// loaded machine), the job that wakes the writer would otherwise have it
/// preempt the thread that queued it, which was in the middle of handling
/// a burst (everything one read brought in): the writer ran batches of one
/// or two jobs and paid a commit for each. Yielding lets that thread finish
/// the burst, and the batch takes all of it; with nothing else runnable the
/// yield returns at once, so a lone write waits for nothing
/// (decision 0022).
pub(super) fn gather_queued<J>(
    jobs: &mut mpsc::UnboundedReceiver<J>,
    batch: &mut Vec<J>,
    max_batch: usize,
) {
    while batch.len() < max_batch {
        match jobs.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
}

/// How a job's savepoint ends: released (kept) or rolled back, and whether
/// the transaction then commits or the next job's savepoint opens.
fn savepoint_end(succeeded: bool, last: bool) -> &'static [&'static str] {
    match (succeeded, last) {
        (true, false) => &["RELEASE job", "SAVEPOINT job"],
        (false, false) => &["ROLLBACK TO job", "RELEASE job", "SAVEPOINT job"],
        (true, true) => &["RELEASE job", INDEX_NEW_MESSAGES, ADVANCE_INDEXED, "COMMIT"],
        (false, true) => &[
            "ROLLBACK TO job",
            "RELEASE job",
            INDEX_NEW_MESSAGES,
            ADVANCE_INDEXED,
            "COMMIT",
        ],
    }
}

/// Adds the messages inserted by this transaction to the search index.
///
/// An insert trigger did this per row, but FTS5 writes its pending index
/// to disk at every savepoint, and SQLite opens a statement savepoint for
/// every statement that fires a trigger: each message became an index
/// segment of its own, plus the merges. Once per transaction, just before
/// the commit, the whole batch is one segment. `search_progress` holds the
/// highest rowid indexed (rowids only grow: messages are never deleted).
const INDEX_NEW_MESSAGES: &str = "INSERT INTO messages_fts (rowid, content) \
     SELECT rowid, content FROM messages \
      WHERE rowid > (SELECT indexed_rowid FROM search_progress WHERE id = 1)";
/// Records what [`INDEX_NEW_MESSAGES`] indexed; writes nothing when it
/// found nothing.
const ADVANCE_INDEXED: &str = "UPDATE search_progress SET indexed_rowid = (SELECT MAX(rowid) FROM messages) \
     WHERE id = 1 AND indexed_rowid < (SELECT MAX(rowid) FROM messages)";

/// Runs `statements` on the direct connection, each prepared once for the
/// connection's life.
fn execute_cached(connection: &rusqlite::Connection, statements: &[&str]) -> rusqlite::Result<()> {
    for sql in statements {
        connection.prepare_cached(sql)?.execute([])?;
    }
    Ok(())
}

/// Runs direct jobs in one transaction: first without savepoints, and if a
/// job fails, once more from the start with one savepoint per job, so the
/// failure costs only its own job.
fn run_direct(connection: &rusqlite::Connection, mut jobs: Vec<DirectJob>) -> rusqlite::Result<()> {
    let outcome = match run_direct_plain(connection, &mut jobs) {
        Ok(true) => execute_cached(connection, &[INDEX_NEW_MESSAGES, ADVANCE_INDEXED, "COMMIT"]),
        Ok(false) => {
            execute_cached(connection, &["ROLLBACK"])?;
            run_direct_savepoints(connection, &mut jobs)
        }
        Err(error) => Err(error),
    };
    if outcome.is_err() && !connection.is_autocommit() {
        // Best effort: the transaction may already be gone.
        let _ = connection.execute_batch("ROLLBACK");
    }
    let shared = outcome.as_ref().map(|_| ()).map_err(|e| e.to_string());
    for job in jobs {
        job.finish(shared.clone().map_err(StoreError::NotCommitted));
    }
    outcome
}

/// Opens the transaction and runs every job in it, stopping at the first
/// that fails; says whether all succeeded (the transaction is left open).
fn run_direct_plain(
    connection: &rusqlite::Connection,
    jobs: &mut [DirectJob],
) -> rusqlite::Result<bool> {
    execute_cached(connection, &["BEGIN IMMEDIATE"])?;
    Ok(jobs.iter_mut().all(|job| job.run(connection)))
}

/// Runs every job in its own savepoint of one transaction and commits.
fn run_direct_savepoints(
    connection: &rusqlite::Connection,
    jobs: &mut [DirectJob],
) -> rusqlite::Result<()> {
    execute_cached(connection, &["BEGIN IMMEDIATE", "SAVEPOINT job"])?;
    let last = jobs.len() - 1;
    for (index, job) in jobs.iter_mut().enumerate() {
        let succeeded = job.run(connection);
        execute_cached(connection, savepoint_end(succeeded, index == last))?;
    }
    Ok(())
}

/// Runs async jobs in one transaction.
async fn run_async(connection: &mut SqliteConnection, jobs: Vec<AsyncJob>) -> sqlx::Result<()> {
    sqlx::raw_sql("BEGIN IMMEDIATE; SAVEPOINT job")
        .execute(&mut *connection)
        .await?;
    let mut finishes = Vec::with_capacity(jobs.len());
    let mut outcome = Ok(());
    let last = jobs.len() - 1;
    for (index, job) in jobs.into_iter().enumerate() {
        let (succeeded, finish) = job(connection).await;
        finishes.push(finish);
        // One round trip for the whole ending; its pieces are constants above.
        let end = savepoint_end(succeeded, index == last).join("; ");
        if let Err(error) = sqlx::raw_sql(sqlx::AssertSqlSafe(end))
            .execute(&mut *connection)
            .await
        {
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
