//! Per-participant marks on SQLite: the delivered mark (raised when a
//! device receives messages) and archiving. Both are jobs on the single
//! writer ([`super::writer`]).

use super::writer::Writer;
use crate::StoreResult;
use helpline_core::{ConversationId, Timestamp, UserId};

/// See [`crate::Store::mark_delivered`].
pub(super) async fn mark_delivered(
    writer: &Writer,
    id: &ConversationId,
    user: &UserId,
    up_to_seq: i64,
) -> StoreResult<Option<i64>> {
    let (id, user) = (id.clone(), user.clone());
    writer
        .run(move |conn| {
            Box::pin(async move {
                Ok(sqlx::query_scalar(
                    "UPDATE conversation_participants \
                        SET last_delivered_seq = MIN(?1, (SELECT last_seq FROM conversations WHERE id = ?2)) \
                      WHERE conversation_id = ?2 AND user_id = ?3 \
                        AND last_delivered_seq < MIN(?1, (SELECT last_seq FROM conversations WHERE id = ?2)) \
                      RETURNING last_delivered_seq",
                )
                .bind(up_to_seq)
                .bind(id.as_str())
                .bind(user.as_str())
                .fetch_optional(conn)
                .await?)
            })
        })
        .await
}

/// See [`crate::Store::set_archived`].
pub(super) async fn set_archived(
    writer: &Writer,
    id: &ConversationId,
    user: &UserId,
    archived: bool,
    now: Timestamp,
) -> StoreResult<bool> {
    let (id, user) = (id.clone(), user.clone());
    writer
        .run(move |conn| {
            Box::pin(async move {
                let changed = sqlx::query("UPDATE conversation_participants SET archived_at = ? WHERE conversation_id = ? AND user_id = ?")
                    .bind(archived.then_some(now.millis()))
                    .bind(id.as_str())
                    .bind(user.as_str())
                    .execute(conn)
                    .await?;
                Ok(changed.rows_affected() == 1)
            })
        })
        .await
}
