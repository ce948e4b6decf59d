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
//!
//! A passive checkpoint alone never lets the WAL start over under a steady
//! load: SQLite restarts the file from its beginning only when a write
//! transaction begins with *every* frame copied back, and the writer has
//! always appended more by the time a checkpoint ends. Measured under a
//! 20-second saturation the WAL grew to 2.3 GB; every commit extended the
//! file (the kernel zeroing each new block: 16 % of the server's CPU) and
//! every read searched a growing WAL index. So once the WAL holds more than
//! [`RESTART_FRAMES`], this thread hands over ([`Handoff`]): the writer,
//! between two batches, copies the few frames appended since (the only
//! moment no write is under way), and its next transaction restarts the
//! WAL from the beginning of the file, overwriting blocks that exist.
//! Finishing syncs the database file, so the writer does it when nothing
//! is queued, unless the WAL is past [`URGENT_FRAMES`] or the request has
//! waited an interval (decision 0028). This thread runs at a lower
//! priority ([`NICE`]) so that, on a busy core, the threads answering
//! clients run before its copying.
//!
//! The file keeps its size across those restarts: SQLite's
//! `journal_size_limit` would cut it back at each one, and under load the
//! next second's commits made the kernel allocate (and zero) the same
//! blocks again (5–6 % of what the store alone persists a second). Cutting
//! a file of a few hundred MB costs tens of milliseconds, during which a
//! writer waits, so it is done only once the writes pause: when a whole
//! interval passed with no frame appended and everything copied back, this
//! thread truncates a WAL above a threshold with a `TRUNCATE` checkpoint
//! that gives up at once if anyone is busy. Under a steady load the file
//! stays about as large as one interval of the busiest writes.

use super::BUSY_TIMEOUT;
use crate::{StoreError, StoreResult};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the WAL is copied back into the database file. Under load a
/// message dirties pages all over its conversation's index entries, so a
/// checkpoint copies about as many pages as there were messages since the
/// last one at 250 ms; at 1 s far more of them were written several times
/// and are copied once (+16 % persisted messages a second with the store
/// alone). The price is a larger WAL between checkpoints: about 200 MB at
/// 63 000 messages a second.
const INTERVAL: Duration = Duration::from_millis(1000);

/// WAL size (in frames, a page each) past which the writer is asked to
/// finish a checkpoint so that the WAL restarts: 4 MiB of 4 KiB pages.
const RESTART_FRAMES: i64 = 1_000;

/// WAL size past which the writer finishes the checkpoint before its next
/// batch even if it is never idle (a saturated server): 64 MiB.
const URGENT_FRAMES: i64 = 16 * RESTART_FRAMES;

/// Nice value of the checkpoint thread. On a loaded core its page copying
/// would take turns with the threads that answer clients; at a lower
/// priority any of them that wakes runs first, and the copying uses the
/// time they leave (decision 0028). Not the lowest: a saturated server
/// still leaves it enough to keep the WAL from growing without end.
const NICE: i32 = 10;

/// No request.
const NOT_WANTED: u8 = 0;
/// Finish when the writer has nothing queued.
const WHEN_IDLE: u8 = 1;
/// Finish before the writer's next batch.
const NOW: u8 = 2;

/// The checkpointer's request that the writer finish a checkpoint.
///
/// Finishing costs the writer an `fsync` of the database file (the WAL
/// can restart only once every page it holds is durable there), so a
/// request waits for a moment when nothing is queued and no caller waits
/// behind it; it becomes urgent once the WAL is past [`URGENT_FRAMES`] or
/// the request has waited a whole interval (decision 0028).
#[derive(Default)]
pub(super) struct Handoff {
    wanted: AtomicU8,
}

