//! The buffered WAL against SQLite itself: every commit is in the file
//! (visible to another connection, and in a copy of the files taken as a
//! crash would leave them) when it returns, in both synchronous modes,
//! through spills, rollbacks, checkpoints and transactions larger than the
//! buffer.

use rusqlite::{Connection, OpenFlags, params};
use std::path::{Path, PathBuf};

fn writer(path: &Path, synchronous: &str) -> Connection {
    let name = helpline_walbuf::register().expect("the VFS registers");
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE;
    let conn = Connection::open_with_flags_and_vfs(path, flags, name).expect("open with the VFS");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    conn.pragma_update(None, "synchronous", synchronous)
        .expect("synchronous");
    conn.pragma_update(None, "wal_autocheckpoint", 0)
        .expect("no autocheckpoint");
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, k TEXT UNIQUE, body BLOB)",
    )
    .expect("table");
    conn
}

fn reader(path: &Path) -> Connection {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("reader")
}

fn count(conn: &Connection) -> i64 {
    conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .expect("count")
}

/// Appends `rows` rows of `size` bytes in one transaction, from `first`.
fn append(conn: &Connection, first: i64, rows: i64, size: usize) {
    let tx = conn.unchecked_transaction().expect("begin");
    for i in first..first + rows {
        let body = vec![(i % 251) as u8; size];
        tx.execute(
            "INSERT INTO t (id, k, body) VALUES (?1, ?2, ?3)",
            params![i, format!("key-{i}-{}", i * 7919 % 1000), body],
        )
        .expect("insert");
    }
    tx.commit().expect("commit");
}

/// The database and WAL files copied while the writer is still open: what
/// a killed process leaves (the copy goes through the page cache too).
fn crash_copy(path: &Path, dir: &Path) -> PathBuf {
    let copy = dir.join("copy.db");
    for suffix in ["", "-wal"] {
        let from = PathBuf::from(format!("{}{suffix}", path.display()));
        let to = PathBuf::from(format!("{}{suffix}", copy.display()));
        std::fs::copy(&from, &to).expect("copy");
    }
    copy
}

#[test]
fn every_commit_is_readable_by_another_connection_when_it_returns() {
    for synchronous in ["NORMAL", "FULL"] {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("db.sqlite");
        let conn = writer(&path, synchronous);
        let other = reader(&path);
        let mut n = 0;
        for round in 0..200 {
            let rows = 1 + round % 17;
            append(&conn, n, rows, 1500);
            n += rows;
            assert_eq!(count(&other), n, "{synchronous}, after round {round}");
        }
        let copy = crash_copy(&path, dir.path());
        assert_eq!(
            count(&reader(&copy)),
            n,
            "{synchronous}: a crash keeps every commit"
        );
    }
}

#[test]
fn a_transaction_larger_than_the_buffer_is_whole() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("db.sqlite");
    let conn = writer(&path, "NORMAL");
    // About three times FLUSH_AT in one transaction.
    let rows = (3 * helpline_walbuf::FLUSH_AT / 4000) as i64;
    append(&conn, 0, rows, 4000);
    let copy = crash_copy(&path, dir.path());
    let copied = reader(&copy);
    assert_eq!(count(&copied), rows);
    let sum: i64 = copied
        .query_row("SELECT sum(length(body)) FROM t", [], |r| r.get(0))
        .expect("sum");
    assert_eq!(sum, rows * 4000);
    let check: String = copied
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("check");
    assert_eq!(check, "ok");
}

#[test]
fn spilled_then_rolled_back_transactions_leave_nothing_and_the_next_commit_lands() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("db.sqlite");
    let conn = writer(&path, "NORMAL");
    append(&conn, 0, 10, 100);
    // A tiny cache makes SQLite write frames of the open transaction early.
    conn.pragma_update(None, "cache_size", 5).expect("cache");
    {
        let tx = conn.unchecked_transaction().expect("begin");
        for i in 10..2000i64 {
            tx.execute(
                "INSERT INTO t (id, k, body) VALUES (?1, ?2, zeroblob(3000))",
                params![i, format!("spill-{i}")],
            )
            .expect("insert");
        }
        tx.rollback().expect("rollback");
    }
    assert_eq!(count(&reader(&path)), 10);
    append(&conn, 10, 500, 3000);
    assert_eq!(count(&reader(&path)), 510);
    let copy = crash_copy(&path, dir.path());
    assert_eq!(count(&reader(&copy)), 510);
}

#[test]
fn checkpoints_and_wal_restarts_keep_every_row() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("db.sqlite");
    let conn = writer(&path, "NORMAL");
    conn.pragma_update(None, "journal_size_limit", 65536)
        .expect("limit");
    let checkpointer = Connection::open(&path).expect("checkpointer");
    let mut n = 0;
    for round in 0..60 {
        append(&conn, n, 20, 2000);
        n += 20;
        let mode = ["PASSIVE", "RESTART", "TRUNCATE"][round % 3];
        let on = if round % 2 == 0 { &conn } else { &checkpointer };
        on.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |_| Ok(()))
            .expect("checkpoint");
        assert_eq!(count(&reader(&path)), n, "round {round}");
    }
    drop(conn);
    let reopened = reader(&path);
    assert_eq!(count(&reopened), n);
    let check: String = reopened
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("check");
    assert_eq!(check, "ok");
}
