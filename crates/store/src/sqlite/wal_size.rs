//! How big the `-wal` file stays when the WAL starts over.
//!
//! SQLite cuts the WAL file back to `journal_size_limit` at the first
//! commit after each restart, so that a burst does not leave a large file
//! on disk. Under a sustained load that is the wrong trade: the checkpoint
//! handoff ([`super::checkpointer`]) restarts the WAL about once per
//! checkpoint interval, and each time the file was cut from ~240 MB (at
//! 48 000 messages a second) to the limit, and the next second's commits
//! made the kernel free and then allocate (and zero) the same blocks again:
//! 7–8 % of the messages the store alone persists a second (interleaved
//! runs, docs/performance.md).
//!
//! So the writer's direct connection keeps its file size while handoffs
//! come (the server is busy and will fill the file again within a second),
//! and goes back to the limit once none has come for a while: the next
//! restart in a quiet moment then cuts the file back.

use std::time::{Duration, Instant};

/// A `journal_size_limit` that never cuts the file.
const KEEP_SIZE: i64 = -1;

/// The writer's side of the WAL file's size.
pub(super) struct WalFileSize {
    /// The limit in quiet moments (bytes).
    limit: i64,
    /// How long after the last handoff the file is still kept.
    quiet_after: Duration,
    /// Until when the file is kept; `None` while the limit applies.
    kept_until: Option<Instant>,
}

impl WalFileSize {
    /// Starts with `limit` applying (it is the connection's setting when
    /// opened); keeps the file size for `quiet_after` after each handoff.
    pub(super) fn new(limit: i64, quiet_after: Duration) -> Self {
        Self {
            limit,
            quiet_after,
            kept_until: None,
        }
    }

    /// Called by the writer thread between batches (at `now`), with whether
    /// it has just finished a handoff, on the connection that restarts the
    /// WAL.
    pub(super) fn between_batches(
        &mut self,
        connection: &rusqlite::Connection,
        handed_over: bool,
        now: Instant,
    ) {
        if handed_over {
            if self.kept_until.is_none() {
                set_limit(connection, KEEP_SIZE);
            }
            self.kept_until = Some(now + self.quiet_after);
        } else if self.kept_until.is_some_and(|until| now >= until) {
            set_limit(connection, self.limit);
            self.kept_until = None;
        }
    }
}

/// Sets the connection's `journal_size_limit`; a failure only costs disk
/// space or time, so it is logged.
fn set_limit(connection: &rusqlite::Connection, bytes: i64) {
    // The pragma answers with the limit now in force.
    let set = connection.query_row(&format!("PRAGMA journal_size_limit = {bytes}"), [], |row| {
        row.get::<_, i64>(0)
    });
    if let Err(error) = set {
        tracing::warn!(%error, bytes, "sqlite: setting the WAL size limit");
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn limit_of(connection: &rusqlite::Connection) -> i64 {
        connection
            .query_row("PRAGMA journal_size_limit", [], |row| row.get(0))
            .unwrap()
    }

    /// Restarts handed over keep the file; once the handoffs stop for
    /// `quiet_after`, the limit applies again.
    #[test]
    fn keeps_the_file_while_handoffs_come_and_limits_it_after() {
        let dir = tempfile::tempdir().unwrap();
        let connection = rusqlite::Connection::open(dir.path().join("s.db")).unwrap();
        connection
            .query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
            .unwrap();
        connection
            .pragma_update(None, "journal_size_limit", 4096)
            .unwrap();
        let (start, quiet_after) = (Instant::now(), Duration::from_secs(3));
        let mut size = WalFileSize::new(4096, quiet_after);
        size.between_batches(&connection, false, start);
        assert_eq!(limit_of(&connection), 4096, "nothing handed over yet");
        size.between_batches(&connection, true, start);
        assert_eq!(limit_of(&connection), KEEP_SIZE);
        size.between_batches(&connection, false, start + quiet_after / 2);
        assert_eq!(limit_of(&connection), KEEP_SIZE, "handed over just now");
        size.between_batches(&connection, true, start + quiet_after / 2);
        size.between_batches(&connection, false, start + quiet_after);
        assert_eq!(limit_of(&connection), KEEP_SIZE, "the last handoff counts");
        size.between_batches(&connection, false, start + quiet_after * 2);
        assert_eq!(limit_of(&connection), 4096, "quiet for long enough");
    }

    /// What the two settings do to the file when the WAL restarts: kept,
    /// it is overwritten in place; limited, it is cut back.
    #[test]
    fn a_restart_cuts_the_file_only_under_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.db");
        let writer = rusqlite::Connection::open(&path).unwrap();
        writer
            .query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
            .unwrap();
        writer.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        writer.execute_batch("CREATE TABLE t (b BLOB)").unwrap();
        let checkpointer = rusqlite::Connection::open(&path).unwrap();
        let wal_bytes = || {
            std::fs::metadata(dir.path().join("r.db-wal"))
                .unwrap()
                .len()
        };
        // Fills the WAL with ~4 MB, copies it all back, writes one row:
        // that commit is the first after a restart.
        let burst_then_restart = |limit: i64| {
            writer.execute_batch("BEGIN").unwrap();
            for _ in 0..1_000 {
                writer
                    .execute("INSERT INTO t (b) VALUES (zeroblob(4000))", [])
                    .unwrap();
            }
            writer.execute_batch("COMMIT").unwrap();
            checkpointer
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                .unwrap();
            set_limit(&writer, limit);
            let grown = wal_bytes();
            writer.execute("INSERT INTO t (b) VALUES (1)", []).unwrap();
            (grown, wal_bytes())
        };
        let (grown, after) = burst_then_restart(KEEP_SIZE);
        assert!(grown > 4_000_000, "{grown} bytes");
        assert_eq!(after, grown, "kept");
        let (grown, after) = burst_then_restart(65_536);
        assert!(grown > 4_000_000, "{grown} bytes");
        assert!(after <= 65_536, "cut back to {after} bytes");
    }
}
