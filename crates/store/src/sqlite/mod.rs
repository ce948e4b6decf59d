//! The SQLite store: the embedded default.
//!
//! WAL mode, a pool of read-only connections for reads, and the writing
//! connections owned by [`writer::Writer`], which batches commits. The file's
//! directory is created on first start.

/// A message read: the row, a preview of the message it answers, and its
/// reactions as a JSON array (one entry per emoji, in first-use order), and
/// the attachment it carries while it is not deleted.
/// Conditions follow as `$rest`, with the message table aliased `m`.
macro_rules! select_messages {
    ($rest:literal) => {
        concat!(
            "SELECT m.*, r.seq AS reply_seq, r.sender_id AS reply_sender_id, \
             substr(r.content, 1, 100) AS reply_preview, r.deleted_at AS reply_deleted_at, \
             (SELECT json_group_array(json_object('emoji', g.emoji, 'count', g.n, 'userIds', json(g.ids))) \
                FROM (SELECT emoji, COUNT(*) AS n, json_group_array(user_id) AS ids, MIN(created_at) AS first \
                        FROM (SELECT * FROM message_reactions WHERE message_id = m.id ORDER BY created_at, user_id) \
                       GROUP BY emoji ORDER BY first, emoji) g) AS reactions \
             , a.id AS att_id, a.name AS att_name, a.mime AS att_mime, a.size AS att_size, \
             a.thumbnail_key AS att_thumbnail \
             FROM messages m LEFT JOIN messages r ON r.id = m.reply_to_id \
             LEFT JOIN attachments a ON a.message_id = m.id AND m.deleted_at IS NULL ",
            $rest
        )
    };
}

mod accounts;
mod alerts;
mod append;
mod attachments;
mod calls;
mod caregivers;
mod checkins;
mod checkpointer;
mod conversations;
mod dedup;
mod edits;
mod history;
mod messages;
#[cfg(test)]
mod migration_tests;
mod push;
mod receipts;
mod requests;
mod safety;
mod support;
mod timers;
mod volunteers;
mod welfare;
mod writer;
#[cfg(test)]
mod writer_tests;

use crate::migrate::{Migration, statements};
use crate::sql;
use crate::{StoreError, StoreOptions, StoreResult};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{ConnectOptions, Connection, SqliteConnection};
use std::path::Path;
use std::time::Duration;

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: include_str!("../../migrations/sqlite/0001_init.sql"),
    },
    Migration {
        version: 2,
        sql: include_str!("../../migrations/sqlite/0002_direct_conversations.sql"),
    },
    Migration {
        version: 3,
        sql: include_str!("../../migrations/sqlite/0003_message_edits.sql"),
    },
    Migration {
        version: 4,
        sql: include_str!("../../migrations/sqlite/0004_receipts_archive.sql"),
    },
    Migration {
        version: 5,
        sql: include_str!("../../migrations/sqlite/0005_search.sql"),
    },
    Migration {
        version: 6,
        sql: include_str!("../../migrations/sqlite/0006_blocks_reports.sql"),
    },
    Migration {
        version: 7,
        sql: include_str!("../../migrations/sqlite/0007_disappearing_messages.sql"),
    },
    Migration {
        version: 8,
        sql: include_str!("../../migrations/sqlite/0008_attachments.sql"),
    },
    Migration {
        version: 9,
        sql: include_str!("../../migrations/sqlite/0009_calls.sql"),
    },
    Migration {
        version: 10,
        sql: include_str!("../../migrations/sqlite/0010_search_per_batch.sql"),
    },
    Migration {
        version: 11,
        sql: include_str!("../../migrations/sqlite/0011_append_probes.sql"),
    },
    Migration {
        version: REBUILD_MESSAGES,
        sql: include_str!("../../migrations/sqlite/0012_dedup_key.sql"),
    },
    Migration {
        version: 13,
        sql: include_str!("../../migrations/sqlite/0013_offer_lists.sql"),
    },
    Migration {
        version: 14,
        sql: include_str!("../../migrations/sqlite/0014_push.sql"),
    },
    Migration {
        version: 15,
        sql: include_str!("../../migrations/sqlite/0015_active_chats.sql"),
    },
    Migration {
        version: 16,
        sql: include_str!("../../migrations/sqlite/0016_escalation.sql"),
    },
    Migration {
        version: 17,
        sql: include_str!("../../migrations/sqlite/0017_waiting_line.sql"),
    },
    Migration {
        version: 18,
        sql: include_str!("../../migrations/sqlite/0018_credentials.sql"),
    },
    Migration {
        version: 19,
        sql: include_str!("../../migrations/sqlite/0019_missed_offers.sql"),
    },
    Migration {
        version: 20,
        sql: include_str!("../../migrations/sqlite/0020_batched_dispatch.sql"),
    },
    Migration {
        version: 21,
        sql: include_str!("../../migrations/sqlite/0021_last_helped.sql"),
    },
    Migration {
        version: 22,
        sql: include_str!("../../migrations/sqlite/0022_safety_alerts.sql"),
    },
    Migration {
        version: REBUILD_USERS,
        sql: include_str!("../../migrations/sqlite/0023_caregivers.sql"),
    },
    Migration {
        version: 24,
        sql: include_str!("../../migrations/sqlite/0024_scam_guard.sql"),
    },
    Migration {
        version: 25,
        sql: include_str!("../../migrations/sqlite/0025_welfare_checkins.sql"),
    },
];

