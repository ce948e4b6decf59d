//! Per-participant marks on PostgreSQL: the delivered mark (raised when a
//! device receives messages) and archiving. Each is one conditional update.

use super::PostgresStore;
use crate::StoreResult;
use crate::sql;
use helpline_core::{ConversationId, Timestamp, UserId};
use sqlx::PgPool;

/// See [`crate::Conversations::mark_delivered`].
pub(super) async fn mark_delivered(
    pool: &PgPool,
    id: &ConversationId,
    user: &UserId,
    up_to_seq: i64,
) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "UPDATE conversation_participants p SET last_delivered_seq = LEAST($1, c.last_seq) \
           FROM conversations c \
          WHERE c.id = p.conversation_id AND p.conversation_id = $2 AND p.user_id = $3 \
            AND p.last_delivered_seq < LEAST($1, c.last_seq) \
          RETURNING p.last_delivered_seq",
    )
    .bind(up_to_seq)
    .bind(id.as_str())
    .bind(user.as_str())
    .fetch_optional(pool)
    .await?)
}

/// See [`crate::Conversations::set_archived`].
pub(super) async fn set_archived(
    pool: &PgPool,
    id: &ConversationId,
    user: &UserId,
    archived: bool,
    now: Timestamp,
) -> StoreResult<bool> {
    let changed = sqlx::query(sql::receipts::SET_ARCHIVED_AT)
        .bind(archived.then_some(now.millis()))
        .bind(id.as_str())
        .bind(user.as_str())
        .execute(pool)
        .await?;
    Ok(changed.rows_affected() == 1)
}

/// See [`crate::Conversations::mark_read`].
pub(super) async fn mark_read(
    store: &PostgresStore,
    id: &ConversationId,
    user: &UserId,
    up_to_seq: i64,
) -> StoreResult<i64> {
    let mark: Option<i64> = sqlx::query_scalar(
        "WITH capped AS (SELECT GREATEST(p.last_read_seq, LEAST($1, c.last_seq)) AS mark \
                           FROM conversation_participants p JOIN conversations c ON c.id = p.conversation_id \
                          WHERE p.conversation_id = $2 AND p.user_id = $3) \
         UPDATE conversation_participants SET last_read_seq = capped.mark, \
                last_delivered_seq = GREATEST(last_delivered_seq, capped.mark) \
           FROM capped WHERE conversation_id = $2 AND user_id = $3 RETURNING last_read_seq",
    )
    .bind(up_to_seq)
    .bind(id.as_str())
    .bind(user.as_str())
    .fetch_optional(&store.pool)
    .await?;
    Ok(mark.unwrap_or(0))
}
