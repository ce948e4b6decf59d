//! Reading, searching and changing stored messages on SQLite: one message,
//! full-text search (FTS5), editing its text,
//! deleting it for everyone (content and reactions erased, the tombstone
//! keeps the seq), and toggling reactions. Writes are jobs on the single
//! writer ([`super::writer`]); each re-reads the message on the writing
//! connection so the answer is what was committed.

use super::writer::Writer;
use crate::StoreResult;
use crate::rows;
use crate::sql;
use helpline_core::message::{Message, MessageFlag, Reaction};
use helpline_core::search::SearchQuery;
use helpline_core::{ConversationId, MessageId, Timestamp, UserId};
use sqlx::{SqliteConnection, SqlitePool};

pub(super) async fn message_on(
    conn: &mut SqliteConnection,
    id: &str,
) -> StoreResult<Option<Message>> {
    let row = sqlx::query(select_messages!("WHERE m.id = ?"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(rows::message).transpose()
}

/// Inserts a server-written message ([`helpline_core::notice::SystemNote`])
/// at the seq its caller already took, inside the caller's job.
pub(super) async fn insert_note(conn: &mut SqliteConnection, note: &Message) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO messages (id, conversation_id, seq, sender_id, content, type, client_message_id, created_at, dedup_key) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(note.id.as_str())
    .bind(note.conversation_id.as_str())
    .bind(note.seq)
    .bind(note.sender_id.as_str())
    .bind(&note.content)
    .bind(note.message_type.as_str())
    .bind(&note.client_message_id)
    .bind(note.created_at.millis())
    .bind(super::dedup::message_key(note))
    .execute(conn)
    .await?;
    Ok(())
}

/// See [`crate::Messages::message`].
pub(super) async fn message(readers: &SqlitePool, id: &MessageId) -> StoreResult<Option<Message>> {
    let mut conn = readers.acquire().await?;
    message_on(&mut conn, id.as_str()).await
}

/// See [`crate::Messages::edit_message`].
pub(super) async fn edit_message(
    writer: &Writer,
    id: &MessageId,
    content: &str,
    flags: &[MessageFlag],
    now: Timestamp,
) -> StoreResult<Option<Message>> {
    let (id, content, bits) = (id.clone(), content.to_owned(), MessageFlag::to_bits(flags));
    writer
        .run(move |conn| {
            Box::pin(async move {
                let changed = sqlx::query(sql::edits::EDIT_MESSAGE)
                    .bind(&content)
                    .bind(now.millis())
                    .bind(bits)
                    .bind(id.as_str())
                    .execute(&mut *conn)
                    .await?;
                if changed.rows_affected() == 0 {
                    return Ok(None);
                }
                message_on(conn, id.as_str()).await
            })
        })
        .await
}

/// See [`crate::Messages::delete_message`].
pub(super) async fn delete_message(
    writer: &Writer,
    id: &MessageId,
    now: Timestamp,
) -> StoreResult<Option<Message>> {
    let id = id.clone();
    writer
        .run(move |conn| {
            Box::pin(async move {
                let changed = sqlx::query(sql::edits::DELETE_MESSAGE)
                    .bind(now.millis())
                    .bind(id.as_str())
                    .execute(&mut *conn)
                    .await?;
                if changed.rows_affected() == 0 {
                    return Ok(None);
                }
                sqlx::query(sql::edits::DELETE_REACTIONS)
                    .bind(id.as_str())
                    .execute(&mut *conn)
                    .await?;
                super::attachments::mark_dead(&mut *conn, id.as_str(), now).await?;
                message_on(conn, id.as_str()).await
            })
        })
        .await
}

/// See [`crate::Messages::toggle_reaction`].
pub(super) async fn toggle_reaction(
    writer: &Writer,
    id: &MessageId,
    user: &UserId,
    emoji: &str,
    now: Timestamp,
) -> StoreResult<Option<Vec<Reaction>>> {
    let (id, user, emoji) = (id.clone(), user.clone(), emoji.to_owned());
    writer
        .run(move |conn| {
            Box::pin(async move {
                let alive: Option<i64> = sqlx::query_scalar(
                    "SELECT 1 FROM messages WHERE id = ? AND deleted_at IS NULL",
                )
                .bind(id.as_str())
                .fetch_optional(&mut *conn)
                .await?;
                if alive.is_none() {
                    return Ok(None);
                }
                let removed = sqlx::query(sql::edits::DELETE_REACTION)
                    .bind(id.as_str())
                    .bind(user.as_str())
                    .bind(&emoji)
                    .execute(&mut *conn)
                    .await?;
                if removed.rows_affected() == 0 {
                    sqlx::query(sql::edits::INSERT_MESSAGE_REACTIONS)
                        .bind(id.as_str())
                        .bind(user.as_str())
                        .bind(&emoji)
                        .bind(now.millis())
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(message_on(conn, id.as_str()).await?.map(|m| m.reactions))
            })
        })
        .await
}

/// See [`crate::Messages::search_messages`].
pub(super) async fn search_messages(
    readers: &SqlitePool,
    user: &UserId,
    query: &SearchQuery,
) -> StoreResult<Vec<Message>> {
    let found = sqlx::query(select_messages!(
        "JOIN messages_fts f ON f.rowid = m.rowid \
         JOIN conversation_participants p ON p.conversation_id = m.conversation_id AND p.user_id = ?1 \
         WHERE messages_fts MATCH ?2 AND m.deleted_at IS NULL \
           AND (?3 IS NULL OR m.conversation_id = ?3) AND (?4 IS NULL OR m.seq < ?4) \
         ORDER BY bm25(messages_fts), m.created_at DESC, m.id DESC LIMIT ?5 OFFSET ?6"
    ))
    .bind(user.as_str())
    .bind(query.fts5())
    .bind(query.conversation_id.as_ref().map(ConversationId::as_str))
    .bind(query.before_seq)
    .bind(query.limit)
    .bind(query.offset)
    .fetch_all(readers)
    .await?;
    rows::all(&found, rows::message)
}
