//! Attachments on SQLite: storing an upload within its uploader's quota,
//! reading one, checking one may be sent with a message (used by the
//! append), and the sweep that removes attachments nobody can reach any
//! more. Writes are jobs on the single writer ([`super::writer`]), which
//! makes the quota check and the insert one atomic step.

use crate::StoreResult;
use crate::rows;
use crate::sql;
use helpline_core::attachment::Attachment;
use helpline_core::{AttachmentId, Timestamp};
use sqlx::SqliteConnection;

/// Marks the attachments of these (just deleted) messages dead, for the sweep.
pub(super) async fn mark_dead(
    conn: &mut SqliteConnection,
    message_id: &str,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query("UPDATE attachments SET dead_at = ? WHERE message_id = ? AND dead_at IS NULL")
        .bind(now.millis())
        .bind(message_id)
        .execute(conn)
        .await?;
    Ok(())
}

#[async_trait::async_trait]
impl crate::Attachments for super::SqliteStore {
    async fn create_attachment(
        &self,
        attachment: &Attachment,
        quota_bytes: i64,
    ) -> StoreResult<bool> {
        let writer = &self.writer;
        let a = attachment.clone();
        writer
            .run(move |conn| {
                Box::pin(async move {
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
                        .execute(conn)
                        .await?;
                    Ok(stored.rows_affected() == 1)
                })
            })
            .await
    }

    async fn attachment(&self, id: &AttachmentId) -> StoreResult<Option<Attachment>> {
        let readers = &self.readers;
        let row = sqlx::query(sql::attachments::SELECT_ATTACHMENTS_BY_ID)
            .bind(id.as_str())
            .fetch_optional(readers)
            .await?;
        row.as_ref().map(rows::attachment).transpose()
    }

    async fn take_dead_attachments(
        &self,
        unsent_before: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<Attachment>> {
        let writer = &self.writer;
        writer
            .run(move |conn| {
                Box::pin(async move {
                    let found = sqlx::query(
                        "DELETE FROM attachments WHERE id IN ( \
                       SELECT id FROM attachments WHERE dead_at IS NOT NULL \
                       UNION ALL \
                       SELECT id FROM attachments WHERE message_id IS NULL AND created_at < ?1 \
                       LIMIT ?2) \
                     RETURNING *",
                    )
                    .bind(unsent_before.millis())
                    .bind(limit)
                    .fetch_all(conn)
                    .await?;
                    rows::all(&found, rows::attachment)
                })
            })
            .await
    }
}
