//! Disappearing messages on SQLite: setting a conversation's timer, and the
//! sweep that turns due messages into tombstones (past their deadline, or
//! view-once and read by everyone else), sparing conversations under an open
//! report. Both are jobs on the single writer ([`super::writer`]).

use super::edits::message_on;
use super::writer::Writer;
use crate::StoreResult;
use crate::rows;
use helpline_core::conversation::Conversation;
use helpline_core::message::Message;
use helpline_core::{ConversationId, Timestamp};

/// See [`crate::Store::set_auto_delete`].
pub(super) async fn set_auto_delete(
    writer: &Writer,
    id: &ConversationId,
    secs: Option<i64>,
) -> StoreResult<Option<Conversation>> {
    let id = id.clone();
    writer
        .run(move |conn| {
            Box::pin(async move {
                let row = sqlx::query(
                    "UPDATE conversations SET auto_delete_secs = ? WHERE id = ? RETURNING *",
                )
                .bind(secs)
                .bind(id.as_str())
                .fetch_optional(conn)
                .await?;
                row.as_ref().map(rows::conversation).transpose()
            })
        })
        .await
}

/// See [`crate::Store::expire_messages`].
pub(super) async fn expire_messages(
    writer: &Writer,
    now: Timestamp,
    limit: i64,
) -> StoreResult<Vec<Message>> {
    writer
        .run(move |conn| {
            Box::pin(async move {
                let ids: Vec<String> = sqlx::query_scalar(
                    "UPDATE messages SET content = '', deleted_at = ?1 WHERE id IN ( \
                       SELECT m.id FROM messages m \
                        WHERE m.deleted_at IS NULL \
                          AND ((m.expires_at IS NOT NULL AND m.expires_at <= ?1) \
                               OR (m.view_once = 1 AND NOT EXISTS ( \
                                     SELECT 1 FROM conversation_participants p \
                                      WHERE p.conversation_id = m.conversation_id AND p.user_id <> m.sender_id \
                                        AND p.last_read_seq < m.seq))) \
                          AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.conversation_id = m.conversation_id AND r.status = 'open') \
                        LIMIT ?2) \
                     RETURNING id",
                )
                .bind(now.millis())
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?;
                let mut expired = Vec::with_capacity(ids.len());
                for id in &ids {
                    sqlx::query("DELETE FROM message_reactions WHERE message_id = ?").bind(id).execute(&mut *conn).await?;
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
