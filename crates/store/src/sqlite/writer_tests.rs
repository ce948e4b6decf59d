//! Tests of the writer's batching: direct jobs of one batch commit
//! together, and a failing one is rolled back alone (the batch runs again
//! with savepoints) while the others' writes land, on both connections;
//! jobs queued while the writer yields join its batch, up to the limit;
//! one slow fsync is paid once, by the jobs it held up, not by every job
//! after it.

#![allow(clippy::unwrap_used)]

use super::writer::Writer;
use crate::{StoreError, StoreResult};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{ConnectOptions, Connection};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A writer on a fresh, migrated file with a table `t (n INTEGER UNIQUE)`.
async fn writer_on(dir: &tempfile::TempDir) -> (Writer, SqliteConnectOptions) {
    writer_with(dir, 64, |_| {}).await
}

/// [`writer_on`] with a batch limit, and `prepare` run on the direct
/// connection (to install hooks) before the writer takes it.
async fn writer_with(
    dir: &tempfile::TempDir,
    max_batch: usize,
    prepare: impl FnOnce(&rusqlite::Connection) + Send + 'static,
) -> (Writer, SqliteConnectOptions) {
    let path = dir.path().join("w.db");
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal);
    let mut connection = options.connect().await.unwrap();
    // The writer indexes new messages at every commit: it needs the schema.
    super::migrate(&mut connection).await.unwrap();
    sqlx::query("CREATE TABLE t (n INTEGER UNIQUE)")
        .execute(&mut connection)
        .await
        .unwrap();
    let direct_path = path.clone();
    let writer = Writer::start(
        connection,
        move || {
            let direct = rusqlite::Connection::open(&direct_path)?;
            direct.pragma_update(None, "synchronous", "FULL")?;
            prepare(&direct);
            Ok(direct)
        },
        max_batch,
        Arc::default(),
    )
    .await
    .unwrap();
    (writer, options)
}

async fn stored(options: &SqliteConnectOptions) -> Vec<i64> {
    let mut connection = options.connect().await.unwrap();
    let rows: Vec<i64> = sqlx::query_scalar("SELECT n FROM t ORDER BY n")
        .fetch_all(&mut connection)
        .await
        .unwrap();
    connection.close().await.unwrap();
    rows
}

fn insert(connection: &rusqlite::Connection, n: i64) -> StoreResult<()> {
    connection.execute("INSERT INTO t (n) VALUES (?1)", [n])?;
    Ok(())
}

/// Runs a direct job that holds the writer thread until `release` fires,
/// and returns once the thread is inside it: jobs queued from then on wait
/// together and make the next batch.
async fn hold(
    writer: &Arc<Writer>,
) -> (
    std::sync::mpsc::Sender<()>,
    tokio::task::JoinHandle<StoreResult<()>>,
) {
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let wait = std::sync::Mutex::new(wait);
    let (entered, mut inside) = tokio::sync::mpsc::unbounded_channel::<()>();
    let writer = writer.clone();
    let mut waited = false;
    let holding = tokio::spawn(async move {
        writer
            .run_direct(move |_| {
                if !waited {
                    waited = true;
                    let _ = entered.send(());
                    let _ = wait.lock().map(|w| w.recv());
                }
                Ok(())
            })
            .await
    });
    inside.recv().await.unwrap();
    (release, holding)
}

#[tokio::test]
async fn a_failing_direct_job_is_rolled_back_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (writer, options) = writer_on(&dir).await;
    let writer = Arc::new(writer);
    let (release, holding) = hold(&writer).await;
    let runs = Arc::new(AtomicUsize::new(0));
    let job = |n: i64, fail: bool| {
        let (writer, runs) = (writer.clone(), runs.clone());
        Box::pin(async move {
            writer
                .run_direct(move |connection| {
                    runs.fetch_add(1, Ordering::SeqCst);
                    insert(connection, n)?;
                    if fail {
                        // Written, then failed: the write must not land.
                        return Err(StoreError::Corrupt("on purpose".into()));
                    }
                    Ok(n)
                })
                .await
        })
    };
    let (mut first, mut failing, mut last) = (job(1, false), job(2, true), job(3, false));
    // One poll each queues the three jobs.
    assert!(futures::poll!(&mut first).is_pending());
    assert!(futures::poll!(&mut failing).is_pending());
    assert!(futures::poll!(&mut last).is_pending());
    release.send(()).unwrap();
    holding.await.unwrap().unwrap();
    assert_eq!(first.await.unwrap(), 1);
    assert!(matches!(failing.await, Err(StoreError::Corrupt(_))));
    assert_eq!(last.await.unwrap(), 3);
    assert_eq!(stored(&options).await, [1, 3]);
    // Plain run: 1, then 2 fails; again with savepoints: 1, 2, 3.
    assert_eq!(runs.load(Ordering::SeqCst), 5);
    writer.close().await;
}