impl Handoff {
    /// Called by the writer thread between batches, with `idle` true when
    /// no job is queued: if asked (and idle, or the request is urgent),
    /// copies what the WAL holds beyond the last checkpoint (a few frames)
    /// so that the next write transaction restarts the WAL. Only then does
    /// the checkpointer resume, so the two never checkpoint at once.
    pub(super) fn finish_on(&self, connection: &rusqlite::Connection, idle: bool) {
        let wanted = self.wanted.load(Ordering::Acquire);
        if wanted == NOW || (wanted == WHEN_IDLE && idle) {
            checkpoint(connection);
            self.wanted.store(NOT_WANTED, Ordering::Release);
        }
    }

    fn pending(&self) -> bool {
        self.wanted.load(Ordering::Acquire) != NOT_WANTED
    }

    fn request(&self, urgent: bool) {
        let level = if urgent { NOW } else { WHEN_IDLE };
        self.wanted.store(level, Ordering::Release);
    }

    /// A request still pending after an interval becomes urgent.
    fn escalate(&self) {
        let _ = self
            .wanted
            .compare_exchange(WHEN_IDLE, NOW, Ordering::AcqRel, Ordering::Acquire);
    }
}

/// What a checkpoint found: the WAL's frames, and how many of them are in
/// the database file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct WalState {
    frames: i64,
    copied: i64,
}

/// What the thread does after a checkpoint.
#[derive(Debug, PartialEq, Eq)]
enum Upkeep {
    /// Ask the writer to finish the checkpoint so that the WAL restarts,
    /// before its next batch if `urgent`, else when it is idle.
    HandOff {
        urgent: bool,
    },
    /// Writes paused for a whole interval: truncate the file if large.
    Shrink,
    Nothing,
}

impl Upkeep {
    /// Decides from the checkpoint before (`last`, if any) and this one.
    fn after(last: Option<WalState>, now: WalState) -> Self {
        if now.frames >= RESTART_FRAMES {
            Self::HandOff {
                urgent: now.frames >= URGENT_FRAMES,
            }
        } else if last == Some(now) && now.copied == now.frames {
            Self::Shrink
        } else {
            Self::Nothing
        }
    }
}

/// Handle to the checkpoint thread; it stops when closed or dropped.
pub(super) struct Checkpointer {
    stop: Mutex<Option<mpsc::Sender<()>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Checkpointer {
    /// Starts the thread on `connection` (opened on the database file);
    /// it hands big WALs over to the writer through `handoff`, and
    /// truncates a WAL file above `shrink_above` bytes once writes pause.
    pub(super) fn start(
        connection: rusqlite::Connection,
        handoff: Arc<Handoff>,
        shrink_above: u64,
    ) -> StoreResult<Self> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                // On Linux the nice value is per thread: this one only.
                if let Err(error) = rustix::process::setpriority_process(None, NICE) {
                    tracing::debug!(%error, "sqlite checkpoint thread keeps its priority");
                }
                let mut last = None;
                // Wakes every interval until the handle goes away.
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(INTERVAL) {
                    // The writer is still to finish the last one: it has
                    // had an interval to find an idle moment.
                    if handoff.pending() {
                        handoff.escalate();
                        continue;
                    }
                    let now = checkpoint_state(&connection);
                    match Upkeep::after(last, now) {
                        Upkeep::HandOff { urgent } => handoff.request(urgent),
                        Upkeep::Shrink => shrink(&connection, shrink_above),
                        Upkeep::Nothing => {}
                    }
                    last = Some(now);
                }
                // The writer has stopped: nothing is appended any more.
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
/// file, as far as no reader still needs the old pages; returns the WAL's
/// size in frames (0 when the checkpoint failed).
fn checkpoint(connection: &rusqlite::Connection) -> i64 {
    checkpoint_state(connection).frames
}

/// [`checkpoint`], saying how much of the WAL is copied back (all zero
/// when the checkpoint failed).
fn checkpoint_state(connection: &rusqlite::Connection) -> WalState {
    let copied = connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
        Ok(WalState {
            frames: row.get(1)?,
            copied: row.get(2)?,
        })
    });
    match copied {
        Ok(state) => {
            tracing::trace!(?state, "wal checkpoint");
            state
        }
        Err(error) => {
            tracing::warn!(%error, "sqlite wal checkpoint failed");
            WalState::default()
        }
    }
}

