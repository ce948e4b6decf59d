//! Welfare checks on PostgreSQL: settling takes the due rows with
//! `FOR UPDATE SKIP LOCKED`, so racing sweepers on other nodes take others.

use crate::rows;
use crate::sql::welfare as sql;
use crate::{NewWelfare, StoreError, StoreResult, WelfareFilter};
use helpline_core::welfare::WelfareTask;
use helpline_core::{Timestamp, UserId, WelfareId};
use sqlx::PgPool;

async fn task_in(pool: &PgPool, id: &str) -> StoreResult<Option<WelfareTask>> {
    let row = sqlx::query(sql::WELFARE_BY_ID)
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(rows::welfare).transpose()
}

#[async_trait::async_trait]
impl crate::Welfare for super::PostgresStore {
    async fn watch_welfare(&self, new: &NewWelfare) -> StoreResult<WelfareTask> {
        let raised = new.due_at.is_none().then_some(new.now.millis());
        sqlx::query(sql::INSERT_WELFARE)
            .bind(new.id.as_str())
            .bind(new.cause.as_str())
            .bind(new.seeker.as_str())
            .bind(new.volunteer.as_str())
            .bind(new.conversation_id.as_ref().map(|c| c.as_str()))
            .bind(new.since.millis())
            .bind(new.due_at.map(Timestamp::millis))
            .bind(raised)
            .execute(&self.pool)
            .await?;
        task_in(&self.pool, new.id.as_str())
            .await?
            .ok_or_else(|| StoreError::Corrupt("a welfare check vanished as it was stored".into()))
    }

    async fn settle_due_welfare(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<WelfareTask>> {
        let mut tx = self.pool.begin().await?;
        let due: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT id, seeker_id, volunteer_id, since FROM welfare_checks \
             WHERE due_at <= $1 AND raised_at IS NULL AND cleared_at IS NULL \
             ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED",
        )
        .bind(now.millis())
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let mut raised = Vec::new();
        for (id, seeker, volunteer, since) in due {
            let in_touch: bool = sqlx::query_scalar(sql::IN_TOUCH)
                .bind(&seeker)
                .bind(&volunteer)
                .bind(since)
                .bind(now.millis())
                .fetch_one(&mut *tx)
                .await?;
            let statement = if in_touch {
                sql::CLEAR_WELFARE
            } else {
                sql::RAISE_WELFARE
            };
            let done = sqlx::query(statement)
                .bind(now.millis())
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            if !in_touch && done.rows_affected() == 1 {
                raised.push(id);
            }
        }
        tx.commit().await?;
        let mut tasks = Vec::with_capacity(raised.len());
        for id in &raised {
            tasks.extend(task_in(&self.pool, id).await?);
        }
        Ok(tasks)
    }

    async fn welfare_task(&self, id: &WelfareId) -> StoreResult<Option<WelfareTask>> {
        task_in(&self.pool, id.as_str()).await
    }

    async fn welfare_tasks(
        &self,
        filter: &WelfareFilter,
        limit: i64,
    ) -> StoreResult<Vec<WelfareTask>> {
        let query = match filter {
            WelfareFilter::All => sqlx::query(sql::ALL_WELFARE).bind(limit),
            WelfareFilter::Open => sqlx::query(sql::OPEN_WELFARE).bind(limit),
            WelfareFilter::Resolved => sqlx::query(sql::RESOLVED_WELFARE).bind(limit),
            WelfareFilter::OpenFor(seeker) => sqlx::query(sql::OPEN_WELFARE_FOR)
                .bind(seeker.as_str())
                .bind(limit),
        };
        let found = query.fetch_all(&self.pool).await?;
        rows::all(&found, rows::welfare)
    }

    async fn resolve_welfare(
        &self,
        id: &WelfareId,
        by: &UserId,
        note: &str,
        now: Timestamp,
    ) -> StoreResult<Option<WelfareTask>> {
        let done = sqlx::query(sql::RESOLVE_WELFARE)
            .bind(now.millis())
            .bind(by.as_str())
            .bind(note)
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        task_in(&self.pool, id.as_str()).await
    }

    async fn in_touch(
        &self,
        a: &UserId,
        b: &UserId,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<bool> {
        Ok(sqlx::query_scalar(sql::IN_TOUCH)
            .bind(a.as_str())
            .bind(b.as_str())
            .bind(from.millis())
            .bind(to.millis())
            .fetch_one(&self.pool)
            .await?)
    }
}
