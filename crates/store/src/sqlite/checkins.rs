//! Check-ins on SQLite: writes are jobs on the single writer (so each
//! conditional step happens for one caller); reads use the reader pool.

use crate::rows;
use crate::sql::checkins as sql;
use crate::{CheckinStep, NewCheckin, StoreError, StoreResult};
use helpline_core::checkins::{Checkin, CheckinOutcome, CheckinStatus};
use helpline_core::{CheckinId, Timestamp, UserId};
use sqlx::SqliteConnection;

async fn checkin_on(conn: &mut SqliteConnection, id: &str) -> StoreResult<Option<Checkin>> {
    let row = sqlx::query(sql::CHECKIN_BY_ID)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(rows::checkin).transpose()
}

#[async_trait::async_trait]
impl crate::Checkins for super::SqliteStore {
    async fn propose_checkin(&self, new: &NewCheckin) -> StoreResult<Checkin> {
        let new = new.clone();
        self.writer
            .run(move |conn| {
                let new = new.clone();
                Box::pin(async move {
                    sqlx::query(sql::INSERT_CHECKIN)
                        .bind(new.id.as_str())
                        .bind(new.seeker.as_str())
                        .bind(new.volunteer.as_str())
                        .bind(new.proposed_by.as_str())
                        .bind(new.schedule.weekday.as_str())
                        .bind(i64::from(new.schedule.time.minutes()))
                        .bind(new.schedule.time_zone.as_str())
                        .bind(new.kind.as_str())
                        .bind(new.now.millis())
                        .execute(&mut *conn)
                        .await?;
                    checkin_on(conn, new.id.as_str()).await?.ok_or_else(|| {
                        StoreError::Corrupt("a check-in vanished as it was stored".into())
                    })
                })
            })
            .await
    }

    async fn checkin(&self, id: &CheckinId) -> StoreResult<Option<Checkin>> {
        let mut conn = self.readers.acquire().await?;
        checkin_on(&mut conn, id.as_str()).await
    }

    async fn checkins_of(&self, user: &UserId) -> StoreResult<Vec<Checkin>> {
        let found = sqlx::query(sql::CHECKINS_OF)
            .bind(user.as_str())
            .fetch_all(&self.readers)
            .await?;
        rows::all(&found, rows::checkin)
    }

    async fn move_checkin(
        &self,
        id: &CheckinId,
        from: &[CheckinStatus],
        to: CheckinStatus,
        next_at: Option<Timestamp>,
    ) -> StoreResult<Option<Checkin>> {
        let [a, b, c] = sql::from_three(from);
        let id = id.clone();
        self.writer
            .run(move |conn| {
                let id = id.clone();
                Box::pin(async move {
                    let done = sqlx::query(sql::MOVE_CHECKIN)
                        .bind(to.as_str())
                        .bind(next_at.map(Timestamp::millis))
                        .bind(id.as_str())
                        .bind(a)
                        .bind(b)
                        .bind(c)
                        .execute(&mut *conn)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Ok(None);
                    }
                    checkin_on(conn, id.as_str()).await
                })
            })
            .await
    }

    async fn checkins_due(
        &self,
        until: Timestamp,
        settle_by: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<Checkin>> {
        let found = sqlx::query(sql::CHECKINS_DUE)
            .bind(until.millis())
            .bind(settle_by.millis())
            .bind(limit)
            .fetch_all(&self.readers)
            .await?;
        rows::all(&found, rows::checkin)
    }

    async fn mark_checkin_step(
        &self,
        id: &CheckinId,
        at: Timestamp,
        step: CheckinStep,
    ) -> StoreResult<bool> {
        let statement = match step {
            CheckinStep::Reminded => sql::MARK_REMINDED,
            CheckinStep::Announced => sql::MARK_ANNOUNCED,
        };
        let id = id.clone();
        self.writer
            .run(move |conn| {
                let id = id.clone();
                Box::pin(async move {
                    let done = sqlx::query(statement)
                        .bind(at.millis())
                        .bind(id.as_str())
                        .execute(&mut *conn)
                        .await?;
                    Ok(done.rows_affected() == 1)
                })
            })
            .await
    }

    async fn settle_checkin(
        &self,
        id: &CheckinId,
        at: Timestamp,
        outcome: CheckinOutcome,
        next_at: Option<Timestamp>,
    ) -> StoreResult<Option<Checkin>> {
        let id = id.clone();
        self.writer
            .run(move |conn| {
                let id = id.clone();
                Box::pin(async move {
                    let done = sqlx::query(sql::SETTLE_CHECKIN)
                        .bind(next_at.map(Timestamp::millis))
                        .bind(outcome.as_str())
                        .bind(at.millis())
                        .bind(id.as_str())
                        .execute(&mut *conn)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Ok(None);
                    }
                    sqlx::query(sql::INSERT_OCCURRENCE)
                        .bind(id.as_str())
                        .bind(at.millis())
                        .bind(outcome.as_str())
                        .execute(&mut *conn)
                        .await?;
                    checkin_on(conn, id.as_str()).await
                })
            })
            .await
    }

    async fn reset_checkin_misses(&self, id: &CheckinId) -> StoreResult<()> {
        let id = id.clone();
        self.writer
            .run(move |conn| {
                let id = id.clone();
                Box::pin(async move {
                    sqlx::query(sql::RESET_MISSES)
                        .bind(id.as_str())
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn have_talked(&self, a: &UserId, b: &UserId) -> StoreResult<bool> {
        Ok(sqlx::query_scalar(sql::HAVE_TALKED)
            .bind(a.as_str())
            .bind(b.as_str())
            .fetch_one(&self.readers)
            .await?)
    }
}