/// Truncates the `-wal` file if it is larger than `above` bytes, unless a
/// reader or a writer is busy: the `TRUNCATE` checkpoint then gives up at
/// once (no busy wait) and the next pause tries again.
fn shrink(connection: &rusqlite::Connection, above: u64) {
    let Some(wal) = connection.path().map(|db| format!("{db}-wal")) else {
        return;
    };
    if std::fs::metadata(&wal).map_or(true, |file| file.len() <= above) {
        return;
    }
    let truncated = connection.busy_timeout(Duration::ZERO).and_then(|()| {
        connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
            row.get::<_, i64>(0)
        })
    });
    // Whatever the truncation did, the usual wait comes back.
    if let Err(error) = connection.busy_timeout(BUSY_TIMEOUT) {
        tracing::warn!(%error, "sqlite: restoring the checkpointer's busy timeout");
    }
    match truncated {
        Ok(0) => tracing::debug!(wal, "sqlite: WAL file truncated while writes pause"),
        Ok(_) => tracing::trace!("sqlite: WAL busy, truncated at the next pause"),
        Err(error) => tracing::warn!(%error, "sqlite: truncating the WAL file"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// A database in WAL mode with automatic checkpoints off, and a table
    /// of rows a page each to fill its WAL with.
    struct PagesDb {
        dir: tempfile::TempDir,
        writer: rusqlite::Connection,
    }

    impl PagesDb {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let writer = rusqlite::Connection::open(dir.path().join("p.db")).unwrap();
            writer
                .query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
                .unwrap();
            writer.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
            writer.execute_batch("CREATE TABLE t (b BLOB)").unwrap();
            Self { dir, writer }
        }

        /// Another connection to the same file.
        fn open(&self) -> rusqlite::Connection {
            rusqlite::Connection::open(self.dir.path().join("p.db")).unwrap()
        }

        /// Commits `pages` rows of about a page each in one transaction.
        fn write_pages(&self, pages: usize) {
            self.writer.execute_batch("BEGIN").unwrap();
            for _ in 0..pages {
                self.writer
                    .execute("INSERT INTO t (b) VALUES (zeroblob(4000))", [])
                    .unwrap();
            }
            self.writer.execute_batch("COMMIT").unwrap();
        }

        fn wal_bytes(&self) -> u64 {
            std::fs::metadata(self.dir.path().join("p.db-wal"))
                .unwrap()
                .len()
        }
    }

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
        let checkpointer = Checkpointer::start(
            rusqlite::Connection::open(&path).unwrap(),
            Arc::default(),
            0,
        )
        .unwrap();
        checkpointer.close().await;
        assert_eq!(rows_in_file(), Some(2));
        drop(writer);
    }

    /// A checkpoint that could not copy everything (here a reader holds
    /// an older snapshot, as a commit made during the copy does) leaves
    /// the WAL growing at every later commit; once the writer finishes the
    /// handed-over checkpoint, its next transaction starts the WAL over.
    #[test]
    fn the_writer_finishing_a_handoff_restarts_the_wal() {
        let db = PagesDb::new();
        let (write_pages, wal_bytes) = (|n| db.write_pages(n), || db.wal_bytes());
        let (other, reader) = (db.open(), db.open());
        write_pages(1_200);
        reader.execute_batch("BEGIN").unwrap();
        reader
            .query_row("SELECT COUNT(*) FROM t", [], |row| row.get::<_, i64>(0))
            .unwrap();
        write_pages(10);
        let big = checkpoint(&other);
        assert!(big >= RESTART_FRAMES, "{big} frames");
        reader.execute_batch("COMMIT").unwrap();
        // Not everything was copied: the next commit appends.
        let before = wal_bytes();
        write_pages(10);
        assert!(wal_bytes() > before, "the WAL grew");
        // A request waits for an idle writer, or until it is urgent.
        let handoff = Handoff::default();
        handoff.request(false);
        handoff.finish_on(&db.writer, false);
        assert!(handoff.pending(), "a busy writer goes on first");
        write_pages(10);
        handoff.escalate();
        handoff.finish_on(&db.writer, false);
        assert!(!handoff.pending());
        let before = wal_bytes();
        write_pages(10);
        assert_eq!(wal_bytes(), before, "written over from the start");
        let restarted = checkpoint(&other);
        assert!(restarted < 100, "{restarted} frames after the restart");
    }

    /// Once writes pause, a large WAL file is truncated; a reader on an
    /// older snapshot makes the truncation give up at once, not wait.
    #[test]
    fn a_pause_truncates_a_large_wal_unless_someone_is_busy() {
        let db = PagesDb::new();
        let (write_pages, wal_bytes) = (|n| db.write_pages(n), || db.wal_bytes());
        let checkpointer = db.open();
        checkpointer.busy_timeout(BUSY_TIMEOUT).unwrap();
        write_pages(500);
        let state = checkpoint_state(&checkpointer);
        assert_eq!(state.copied, state.frames, "all copied back");
        assert!(wal_bytes() > 2_000_000);

        shrink(&checkpointer, u64::MAX);
        assert!(wal_bytes() > 2_000_000, "not above the threshold");

        // A reader inside a snapshot that is not the newest.
        let reader = db.open();
        reader.execute_batch("BEGIN").unwrap();
        reader
            .query_row("SELECT COUNT(*) FROM t", [], |row| row.get::<_, i64>(0))
            .unwrap();
        write_pages(1);
        checkpoint_state(&checkpointer);
        let started = std::time::Instant::now();
        shrink(&checkpointer, 1_000_000);
        assert!(started.elapsed() < BUSY_TIMEOUT / 10, "gave up at once");
        assert!(wal_bytes() > 2_000_000, "a reader needs it");
        reader.execute_batch("COMMIT").unwrap();

        shrink(&checkpointer, 1_000_000);
        assert_eq!(wal_bytes(), 0, "truncated");
        let waits: i64 = checkpointer
            .query_row("PRAGMA busy_timeout", [], |row| row.get(0))
            .unwrap();
        assert_eq!(
            u128::try_from(waits).unwrap(),
            BUSY_TIMEOUT.as_millis(),
            "the usual busy timeout is back"
        );
        // Writing goes on in the emptied file.
        write_pages(2);
        assert_eq!(
            db.writer
                .query_row("SELECT COUNT(*) FROM t", [], |row| row.get::<_, i64>(0))
                .unwrap(),
            503
        );
        assert!(wal_bytes() > 0);
    }

    /// A large WAL is handed over (at once past the urgent size, else when
    /// the writer is idle); one unchanged and all copied back since
    /// the last look means writes paused; anything else waits.
    #[test]
    fn upkeep_follows_what_the_checkpoints_saw() {
        let state = |frames, copied| WalState { frames, copied };
        let big = state(RESTART_FRAMES, RESTART_FRAMES);
        assert_eq!(
            Upkeep::after(Some(big), big),
            Upkeep::HandOff { urgent: false }
        );
        let huge = state(URGENT_FRAMES, URGENT_FRAMES - 5);
        assert_eq!(
            Upkeep::after(Some(big), huge),
            Upkeep::HandOff { urgent: true }
        );
        let small = state(10, 10);
        assert_eq!(Upkeep::after(Some(small), small), Upkeep::Shrink);
        assert_eq!(Upkeep::after(None, small), Upkeep::Nothing, "first look");
        assert_eq!(
            Upkeep::after(Some(state(8, 8)), small),
            Upkeep::Nothing,
            "written since"
        );
        let behind = state(10, 6);
        assert_eq!(
            Upkeep::after(Some(behind), behind),
            Upkeep::Nothing,
            "a reader held frames back"
        );
    }
}
