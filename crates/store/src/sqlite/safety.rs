//! Blocks and reports on SQLite. Writes are jobs on the single writer
//! ([`super::writer`]); reads use the reader pool.

use crate::StoreResult;
use crate::offers::BLOCKED_EITHER_WAY;
use crate::rows;
use crate::sql;
use helpline_core::safety::{BlockedPerson, Report, ReportStatus};
use helpline_core::{ConversationId, MessageId, ReportId, Timestamp, UserId};

#[async_trait::async_trait]
impl crate::Safety for super::SqliteStore {
    async fn set_block(
        &self,
        blocker: &UserId,
        blocked: &UserId,
        blocking: bool,
        now: Timestamp,
    ) -> StoreResult<()> {
        let writer = &self.writer;
        let (blocker, blocked) = (blocker.clone(), blocked.clone());
        writer
            .run(move |conn| {
                Box::pin(async move {
                    if blocking {
                        sqlx::query(sql::safety::INSERT_BLOCKS_IF_NEW)
                            .bind(blocker.as_str())
                            .bind(blocked.as_str())
                            .bind(now.millis())
                            .execute(conn)
                            .await?;
                    } else {
                        sqlx::query(sql::safety::DELETE_BLOCKS_BY_BLOCKER_ID_BLOCKED_ID)
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

    async fn blocked_either_way(&self, a: &UserId, b: &UserId) -> StoreResult<bool> {
        let readers = &self.readers;
        Ok(sqlx::query_scalar(BLOCKED_EITHER_WAY)
            .bind(a.as_str())
            .bind(b.as_str())
            .fetch_one(readers)
            .await?)
    }

    async fn blockers_of(&self, user: &UserId) -> StoreResult<Vec<UserId>> {
        let readers = &self.readers;
        let ids: Vec<String> = sqlx::query_scalar(sql::safety::BLOCKERS_OF)
            .bind(user.as_str())
            .fetch_all(readers)
            .await?;
        Ok(ids.into_iter().map(UserId::from_trusted).collect())
    }

    async fn blocked_by(&self, blocker: &UserId) -> StoreResult<Vec<BlockedPerson>> {
        let readers = &self.readers;
        let found = sqlx::query(sql::safety::BLOCKED_BY)
            .bind(blocker.as_str())
            .fetch_all(readers)
            .await?;
        rows::all(&found, rows::blocked_person)
    }

    async fn create_report(&self, report: &Report) -> StoreResult<()> {
        let writer = &self.writer;
        let report = report.clone();
        writer
            .run(move |conn| {
                Box::pin(async move {
                    sqlx::query(sql::safety::INSERT_REPORTS)
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

    async fn reports(&self, status: Option<ReportStatus>) -> StoreResult<Vec<Report>> {
        let readers = &self.readers;
        let found = sqlx::query(
            "SELECT * FROM reports WHERE ?1 IS NULL OR status = ?1 \
         ORDER BY CASE status WHEN 'open' THEN 0 ELSE 1 END, created_at DESC, id DESC",
        )
        .bind(status.map(ReportStatus::as_str))
        .fetch_all(readers)
        .await?;
        rows::all(&found, rows::report)
    }

    async fn resolve_report(
        &self,
        id: &ReportId,
        by: &UserId,
        now: Timestamp,
    ) -> StoreResult<Option<Report>> {
        let writer = &self.writer;
        let (id, by) = (id.clone(), by.clone());
        writer
            .run(move |conn| {
                Box::pin(async move {
                    let row = sqlx::query(sql::safety::RESOLVE_REPORT)
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
}
