//! Reading, searching and changing stored messages on PostgreSQL: one
//! message, full-text search (tsvector), editing its text,
//! deleting it for everyone (content and reactions erased, the tombstone
//! keeps the seq), and toggling reactions. Each write is one transaction
//! that locks the message row first, so concurrent toggles and deletes of
//! one message run one after another.

use crate::StoreResult;
use crate::rows;
use crate::sql;
use helpline_core::message::{Message, MessageFlag, Reaction};
use helpline_core::search::SearchQuery;
use helpline_core::{ConversationId, MessageId, Timestamp, UserId};
use sqlx::{PgConnection, PgPool};

pub(super) async fn message_on(conn: &mut PgConnection, id: &str) -> StoreResult<Option<Message>> {
    let row = sqlx::query(select_messages!("WHERE m.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(rows::message).transpose()
}

/// Inserts a server-written message ([`helpline_core::notice::SystemNote`])
/// at the seq its caller already took, inside the caller's transaction.
pub(super) async fn insert_note(conn: &mut PgConnection, note: &Message) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO messages (id, conversation_id, seq, sender_id, content, type, client_message_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(note.id.as_str())
    .bind(note.conversation_id.as_str())
    .bind(note.seq)
    .bind(note.sender_id.as_str())
    .bind(&note.content)
    .bind(note.message_type.as_str())
    .bind(&note.client_message_id)
    .bind(note.created_at.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// See [`crate::Messages::message`].
pub(super) async fn message(pool: &PgPool, id: &MessageId) -> StoreResult<Option<Message>> {
    let mut conn = pool.acquire().await?;
    message_on(&mut conn, id.as_str()).await
}

/// See [`crate::Messages::edit_message`].
pub(super) async fn edit_message(
    pool: &PgPool,
    id: &MessageId,
    content: &str,
    flags: &[MessageFlag],
    now: Timestamp,
) -> StoreResult<Option<Message>> {
    let mut tx = pool.begin().await?;
    let changed = sqlx::query(sql::edits::EDIT_MESSAGE)
        .bind(content)
        .bind(now.millis())
        .bind(MessageFlag::to_bits(flags))
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
    if changed.rows_affected() == 0 {
        tx.rollback().await?;
        return Ok(None);
    }
    let message = message_on(&mut tx, id.as_str()).await?;
    tx.commit().await?;
    Ok(message)
}

/// See [`crate::Messages::delete_message`].
pub(super) async fn delete_message(
    pool: &PgPool,
    id: &MessageId,
    now: Timestamp,
) -> StoreResult<Option<Message>> {
    let mut tx = pool.begin().await?;
    let changed = sqlx::query(sql::edits::DELETE_MESSAGE)
        .bind(now.millis())
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
    if changed.rows_affected() == 0 {
        tx.rollback().await?;
        return Ok(None);
    }
    sqlx::query(sql::edits::DELETE_REACTIONS)
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
    super::attachments::mark_dead(&mut tx, &[id.as_str().to_owned()], now).await?;
    let message = message_on(&mut tx, id.as_str()).await?;
    tx.commit().await?;
    Ok(message)
}

/// See [`crate::Messages::toggle_reaction`].
pub(super) async fn toggle_reaction(
    pool: &PgPool,
    id: &MessageId,
    user: &UserId,
    emoji: &str,
    now: Timestamp,
) -> StoreResult<Option<Vec<Reaction>>> {
    let mut tx = pool.begin().await?;
    // Locks the message: toggles of it, and its deletion, queue here.
    let alive: Option<i64> = sqlx::query_scalar(
        "SELECT 1::BIGINT FROM messages WHERE id = $1 AND deleted_at IS NULL FOR UPDATE",
    )
    .bind(id.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    if alive.is_none() {
        tx.rollback().await?;
        return Ok(None);
    }
    let removed = sqlx::query(sql::edits::DELETE_REACTION)
        .bind(id.as_str())
        .bind(user.as_str())
        .bind(emoji)
        .execute(&mut *tx)
        .await?;
    if removed.rows_affected() == 0 {
        sqlx::query(sql::edits::INSERT_MESSAGE_REACTIONS)
            .bind(id.as_str())
            .bind(user.as_str())
            .bind(emoji)
            .bind(now.millis())
            .execute(&mut *tx)
            .await?;
    }
    let reactions = message_on(&mut tx, id.as_str()).await?.map(|m| m.reactions);
    tx.commit().await?;
    Ok(reactions)
}

/// See [`crate::Messages::search_messages`].
pub(super) async fn search_messages(
    pool: &PgPool,
    user: &UserId,
    query: &SearchQuery,
) -> StoreResult<Vec<Message>> {
    let found = sqlx::query(select_messages!(
        "JOIN conversation_participants p ON p.conversation_id = m.conversation_id AND p.user_id = $1 \
         WHERE m.search @@ plainto_tsquery('simple', $2) AND m.deleted_at IS NULL \
           AND ($3::TEXT IS NULL OR m.conversation_id = $3) AND ($4::BIGINT IS NULL OR m.seq < $4) \
         ORDER BY ts_rank(m.search, plainto_tsquery('simple', $2)) DESC, m.created_at DESC, m.id DESC \
         LIMIT $5 OFFSET $6"
    ))
    .bind(user.as_str())
    .bind(query.plain())
    .bind(query.conversation_id.as_ref().map(ConversationId::as_str))
    .bind(query.before_seq)
    .bind(query.limit)
    .bind(query.offset)
    .fetch_all(pool)
    .await?;
    rows::all(&found, rows::message)
}
