//! Reading a conversation's messages in pages, forwards from a seq (sync)
//! and backwards from one (history), in SQLite.

use super::SqliteStore;
use crate::StoreResult;
use crate::rows;
use helpline_core::ConversationId;
use helpline_core::message::Message;

/// See [`crate::Messages::messages_after`].
pub(super) async fn messages_after(
    store: &SqliteStore,
    id: &ConversationId,
    after_seq: i64,
    limit: i64,
) -> StoreResult<Vec<Message>> {
    let found = sqlx::query(select_messages!(
        "WHERE m.conversation_id = ? AND m.seq > ? ORDER BY m.seq LIMIT ?"
    ))
    .bind(id.as_str())
    .bind(after_seq)
    .bind(limit)
    .fetch_all(&store.readers)
    .await?;
    rows::all(&found, rows::message)
}

/// See [`crate::Messages::messages_before`].
pub(super) async fn messages_before(
    store: &SqliteStore,
    id: &ConversationId,
    before_seq: Option<i64>,
    limit: i64,
) -> StoreResult<Vec<Message>> {
    let found = sqlx::query(select_messages!(
        "WHERE m.conversation_id = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?"
    ))
    .bind(id.as_str())
    .bind(before_seq.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(&store.readers)
    .await?;
    let mut messages = rows::all(&found, rows::message)?;
    messages.reverse();
    Ok(messages)
}
