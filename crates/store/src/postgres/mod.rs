//! The PostgreSQL store: for several server processes sharing one database.
//!
//! A connection pool; every write is its own transaction at READ COMMITTED,
//! except plain message appends, which a few tasks per process write in
//! batches ([`batch`]). Rules that must hold across
//! processes are row locks and conditional updates, never in-process state.
//! Migrations are applied at open under a transaction-scoped advisory lock,
//! so processes starting together apply each one exactly once.

/// A message read: the row, a preview of the message it answers, and its
/// reactions as a JSON array (one entry per emoji, in first-use order), and
/// the attachment it carries while it is not deleted.
/// Conditions follow as `$rest`, with the message table aliased `m`.
macro_rules! select_messages {
    ($rest:literal) => {
        concat!(
            "SELECT m.*, r.seq AS reply_seq, r.sender_id AS reply_sender_id, \
             left(r.content, 100) AS reply_preview, r.deleted_at AS reply_deleted_at, \
             COALESCE((SELECT json_agg(json_build_object('emoji', g.emoji, 'count', g.n, 'userIds', g.ids) \
                                       ORDER BY g.first, g.emoji) \
                         FROM (SELECT emoji, COUNT(*) AS n, json_agg(user_id ORDER BY created_at, user_id) AS ids, \
                                      MIN(created_at) AS first \
                                 FROM message_reactions WHERE message_id = m.id GROUP BY emoji) g)::text, '[]') AS reactions \
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
mod batch;
mod calls;
mod caregivers;
mod checkins;
mod conversations;
mod edits;
mod history;
mod lanes;
mod messages;
mod push;
mod receipts;
mod requests;
mod safety;
mod support;
mod timers;
mod volunteers;
mod welfare;

use crate::migrate::{Migration, statements};
use crate::sql;
use crate::{StoreError, StoreOptions, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, PgConnection};
use std::str::FromStr;
use std::time::Duration;

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: include_str!("../../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        sql: include_str!("../../migrations/postgres/0002_direct_conversations.sql"),
    },
    Migration {
        version: 3,
        sql: include_str!("../../migrations/postgres/0003_message_edits.sql"),
    },
    Migration {
        version: 4,
        sql: include_str!("../../migrations/postgres/0004_receipts_archive.sql"),
    },
    Migration {
        version: 5,
        sql: include_str!("../../migrations/postgres/0005_search.sql"),
    },
    Migration {
        version: 6,
        sql: include_str!("../../migrations/postgres/0006_blocks_reports.sql"),
    },
    Migration {
        version: 7,
        sql: include_str!("../../migrations/postgres/0007_disappearing_messages.sql"),
    },
    Migration {
        version: 8,
        sql: include_str!("../../migrations/postgres/0008_attachments.sql"),
    },
    Migration {
        version: 9,
        sql: include_str!("../../migrations/postgres/0009_calls.sql"),
    },
    Migration {
        version: 10,
        sql: include_str!("../../migrations/postgres/0010_offer_lists.sql"),
    },
    Migration {
        version: 11,
        sql: include_str!("../../migrations/postgres/0011_push.sql"),
    },
    Migration {
        version: 12,
        sql: include_str!("../../migrations/postgres/0012_active_chats.sql"),
    },
    Migration {
        version: 13,
        sql: include_str!("../../migrations/postgres/0013_escalation.sql"),
    },
    Migration {
        version: 14,
        sql: include_str!("../../migrations/postgres/0014_waiting_line.sql"),
    },
    Migration {
        version: 15,
        sql: include_str!("../../migrations/postgres/0015_credentials.sql"),
    },
    Migration {
        version: 16,
        sql: include_str!("../../migrations/postgres/0016_missed_offers.sql"),
    },
    Migration {
        version: 17,
        sql: include_str!("../../migrations/postgres/0017_batched_dispatch.sql"),
    },
    Migration {
        version: 18,
        sql: include_str!("../../migrations/postgres/0018_last_helped.sql"),
    },
    Migration {
        version: 19,
        sql: include_str!("../../migrations/postgres/0019_safety_alerts.sql"),
    },
    Migration {
        version: 20,
        sql: include_str!("../../migrations/postgres/0020_caregivers.sql"),
    },
    Migration {
        version: 21,
        sql: include_str!("../../migrations/postgres/0021_scam_guard.sql"),
    },
    Migration {
        version: 22,
        sql: include_str!("../../migrations/postgres/0022_welfare_checkins.sql"),
    },
];

/// The advisory lock key that serializes migrations ("Helpline" in ASCII).
const MIGRATION_LOCK: i64 = 0x4865_6c70_6c69_6e65;

/// The PostgreSQL implementation of [`crate::Store`].
pub struct PostgresStore {
    pool: PgPool,
    /// Plain appends, written in batches ([`batch`]).
    appender: batch::Appender,
}

impl PostgresStore {
    /// Connects to the database `url` names and migrates it.
    pub async fn open(url: &str, options: &StoreOptions) -> StoreResult<Self> {
        // JIT compilation off: it pays only for long analytical queries, and
        // on short ones whose estimates grow with the tables it costs tens of
        // milliseconds a statement (decision 0026).
        let connect = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(format!("bad postgres URL: {e}")))?
            .options([("jit", "off")])
            .log_statements(tracing::log::LevelFilter::Trace);
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(connect)
            .await?;
        let mut connection = pool.acquire().await?;
        migrate(&mut connection).await?;
        drop(connection);
        let appender =
            batch::Appender::start(pool.clone(), lanes::lanes_for(options.max_connections));
        Ok(Self { pool, appender })
    }
}

/// Applies every migration not yet recorded, each in its own transaction
/// that first takes the advisory lock; a process that waited on the lock
/// then sees the migration recorded and skips it.
async fn migrate(connection: &mut PgConnection) -> StoreResult<()> {
    for migration in MIGRATIONS {
        let mut tx = sqlx::Connection::begin(&mut *connection).await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *tx)
            .await?;
        // Under the lock too: concurrent CREATE TABLE IF NOT EXISTS can fail.
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
            .execute(&mut *tx)
            .await?;
        let applied: Option<i64> =
            sqlx::query_scalar(sql::store::SELECT_SCHEMA_MIGRATIONS_BY_VERSION)
                .bind(migration.version)
                .fetch_optional(&mut *tx)
                .await?;
        if applied.is_none() {
            for statement in statements(migration.sql) {
                sqlx::query(statement).execute(&mut *tx).await?;
            }
            sqlx::query(sql::store::INSERT_SCHEMA_MIGRATIONS)
                .bind(migration.version)
                .bind(helpline_core::Timestamp::now().millis())
                .execute(&mut *tx)
                .await?;
            tracing::info!(version = migration.version, "applied postgres migration");
        }
        tx.commit().await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl crate::Lifecycle for PostgresStore {
    async fn setting_or_insert(&self, key: &str, candidate: &str) -> StoreResult<String> {
        let store = self;
        let mut tx = store.pool.begin().await?;
        // A racing insert of the same key makes this wait for its commit,
        // and the SELECT (a new snapshot at READ COMMITTED) then reads it.
        sqlx::query(sql::store::INSERT_SETTINGS_IF_NEW)
            .bind(key)
            .bind(candidate)
            .execute(&mut *tx)
            .await?;
        let value: String = sqlx::query_scalar(sql::store::SELECT_SETTINGS_BY_KEY)
            .bind(key)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(value)
    }

    async fn settle(&self) -> StoreResult<()> {
        // Every write here returns after its commit: nothing is announced
        // before it is visible.
        Ok(())
    }

    async fn close(&self) {
        self.appender.close().await;
        self.pool.close().await;
    }
}
