//! Blocks and reports on PostgreSQL: each write one statement, except a
//! block, which first locks what it must not pass unseen.

use crate::StoreResult;
use crate::offers::BLOCKED_EITHER_WAY;
use crate::rows;
use crate::sql;
use helpline_core::safety::{BlockedPerson, Report, ReportStatus};
use helpline_core::{ConversationId, MessageId, ReportId, Timestamp, UserId};

#[async_trait::async_trait]
impl crate::Safety for super::PostgresStore {
    /// A block first locks both people's rows (`FOR NO KEY UPDATE`: the
    /// foreign-key checks of a claim's inserts still pass), then their
    /// pending requests.
    /// A request being opened holds its seeker's row shared until it
    /// commits: the block waits for it and then locks it too, and a request
    /// opened after the block reads it. A claim between the two that
    /// already holds a request's lock commits first (the block comes after
    /// it), and one that waits for it reads the block once it has the row;
    /// an offer recorded later reads it too. So a block never passes an
    /// opening, an offer or a claim unseen.
    async fn set_block(
        &self,
        blocker: &UserId,
        blocked: &UserId,
        blocking: bool,
        now: Timestamp,
    ) -> StoreResult<()> {
        let pool = &self.pool;
        if !blocking {
            sqlx::query(sql::safety::DELETE_BLOCKS_BY_BLOCKER_ID_BLOCKED_ID)
                .bind(blocker.as_str())
                .bind(blocked.as_str())
                .execute(pool)
                .await?;
            return Ok(());
        }
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT 1 FROM users WHERE id IN ($1, $2) ORDER BY id FOR NO KEY UPDATE")
            .bind(blocker.as_str())
            .bind(blocked.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "SELECT id FROM help_requests WHERE senior_id IN ($1, $2) AND status = 'pending' \
             ORDER BY id FOR UPDATE",
        )
        .bind(blocker.as_str())
        .bind(blocked.as_str())
        .fetch_all(&mut *tx)
        .await?;
        sqlx::query(sql::safety::INSERT_BLOCKS_IF_NEW)
            .bind(blocker.as_str())
            .bind(blocked.as_str())
            .bind(now.millis())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn blocked_either_way(&self, a: &UserId, b: &UserId) -> StoreResult<bool> {
        let pool = &self.pool;
        Ok(sqlx::query_scalar(BLOCKED_EITHER_WAY)
            .bind(a.as_str())
            .bind(b.as_str())
            .fetch_one(pool)
            .await?)
    }

    async fn blockers_of(&self, user: &UserId) -> StoreResult<Vec<UserId>> {
        let pool = &self.pool;
        let ids: Vec<String> = sqlx::query_scalar(sql::safety::BLOCKERS_OF)
            .bind(user.as_str())
            .fetch_all(pool)
            .await?;
        Ok(ids.into_iter().map(UserId::from_trusted).collect())
    }

    async fn blocked_by(&self, blocker: &UserId) -> StoreResult<Vec<BlockedPerson>> {
        let pool = &self.pool;
        let found = sqlx::query(sql::safety::BLOCKED_BY)
            .bind(blocker.as_str())
            .fetch_all(pool)
            .await?;
        rows::all(&found, rows::blocked_person)
    }

    async fn create_report(&self, report: &Report) -> StoreResult<()> {
        let pool = &self.pool;
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
            .execute(pool)
            .await?;
        Ok(())
    }

    async fn reports(&self, status: Option<ReportStatus>) -> StoreResult<Vec<Report>> {
        let pool = &self.pool;
        let found = sqlx::query(
            "SELECT * FROM reports WHERE $1::TEXT IS NULL OR status = $1 \
         ORDER BY CASE status WHEN 'open' THEN 0 ELSE 1 END, created_at DESC, id DESC",
        )
        .bind(status.map(ReportStatus::as_str))
        .fetch_all(pool)
        .await?;
        rows::all(&found, rows::report)
    }

    async fn resolve_report(
        &self,
        id: &ReportId,
        by: &UserId,
        now: Timestamp,
    ) -> StoreResult<Option<Report>> {
        let pool = &self.pool;
        let row = sqlx::query(sql::safety::RESOLVE_REPORT)
            .bind(now.millis())
            .bind(by.as_str())
            .bind(id.as_str())
            .fetch_optional(pool)
            .await?;
        row.as_ref().map(rows::report).transpose()
    }
}
