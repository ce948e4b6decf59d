//! Blocks and reports on SQLite. Writes are jobs on the single writer
//! ([`super::writer`]); reads use the reader pool.

use super::writer::Writer;
use crate::StoreResult;
use crate::offers::BLOCKED_EITHER_WAY;
use crate::rows;
use helpline_core::safety::{BlockedPerson, Report, ReportStatus};
use helpline_core::{ConversationId, MessageId, ReportId, Timestamp, UserId};
use sqlx::SqlitePool;

/// See [`crate::Safety::set_block`].
pub(super) async fn set_block(
    writer: &Writer,
    blocker: &UserId,
    blocked: &UserId,
    blocking: bool,
    now: Timestamp,
) -> StoreResult<()> {
    let (blocker, blocked) = (blocker.clone(), blocked.clone());
    writer
        .run(move |conn| {
            Box::pin(async move {
                if blocking {
                    sqlx::query("INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
                        .bind(blocker.as_str())
                        .bind(blocked.as_str())
                        .bind(now.millis())
                        .execute(conn)
                        .await?;
                } else {
                    sqlx::query("DELETE FROM blocks WHERE blocker_id = ? AND blocked_id = ?")
                        .bind(blocker.as_str())
                        .bind(blocked.as_str())
                        .execute(conn)
                        .await?;
                }
                Ok(())
            })
        })
        .await
}

/// See [`crate::Safety::blocked_either_way`].
pub(super) async fn blocked_either_way(
    readers: &SqlitePool,
    a: &UserId,
    b: &UserId,
) -> StoreResult<bool> {
    Ok(sqlx::query_scalar(BLOCKED_EITHER_WAY)
        .bind(a.as_str())
        .bind(b.as_str())
        .fetch_one(readers)
        .await?)
}

/// See [`crate::Safety::blockers_of`].
pub(super) async fn blockers_of(readers: &SqlitePool, user: &UserId) -> StoreResult<Vec<UserId>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT blocker_id FROM blocks WHERE blocked_id = ? ORDER BY blocker_id",
    )
    .bind(user.as_str())
    .fetch_all(readers)
    .await?;
    Ok(ids.into_iter().map(UserId::from_trusted).collect())
}

/// See [`crate::Safety::blocked_by`].
pub(super) async fn blocked_by(
    readers: &SqlitePool,
    blocker: &UserId,
) -> StoreResult<Vec<BlockedPerson>> {
    let found = sqlx::query(
        "SELECT u.id, u.display_name, b.created_at FROM blocks b JOIN users u ON u.id = b.blocked_id \
         WHERE b.blocker_id = ? ORDER BY b.created_at DESC, u.id",
    )
    .bind(blocker.as_str())
    .fetch_all(readers)
    .await?;
    rows::all(&found, rows::blocked_person)
}

/// See [`crate::Safety::create_report`].
pub(super) async fn create_report(writer: &Writer, report: &Report) -> StoreResult<()> {
    let report = report.clone();
    writer
        .run(move |conn| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO reports (id, reporter_id, user_id, message_id, conversation_id, message_excerpt, reason, status, created_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(report.id.as_str())
                .bind(report.reporter_id.as_str())
                .bind(report.user_id.as_str())
                .bind(report.message_id.as_ref().map(MessageId::as_str))
                .bind(report.conversation_id.as_ref().map(ConversationId::as_str))
                .bind(report.message_excerpt.as_deref())
                .bind(&report.reason)
                .bind(report.status.as_str())
                .bind(report.created_at.millis())
                .execute(conn)
                .await?;
                Ok(())
            })
        })
        .await
}

/// See [`crate::Safety::reports`].
pub(super) async fn reports(
    readers: &SqlitePool,
    status: Option<ReportStatus>,
) -> StoreResult<Vec<Report>> {
    let found = sqlx::query(
        "SELECT * FROM reports WHERE ?1 IS NULL OR status = ?1 \
         ORDER BY CASE status WHEN 'open' THEN 0 ELSE 1 END, created_at DESC, id DESC",
    )
    .bind(status.map(ReportStatus::as_str))
    .fetch_all(readers)
    .await?;
    rows::all(&found, rows::report)
}

/// See [`crate::Safety::resolve_report`].
pub(super) async fn resolve_report(
    writer: &Writer,
    id: &ReportId,
    by: &UserId,
    now: Timestamp,
) -> StoreResult<Option<Report>> {
    let (id, by) = (id.clone(), by.clone());
    writer
        .run(move |conn| {
            Box::pin(async move {
                let row = sqlx::query(
                    "UPDATE reports SET status = 'resolved', resolved_at = ?, resolved_by = ? WHERE id = ? AND status = 'open' RETURNING *",
                )
                .bind(now.millis())
                .bind(by.as_str())
                .bind(id.as_str())
                .fetch_optional(conn)
                .await?;
                row.as_ref().map(rows::report).transpose()
            })
        })
        .await
}

#[async_trait::async_trait]
impl crate::Safety for super::SqliteStore {
    async fn set_block(
        &self,
        blocker: &UserId,
        blocked: &UserId,
        blocking: bool,
        now: Timestamp,
    ) -> StoreResult<()> {
        set_block(&self.writer, blocker, blocked, blocking, now).await
    }

    async fn blocked_either_way(&self, a: &UserId, b: &UserId) -> StoreResult<bool> {
        blocked_either_way(&self.readers, a, b).await
    }

    async fn blockers_of(&self, user: &UserId) -> StoreResult<Vec<UserId>> {
        blockers_of(&self.readers, user).await
    }

    async fn blocked_by(&self, blocker: &UserId) -> StoreResult<Vec<BlockedPerson>> {
        blocked_by(&self.readers, blocker).await
    }

    async fn create_report(&self, report: &Report) -> StoreResult<()> {
        create_report(&self.writer, report).await
    }

    async fn reports(&self, status: Option<ReportStatus>) -> StoreResult<Vec<Report>> {
        reports(&self.readers, status).await
    }

    async fn resolve_report(
        &self,
        id: &ReportId,
        by: &UserId,
        now: Timestamp,
    ) -> StoreResult<Option<Report>> {
        resolve_report(&self.writer, id, by, now).await
    }
}
