//! Welfare checks on SQLite: writes (and settling, which reads whether the
//! two were in touch before it clears or raises) are jobs on the single
//! writer; reads use the reader pool.

use crate::rows;
use crate::sql::welfare as sql;
use crate::{NewWelfare, StoreError, StoreResult, WelfareFilter};
use helpline_core::welfare::WelfareTask;
use helpline_core::{Timestamp, UserId, WelfareId};
use sqlx::SqliteConnection;

async fn task_on(conn: &mut SqliteConnection, id: &str) -> StoreResult<Option<WelfareTask>> {
    let row = sqlx::query(sql::WELFARE_BY_ID)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(rows::welfare).transpose()
}

#[async_trait::async_trait]
impl crate::Welfare for super::SqliteStore {
    async fn watch_welfare(&self, new: &NewWelfare) -> StoreResult<WelfareTask> {
        let new = new.clone();
        self.writer
            .run(move |conn| {
                let new = new.clone();
                Box::pin(async move {
                    let raised = new.due_at.is_none().then_some(new.now.millis());
                    sqlx::query(sql::INSERT_WELFARE)
                        .bind(new.id.as_str())
                        .bind(new.cause.as_str())
                        .bind(new.seeker.as_str())
                        .bind(new.volunteer.as_str())
                        .bind(new.conversation_id.as_ref().map(|c| c.as_str().to_owned()))
                        .bind(new.since.millis())
                        .bind(new.due_at.map(Timestamp::millis))
                        .bind(raised)
                        .execute(&mut *conn)
                        .await?;
                    task_on(conn, new.id.as_str()).await?.ok_or_else(|| {
                        StoreError::Corrupt("a welfare check vanished as it was stored".into())
                    })
                })
            })
            .await
    }

    async fn settle_due_welfare(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<WelfareTask>> {
        self.writer
            .run(move |conn| {
                Box::pin(async move {
                    let due: Vec<(String, String, String, i64)> = sqlx::query_as(
                        "SELECT id, seeker_id, volunteer_id, since FROM welfare_checks \
                         WHERE due_at <= $1 AND raised_at IS NULL AND cleared_at IS NULL \
                         ORDER BY due_at LIMIT $2",
                    )
                    .bind(now.millis())
                    .bind(limit)
                    .fetch_all(&mut *conn)
                    .await?;
                    let mut raised = Vec::new();
                    for (id, seeker, volunteer, since) in due {
                        let in_touch: bool = sqlx::query_scalar(sql::IN_TOUCH)
                            .bind(&seeker)
                            .bind(&volunteer)
                            .bind(since)
                            .bind(now.millis())
                            .fetch_one(&mut *conn)
                            .await?;
                        let statement = if in_touch {
                            sql::CLEAR_WELFARE
                        } else {
                            sql::RAISE_WELFARE
                        };
                        let done = sqlx::query(statement)
                            .bind(now.millis())
                            .bind(&id)
                            .execute(&mut *conn)
                            .await?;
                        if !in_touch && done.rows_affected() == 1 {
                            raised.extend(task_on(&mut *conn, &id).await?);
                        }
                    }
                    Ok(raised)
                })
            })
            .await
    }

    async fn welfare_task(&self, id: &WelfareId) -> StoreResult<Option<WelfareTask>> {
        let mut conn = self.readers.acquire().await?;
        task_on(&mut conn, id.as_str()).await
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
                .bind(seeker.as_str().to_owned())
                .bind(limit),
        };
        let found = query.fetch_all(&self.readers).await?;
        rows::all(&found, rows::welfare)
    }

    async fn resolve_welfare(
        &self,
        id: &WelfareId,
        by: &UserId,
        note: &str,
        now: Timestamp,
    ) -> StoreResult<Option<WelfareTask>> {
        let (id, by, note) = (id.clone(), by.clone(), note.to_owned());
        self.writer
            .run(move |conn| {
                let (id, by, note) = (id.clone(), by.clone(), note.clone());
                Box::pin(async move {
                    let done = sqlx::query(sql::RESOLVE_WELFARE)
                        .bind(now.millis())
                        .bind(by.as_str())
                        .bind(note.as_str())
                        .bind(id.as_str())
                        .execute(&mut *conn)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Ok(None);
                    }
                    task_on(conn, id.as_str()).await
                })
            })
            .await
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
            .fetch_one(&self.readers)
            .await?)
    }
}