#[tokio::test]
async fn direct_and_async_jobs_of_one_batch_all_commit() {
    let dir = tempfile::tempdir().unwrap();
    let (writer, options) = writer_on(&dir).await;
    let writer = Arc::new(writer);
    let (release, holding) = hold(&writer).await;
    let direct = |n: i64| {
        let writer = writer.clone();
        Box::pin(async move { writer.run_direct(move |c| insert(c, n)).await })
    };
    let mut before = direct(1);
    let mut through_sqlx = Box::pin({
        let writer = writer.clone();
        async move {
            writer
                .run(|connection| {
                    Box::pin(async move {
                        sqlx::query("INSERT INTO t (n) VALUES (2)")
                            .execute(connection)
                            .await?;
                        Ok(())
                    })
                })
                .await
        }
    });
    let mut after = direct(3);
    assert!(futures::poll!(&mut before).is_pending());
    assert!(futures::poll!(&mut through_sqlx).is_pending());
    assert!(futures::poll!(&mut after).is_pending());
    release.send(()).unwrap();
    holding.await.unwrap().unwrap();
    before.await.unwrap();
    through_sqlx.await.unwrap();
    after.await.unwrap();
    assert_eq!(stored(&options).await, [1, 2, 3]);
    writer.close().await;
}

#[test]
fn gathering_takes_what_was_queued_up_to_the_batch_limit() {
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    let mut batch = vec![0];
    super::writer::gather_queued(&mut receiver, &mut batch, 4);
    assert_eq!(batch, [0], "nothing queued, nothing taken");
    for n in 1..=6 {
        sender.send(n).unwrap();
    }
    super::writer::gather_queued(&mut receiver, &mut batch, 4);
    assert_eq!(batch, [0, 1, 2, 3], "in order, and never beyond the limit");
    let mut next = Vec::new();
    super::writer::gather_queued(&mut receiver, &mut next, 4);
    assert_eq!(next, [4, 5, 6], "the rest waits for the next batch");
}

/// When the stalled commit began and ended.
type Stall = Option<(Instant, Instant)>;

/// One commit stalls for 200 ms just as SQLite is about to write and sync
/// the WAL (a commit hook that sleeps: what a slow `fsync` does to the
/// writer thread). Jobs keep arriving every 2 ms. The stall delays the
/// jobs of its batch and those queued during it, which then commit
/// together in one batch; a job submitted after the backlog is as quick
/// as before, and no job pays the stall twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_slow_fsync_delays_its_batch_not_everything_after_it() {
    const STALL: Duration = Duration::from_millis(200);
    let dir = tempfile::tempdir().unwrap();
    let (stall_next, stalled) = (Arc::new(AtomicBool::new(false)), Arc::new(Mutex::new(None)));
    let commits = Arc::new(AtomicUsize::new(0));
    let hook = (stall_next.clone(), stalled.clone(), commits.clone());
    let (writer, options) = writer_with(&dir, 4096, move |direct| {
        let (stall_next, stalled, commits) = hook;
        direct
            .commit_hook(Some(move || {
                commits.fetch_add(1, Ordering::SeqCst);
                if stall_next.swap(false, Ordering::SeqCst) {
                    let began = Instant::now();
                    std::thread::sleep(STALL);
                    *stalled.lock().unwrap() = Some((began, Instant::now()));
                }
                false
            }))
            .unwrap();
    })
    .await;
    let writer = Arc::new(writer);
    // (submitted, answered, the commit count its batch saw)
    let mut tasks = Vec::new();
    let start = Instant::now();
    for n in 0..400_i64 {
        if n == 100 {
            stall_next.store(true, Ordering::SeqCst);
        }
        let (writer, commits) = (writer.clone(), commits.clone());
        tasks.push(tokio::spawn(async move {
            let submitted = Instant::now();
            let batch = writer
                .run_direct(move |c| {
                    insert(c, n)?;
                    Ok(commits.load(Ordering::SeqCst))
                })
                .await
                .unwrap();
            (submitted, Instant::now(), batch)
        }));
        tokio::time::sleep_until((start + Duration::from_millis(2 * (n as u64 + 1))).into()).await;
    }
    let mut done = Vec::new();
    for task in tasks {
        done.push(task.await.unwrap());
    }
    let stall: Stall = *stalled.lock().unwrap();
    let (began, ended) = stall.expect("one commit stalled");
    let waited = |(submitted, answered, _): &(Instant, Instant, usize)| *answered - *submitted;
    // Nobody pays more than the one stall (plus a commit or two).
    let longest = done.iter().map(waited).max().unwrap();
    assert!(longest < STALL + Duration::from_millis(150), "{longest:?}");
    // Everything submitted during the stall committed in one batch, right after it.
    let during: Vec<_> = done
        .iter()
        .filter(|(s, _, _)| *s > began && *s < ended)
        .collect();
    assert!(
        during.len() >= 50,
        "{} jobs queued behind the stall",
        during.len()
    );
    let batches: std::collections::BTreeSet<usize> = during.iter().map(|(_, _, b)| *b).collect();
    assert_eq!(batches.len(), 1, "the backlog is one batch: {batches:?}");
    // Jobs submitted once the backlog is gone wait for their own commit only.
    let settled = ended + Duration::from_millis(50);
    let after: Vec<Duration> = done
        .iter()
        .filter(|(s, _, _)| *s > settled)
        .map(waited)
        .collect();
    assert!(after.len() >= 100, "{} jobs after the stall", after.len());
    let slow_after = after
        .iter()
        .filter(|w| **w > Duration::from_millis(100))
        .count();
    assert_eq!(slow_after, 0, "jobs after the stall waited long: {after:?}");
    assert_eq!(stored(&options).await.len(), 400);
    writer.close().await;
}