/// The migration that rebuilds `messages` around `dedup_key`: its keys are
/// computed in Rust first ([`dedup::fill_key_table`]), and foreign keys are
/// off around it (SQLite's procedure for rebuilding a table others refer to).
const REBUILD_MESSAGES: i64 = 12;

/// The migration that rebuilds `users` (its role CHECK gains
/// `caregiver`, which SQLite cannot change in place), with foreign keys
/// off around it and checked before it commits, like
/// [`REBUILD_MESSAGES`].
const REBUILD_USERS: i64 = 23;

/// A `-wal` file larger than this (bytes) is truncated once the writes
/// pause (`checkpointer.rs`); SQLite itself never cuts it
/// (`journal_size_limit` stays off).
const WAL_SHRINK_ABOVE: u64 = 64 << 20;

/// How long every connection of the store waits for a lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Most jobs the writer commits together.
const MAX_BATCH: usize = 4096;

/// The SQLite implementation of [`crate::Store`].
pub struct SqliteStore {
    readers: SqlitePool,
    writer: writer::Writer,
    checkpointer: checkpointer::Checkpointer,
    delivered: receipts::DeliveredMarks,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` and migrates it.
    pub async fn open(path: &str, options: &StoreOptions) -> StoreResult<Self> {
        if path.is_empty() || path.contains(":memory:") {
            return Err(StoreError::Config(
                "sqlite needs a file path (sqlite://PATH)".into(),
            ));
        }
        if let Some(dir) = Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Config(format!("cannot create {}: {e}", dir.display())))?;
        }
        let synchronous = if options.sqlite_synchronous_full {
            SqliteSynchronous::Full
        } else {
            SqliteSynchronous::Normal
        };
        let base = SqliteConnectOptions::new()
            .filename(path)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true)
            // Checkpoints run on a thread of their own (`checkpointer.rs`).
            .pragma("wal_autocheckpoint", "0")
            .log_statements(tracing::log::LevelFilter::Trace);
        let writer_options = base.clone().create_if_missing(true);
        let mut writing = connect_writer(&writer_options).await?;
        migrate(&mut writing).await?;
        let readers = SqlitePoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .connect_with(base.read_only(true))
            .await?;
        let (direct_path, full) = (path.to_owned(), options.sqlite_synchronous_full);
        let checkpoint_connection = open_rusqlite(path, full)?;
        let open_direct = move || open_direct(&direct_path, full);
        let handoff = std::sync::Arc::new(checkpointer::Handoff::default());
        Ok(Self {
            readers,
            writer: writer::Writer::start(writing, open_direct, MAX_BATCH, handoff.clone()).await?,
            checkpointer: checkpointer::Checkpointer::start(
                checkpoint_connection,
                handoff,
                WAL_SHRINK_ABOVE,
            )?,
            delivered: receipts::DeliveredMarks::default(),
        })
    }
}

/// Opens a rusqlite connection to the migrated file with the same settings
/// as the sqlx connections, automatic checkpoints off (they are the
/// checkpointer thread's, never a commit's: `checkpointer.rs`).
fn open_rusqlite(path: &str, synchronous_full: bool) -> StoreResult<rusqlite::Connection> {
    use rusqlite::OpenFlags;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = rusqlite::Connection::open_with_flags(path, flags)?;
    connection.busy_timeout(BUSY_TIMEOUT)?;
    let synchronous = if synchronous_full { "FULL" } else { "NORMAL" };
    connection.pragma_update(None, "synchronous", synchronous)?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    connection.pragma_update(None, "wal_autocheckpoint", 0)?;
    Ok(connection)
}

/// Opens the writer's direct connection.
fn open_direct(path: &str, synchronous_full: bool) -> StoreResult<rusqlite::Connection> {
    let connection = open_rusqlite(path, synchronous_full)?;
    // The writer touches the same index pages batch after batch: keep them
    // (32 MiB instead of SQLite's 2).
    connection.pragma_update(None, "cache_size", -32_768)?;
    connection.set_prepared_statement_cache_capacity(64);
    Ok(connection)
}

/// Opens the writing connection. Turning a new database file to WAL takes a
/// lock SQLite cannot wait for (the busy timeout does not apply), so when
/// several processes create the file at once the others fail with
/// `SQLITE_BUSY`; they retry for a few seconds.
async fn connect_writer(options: &SqliteConnectOptions) -> StoreResult<SqliteConnection> {
    let mut attempt = 0u64;
    loop {
        match options.connect().await {
            Err(sqlx::Error::Database(error))
                if attempt < 50 && is_busy(error.code().as_deref()) =>
            {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(10 * attempt.min(10))).await;
            }
            connected => return Ok(connected?),
        }
    }
}

/// Whether a SQLite (extended) result code is `SQLITE_BUSY`.
fn is_busy(code: Option<&str>) -> bool {
    code.and_then(|c| c.parse::<i32>().ok())
        .is_some_and(|c| c & 0xff == 5)
}

async fn migrate(connection: &mut SqliteConnection) -> StoreResult<()> {
    migrate_through(connection, MIGRATIONS).await
}

/// Applies `migrations` (a prefix of [`MIGRATIONS`]; tests stop early to
/// build an older schema).
async fn migrate_through(
    connection: &mut SqliteConnection,
    migrations: &[Migration],
) -> StoreResult<()> {
    sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
        .execute(&mut *connection)
        .await?;
    for migration in migrations {
        let rebuild = [REBUILD_MESSAGES, REBUILD_USERS].contains(&migration.version);
        if rebuild {
            // Only outside a transaction does this take effect.
            sqlx::query("PRAGMA foreign_keys = OFF")
                .execute(&mut *connection)
                .await?;
        }
        let applied = apply(connection, migration, rebuild).await;
        if rebuild {
            sqlx::query("PRAGMA foreign_keys = ON")
                .execute(&mut *connection)
                .await?;
        }
        applied?;
    }
    Ok(())
}

/// Applies `migration` in a transaction of its own unless it already was.
/// A `rebuild` (of messages: it computes the message keys first; of users)
/// checks every foreign key before committing.
async fn apply(
    connection: &mut SqliteConnection,
    migration: &Migration,
    rebuild: bool,
) -> StoreResult<()> {
    let mut tx = connection.begin_with("BEGIN IMMEDIATE").await?;
    let applied: Option<i64> = sqlx::query_scalar(sql::store::SELECT_SCHEMA_MIGRATIONS_BY_VERSION)
        .bind(migration.version)
        .fetch_optional(&mut *tx)
        .await?;
    if applied.is_some() {
        return Ok(tx.commit().await?);
    }
    if migration.version == REBUILD_MESSAGES {
        dedup::fill_key_table(&mut tx).await?;
    }
    for statement in statements(migration.sql) {
        sqlx::query(statement).execute(&mut *tx).await?;
    }
    if rebuild {
        let broken: Option<String> = sqlx::query_scalar("PRAGMA foreign_key_check")
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(table) = broken {
            return Err(StoreError::Corrupt(format!(
                "migration {}: a foreign key in {table} would break",
                migration.version
            )));
        }
    }
    sqlx::query(sql::store::INSERT_SCHEMA_MIGRATIONS)
        .bind(migration.version)
        .bind(helpline_core::Timestamp::now().millis())
        .execute(&mut *tx)
        .await?;
    Ok(tx.commit().await?)
}

#[async_trait::async_trait]
impl crate::Lifecycle for SqliteStore {
    async fn setting_or_insert(&self, key: &str, candidate: &str) -> StoreResult<String> {
        let writer = &self.writer;
        let (key, candidate) = (key.to_owned(), candidate.to_owned());
        writer
            .run(move |conn| {
                Box::pin(async move {
                    sqlx::query(sql::store::INSERT_SETTINGS_IF_NEW)
                        .bind(&key)
                        .bind(&candidate)
                        .execute(&mut *conn)
                        .await?;
                    Ok(sqlx::query_scalar(sql::store::SELECT_SETTINGS_BY_KEY)
                        .bind(&key)
                        .fetch_one(conn)
                        .await?)
                })
            })
            .await
    }

    async fn settle(&self) -> StoreResult<()> {
        // A job that does nothing is answered after the commit of every
        // batch before it.
        self.writer.run_direct(|_| Ok(())).await
    }

    async fn close(&self) {
        self.writer.close().await;
        self.checkpointer.close().await;
        self.readers.close().await;
    }
}
