//! Disappearing messages on SQLite: setting a conversation's timer, and the
//! sweep that turns due messages into tombstones (past their deadline, or
//! view-once and read by everyone else), sparing conversations under an open
//! report. Both are jobs on the single writer ([`super::writer`]).

use super::edits::message_on;
use super::writer::Writer;
use crate::StoreResult;
use crate::rows;
use crate::sql;
use helpline_core::conversation::Conversation;
use helpline_core::message::Message;
use helpline_core::{ConversationId, Timestamp};

/// See [`crate::Conversations::set_auto_delete`].
pub(super) async fn set_auto_delete(
    writer: &Writer,
    id: &ConversationId,
    secs: Option<i64>,
) -> StoreResult<Option<Conversation>> {
    let id = id.clone();
    writer
        .run(move |conn| {
            Box::pin(async move {
                let row = sqlx::query(sql::timers::SET_AUTO_DELETE)
                    .bind(secs)
                    .bind(id.as_str())
                    .fetch_optional(conn)
                    .await?;
                row.as_ref().map(rows::conversation).transpose()
            })
        })
        .await
}

/// Turns due messages into tombstones: past their deadline, or view-once
/// and read by every other participant; never under an open report or an unresolved safety alert.
///
/// Two arms, one per partial index (`messages_due`, `messages_view_once`):
/// SQLite does not split an OR across partial indexes, and with one WHERE
/// it scanned every message at every sweep tick, inside the write
/// transaction (the test below holds it to its indexes).
const EXPIRE_DUE_MESSAGES: &str = "UPDATE messages SET content = '', flags = 0, deleted_at = ?1 WHERE id IN ( \
       SELECT d.id FROM ( \
         SELECT m.id, m.conversation_id FROM messages m \
          WHERE m.deleted_at IS NULL AND m.expires_at IS NOT NULL AND m.expires_at <= ?1 \
         UNION ALL \
         SELECT m.id, m.conversation_id FROM messages m \
          WHERE m.deleted_at IS NULL AND m.view_once = 1 AND NOT EXISTS ( \
                SELECT 1 FROM conversation_participants p \
                 WHERE p.conversation_id = m.conversation_id AND p.user_id <> m.sender_id \
                   AND p.last_read_seq < m.seq)) d \
        WHERE NOT EXISTS (SELECT 1 FROM reports r WHERE r.conversation_id = d.conversation_id AND r.status = 'open') \
          AND NOT EXISTS (SELECT 1 FROM safety_alerts a WHERE a.conversation_id = d.conversation_id AND a.resolved_at IS NULL) \
        LIMIT ?2) \
     RETURNING id";

/// See [`crate::Messages::expire_messages`].
pub(super) async fn expire_messages(
    writer: &Writer,
    now: Timestamp,
    limit: i64,
) -> StoreResult<Vec<Message>> {
    writer
        .run(move |conn| {
            Box::pin(async move {
                let ids: Vec<String> = sqlx::query_scalar(EXPIRE_DUE_MESSAGES)
                    .bind(now.millis())
                    .bind(limit)
                    .fetch_all(&mut *conn)
                    .await?;
                let mut expired = Vec::with_capacity(ids.len());
                for id in &ids {
                    sqlx::query("DELETE FROM message_reactions WHERE message_id = ?")
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                    super::attachments::mark_dead(&mut *conn, id, now).await?;
                    if let Some(message) = message_on(&mut *conn, id).await? {
                        expired.push(message);
                    }
                }
                Ok(expired)
            })
        })
        .await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use sqlx::{ConnectOptions, Row};

    /// The sweep runs every tick inside the write transaction: it must find
    /// due messages through its partial indexes, never by reading every
    /// message.
    #[tokio::test]
    async fn the_message_sweep_reads_only_its_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let mut connection = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(dir.path().join("plan.db"))
            .create_if_missing(true)
            .connect()
            .await
            .unwrap();
        super::super::migrate(&mut connection).await.unwrap();
        let explain = format!("EXPLAIN QUERY PLAN {}", super::EXPIRE_DUE_MESSAGES);
        let plan = sqlx::query(sqlx::AssertSqlSafe(explain))
            .bind(0_i64)
            .bind(500_i64)
            .fetch_all(&mut connection)
            .await
            .unwrap();
        let steps: Vec<String> = plan.iter().map(|row| row.get("detail")).collect();
        assert!(
            steps.iter().any(|s| s.contains("messages_due")),
            "{steps:#?}"
        );
        assert!(
            steps.iter().any(|s| s.contains("messages_view_once")),
            "{steps:#?}"
        );
        let full_scans: Vec<&String> = steps
            .iter()
            .filter(|s| s.starts_with("SCAN") && !s.contains("USING"))
            .collect();
        assert!(full_scans.is_empty(), "{steps:#?}");
    }
}
