//! Reading conversations in PostgreSQL: one by id, its participants, and the
//! active ones a user is in (the rooms a socket joins).

use super::PostgresStore;
use crate::StoreResult;
use crate::rows;
use helpline_core::conversation::Conversation;
use helpline_core::{ConversationId, UserId};

/// See [`crate::Store::conversation`].
pub(super) async fn conversation(
    store: &PostgresStore,
    id: &ConversationId,
) -> StoreResult<Option<Conversation>> {
    let row = sqlx::query("SELECT * FROM conversations WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(&store.pool)
        .await?;
    row.as_ref().map(rows::conversation).transpose()
}

/// See [`crate::Store::participants`].
pub(super) async fn participants(
    store: &PostgresStore,
    id: &ConversationId,
) -> StoreResult<Vec<UserId>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT user_id FROM conversation_participants WHERE conversation_id = $1 ORDER BY user_id",
    )
    .bind(id.as_str())
    .fetch_all(&store.pool)
    .await?;
    Ok(ids.into_iter().map(UserId::from_trusted).collect())
}

/// See [`crate::Store::active_conversations_of`].
pub(super) async fn active_conversations_of(
    store: &PostgresStore,
    user: &UserId,
) -> StoreResult<Vec<ConversationId>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT c.id FROM conversations c JOIN conversation_participants p ON p.conversation_id = c.id \
         WHERE p.user_id = $1 AND c.status = 'active'",
    )
    .bind(user.as_str())
    .fetch_all(&store.pool)
    .await?;
    Ok(ids.into_iter().map(ConversationId::from_trusted).collect())
}
