//! Disappearing messages on PostgreSQL: setting a conversation's timer, and
//! the sweep that turns due messages into tombstones (past their deadline,
//! or view-once and read by everyone else), sparing conversations under an
//! open report. The sweep locks the rows it takes (`SKIP LOCKED`), so
//! sweepers on several processes never take the same message.

use super::edits::message_on;
use crate::StoreResult;
use crate::rows;
use crate::sql;
use helpline_core::conversation::Conversation;
use helpline_core::message::Message;
use helpline_core::{ConversationId, Timestamp};
use sqlx::PgPool;

/// See [`crate::Conversations::set_auto_delete`].
pub(super) async fn set_auto_delete(
    pool: &PgPool,
    id: &ConversationId,
    secs: Option<i64>,
) -> StoreResult<Option<Conversation>> {
    let row = sqlx::query(sql::timers::SET_AUTO_DELETE)
        .bind(secs)
        .bind(id.as_str())
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(rows::conversation).transpose()
}

/// See [`crate::Messages::expire_messages`].
pub(super) async fn expire_messages(
    pool: &PgPool,
    now: Timestamp,
    limit: i64,
) -> StoreResult<Vec<Message>> {
    let mut tx = pool.begin().await?;
    let ids: Vec<String> = sqlx::query_scalar(
        "WITH due AS ( \
           SELECT m.id FROM messages m \
            WHERE m.deleted_at IS NULL \
              AND ((m.expires_at IS NOT NULL AND m.expires_at <= $1) \
                   OR (m.view_once = 1 AND NOT EXISTS ( \
                         SELECT 1 FROM conversation_participants p \
                          WHERE p.conversation_id = m.conversation_id AND p.user_id <> m.sender_id \
                            AND p.last_read_seq < m.seq))) \
              AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.conversation_id = m.conversation_id AND r.status = 'open') \
              AND NOT EXISTS (SELECT 1 FROM safety_alerts a WHERE a.conversation_id = m.conversation_id AND a.resolved_at IS NULL) \
            LIMIT $2 FOR UPDATE OF m SKIP LOCKED) \
         UPDATE messages SET content = '', flags = 0, deleted_at = $1 FROM due WHERE messages.id = due.id RETURNING messages.id",
    )
    .bind(now.millis())
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM message_reactions WHERE message_id = ANY($1)")
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
    super::attachments::mark_dead(&mut tx, &ids, now).await?;
    let mut expired = Vec::with_capacity(ids.len());
    for id in &ids {
        if let Some(message) = message_on(&mut tx, id).await? {
            expired.push(message);
        }
    }
    tx.commit().await?;
    Ok(expired)
}
