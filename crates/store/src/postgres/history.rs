//! Reading a conversation's messages in pages, forwards from a seq (sync)
//! and backwards from one (history), in PostgreSQL.

use super::PostgresStore;
use crate::StoreResult;
use crate::rows;
use helpline_core::ConversationId;
use helpline_core::message::Message;

/// See [`crate::Messages::messages_after`].
pub(super) async fn messages_after(
    store: &PostgresStore,
    id: &ConversationId,
    after_seq: i64,
    limit: i64,
) -> StoreResult<Vec<Message>> {
    let found = sqlx::query(select_messages!(
        "WHERE m.conversation_id = $1 AND m.seq > $2 ORDER BY m.seq LIMIT $3"
    ))
    .bind(id.as_str())
    .bind(after_seq)
    .bind(limit)
    .fetch_all(&store.pool)
    .await?;
    rows::all(&found, rows::message)
}

/// See [`crate::Messages::messages_before`].
pub(super) async fn messages_before(
    store: &PostgresStore,
    id: &ConversationId,
    before_seq: Option<i64>,
    limit: i64,
) -> StoreResult<Vec<Message>> {
    let found = sqlx::query(select_messages!(
        "WHERE m.conversation_id = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3"
    ))
    .bind(id.as_str())
    .bind(before_seq.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(&store.pool)
    .await?;
    let mut messages = rows::all(&found, rows::message)?;
    messages.reverse();
    Ok(messages)
}
