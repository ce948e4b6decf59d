//! Attachments on PostgreSQL: storing an upload within its uploader's quota
//! (the uploader's user row is locked first, so concurrent uploads by one
//! person, on any process, are checked one after another), reading one,
//! checking one may be sent with a message (used by the append, which locks
//! the upload so two messages can never take it), and the sweep that
//! removes attachments nobody can reach any more (`SKIP LOCKED`, so
//! sweepers on several processes never take the same one).

use crate::StoreResult;
use crate::rows;
use crate::sql;
use helpline_core::attachment::{Attachment, AttachmentInfo};
use helpline_core::{AttachmentId, ConversationId, Timestamp, UserId};
use sqlx::PgConnection;

/// The attachment `id` if `sender` uploaded it to `conversation` and it is
/// not sent yet, locked until the append commits; the append attaches it
/// after inserting the message.
pub(super) async fn sendable(
    conn: &mut PgConnection,
    id: &AttachmentId,
    conversation: &ConversationId,
    sender: &UserId,
) -> StoreResult<Option<AttachmentInfo>> {
    let row = sqlx::query(
        "SELECT * FROM attachments WHERE id = $1 AND conversation_id = $2 AND uploader_id = $3 \
         AND message_id IS NULL AND dead_at IS NULL FOR UPDATE",
    )
    .bind(id.as_str())
    .bind(conversation.as_str())
    .bind(sender.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(row
        .as_ref()
        .map(rows::attachment)
        .transpose()?
        .map(|a| a.info()))
}

/// Marks the attachments of these (just deleted) messages dead, for the sweep.
pub(super) async fn mark_dead(
    conn: &mut PgConnection,
    message_ids: &[String],
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE attachments SET dead_at = $1 WHERE message_id = ANY($2) AND dead_at IS NULL",
    )
    .bind(now.millis())
    .bind(message_ids)
    .execute(conn)
    .await?;
    Ok(())
}

#[async_trait::async_trait]
impl crate::Attachments for super::PostgresStore {
    async fn create_attachment(
        &self,
        attachment: &Attachment,
        quota_bytes: i64,
    ) -> StoreResult<bool> {
        let (pool, a) = (&self.pool, attachment);
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
            .bind(a.uploader_id.as_str())
            .execute(&mut *tx)
            .await?;
        let stored = sqlx::query(sql::attachments::INSERT_ATTACHMENTS)
            .bind(a.id.as_str())
            .bind(a.conversation_id.as_str())
            .bind(a.uploader_id.as_str())
            .bind(&a.name)
            .bind(&a.mime)
            .bind(a.size)
            .bind(&a.storage_key)
            .bind(a.thumbnail_key.as_deref())
            .bind(a.created_at.millis())
            .bind(quota_bytes)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(stored.rows_affected() == 1)
    }

    async fn attachment(&self, id: &AttachmentId) -> StoreResult<Option<Attachment>> {
        let pool = &self.pool;
        let row = sqlx::query(sql::attachments::SELECT_ATTACHMENTS_BY_ID)
            .bind(id.as_str())
            .fetch_optional(pool)
            .await?;
        row.as_ref().map(rows::attachment).transpose()
    }

    async fn take_dead_attachments(
        &self,
        unsent_before: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<Attachment>> {
        let pool = &self.pool;
        let found = sqlx::query(
            "WITH due AS ( \
           SELECT id FROM attachments \
            WHERE dead_at IS NOT NULL OR (message_id IS NULL AND created_at < $1) \
            LIMIT $2 FOR UPDATE SKIP LOCKED) \
         DELETE FROM attachments USING due WHERE attachments.id = due.id RETURNING attachments.*",
        )
        .bind(unsent_before.millis())
        .bind(limit)
        .fetch_all(pool)
        .await?;
        rows::all(&found, rows::attachment)
    }
}
