//! WAL checkpoints, on a thread of their own.
//!
//! In WAL mode every commit appends pages to the `-wal` file, and a
//! checkpoint copies them back into the database file (and fsyncs it).
//! SQLite's automatic checkpoint runs inside the commit that crosses the
//! threshold, on the committing connection: here the writer thread, so
//! every message queued behind that batch waited for the whole copy, tens
//! of milliseconds with a large WAL (the p99 of an otherwise idle server).
//! The writer's connections therefore have automatic checkpoints turned
//! off, and this thread runs a `PASSIVE` checkpoint on a connection of its
//! own every [`INTERVAL`]: passive checkpoints never block writers or
//! readers, so the writer keeps committing while pages are copied. A page
//! written many times within an interval is copied once.

use crate::{StoreError, StoreResult};
use std::sync::Mutex;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the WAL is copied back into the database file.
const INTERVAL: Duration = Duration::from_millis(500);

/// Handle to the checkpoint thread; it stops when closed or dropped.
pub(super) struct Checkpointer {
    stop: Mutex<Option<mpsc::Sender<()>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Checkpointer {
    /// Starts the thread on `connection` (opened on the database file).
    pub(super) fn start(connection: rusqlite::Connection) -> StoreResult<Self> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                // Wakes every interval until the handle goes away.
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(INTERVAL) {
                    checkpoint(&connection);
                }
                checkpoint(&connection);
            })
            .map_err(|e| StoreError::Config(format!("sqlite checkpoint thread: {e}")))?;
        Ok(Self {
            stop: Mutex::new(Some(stop)),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Stops the thread after a last checkpoint and waits for it.
    pub(super) async fn close(&self) {
        if let Ok(mut stop) = self.stop.lock() {
            stop.take();
        }
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread {
            let joined = tokio::task::spawn_blocking(move || thread.join()).await;
            if !matches!(joined, Ok(Ok(()))) {
                tracing::error!("sqlite checkpoint thread failed");
            }
        }
    }
}

/// Copies what the WAL holds beyond the last checkpoint into the database
/// file, as far as no reader still needs the old pages.
fn checkpoint(connection: &rusqlite::Connection) {
    let copied = connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
        Ok((row.get::<_, i64>(1)?, row.get::<_, i64>(2)?))
    });
    match copied {
        Ok((in_wal, copied)) => tracing::trace!(in_wal, copied, "wal checkpoint"),
        Err(error) => tracing::warn!(%error, "sqlite wal checkpoint failed"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Frames written with automatic checkpoints off reach the database
    /// file through the thread, while the writing connection stays open.
    #[tokio::test]
    async fn copies_the_wal_back_into_the_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let writer = rusqlite::Connection::open(&path).unwrap();
        writer
            .query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
            .unwrap();
        writer.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        writer
            .execute_batch("CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (2);")
            .unwrap();
        // The database file alone (a copy without its WAL) holds `t`'s rows?
        let rows_in_file = || {
            let copy = dir.path().join("copy.db");
            std::fs::copy(&path, &copy).unwrap();
            let copy = rusqlite::Connection::open(&copy).unwrap();
            copy.query_row("SELECT COUNT(*) FROM t", [], |row| row.get::<_, i64>(0))
                .ok()
        };
        assert_eq!(rows_in_file(), None, "still only in the WAL");
        let checkpointer = Checkpointer::start(rusqlite::Connection::open(&path).unwrap()).unwrap();
        checkpointer.close().await;
        assert_eq!(rows_in_file(), Some(2));
        drop(writer);
    }
}
