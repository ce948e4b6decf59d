//! Per-participant marks on PostgreSQL: the delivered mark (raised when a
//! device receives messages) and archiving. Each is one conditional update.

use crate::StoreResult;
use helpline_core::{ConversationId, Timestamp, UserId};
use sqlx::PgPool;

/// See [`crate::Store::mark_delivered`].
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

/// See [`crate::Store::set_archived`].
pub(super) async fn set_archived(
    pool: &PgPool,
    id: &ConversationId,
    user: &UserId,
    archived: bool,
    now: Timestamp,
) -> StoreResult<bool> {
    let changed = sqlx::query("UPDATE conversation_participants SET archived_at = $1 WHERE conversation_id = $2 AND user_id = $3")
        .bind(archived.then_some(now.millis()))
        .bind(id.as_str())
        .bind(user.as_str())
        .execute(pool)
        .await?;
    Ok(changed.rows_affected() == 1)
}
