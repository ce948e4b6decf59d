//! Volunteers' credentials and load on SQLite: credentials replaced in
//! one writer job, reads on the reader pool.

use crate::StoreResult;
use crate::rows;
use crate::sql;
use helpline_core::request::Topic;
use helpline_core::{RequestId, UserId};
use rusqlite::OptionalExtension;

#[async_trait::async_trait]
impl crate::Volunteers for super::SqliteStore {
    async fn set_credentials(
        &self,
        volunteer: &UserId,
        topics: &[Topic],
    ) -> StoreResult<Option<Vec<Topic>>> {
        let (volunteer, topics) = (volunteer.clone(), topics.to_vec());
        self.writer
            .run(move |conn| {
                Box::pin(async move {
                    let known: i64 = sqlx::query_scalar(sql::volunteers::IS_VOLUNTEER)
                        .bind(volunteer.as_str())
                        .fetch_one(&mut *conn)
                        .await?;
                    if known == 0 {
                        return Ok(None);
                    }
                    sqlx::query(sql::volunteers::CLEAR_CREDENTIALS)
                        .bind(volunteer.as_str())
                        .execute(&mut *conn)
                        .await?;
                    for topic in &topics {
                        sqlx::query(sql::volunteers::INSERT_CREDENTIAL)
                            .bind(volunteer.as_str())
                            .bind(topic.as_str())
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(Some(topics))
                })
            })
            .await
    }

    async fn all_credentials(&self) -> StoreResult<Vec<(UserId, Vec<Topic>)>> {
        let found: Vec<(String, String)> = sqlx::query_as(sql::volunteers::ALL_CREDENTIALS)
            .fetch_all(&self.readers)
            .await?;
        rows::credentials(found)
    }

    async fn credentialed_for(&self, topic: Topic) -> StoreResult<Vec<UserId>> {
        let found: Vec<String> = sqlx::query_scalar(sql::volunteers::CREDENTIALED_FOR)
            .bind(topic.as_str())
            .fetch_all(&self.readers)
            .await?;
        Ok(found.into_iter().map(UserId::from_trusted).collect())
    }

    async fn volunteer_loads(&self) -> StoreResult<Vec<(UserId, i64)>> {
        let found: Vec<(String, i64)> = sqlx::query_as(sql::volunteers::VOLUNTEER_LOADS)
            .fetch_all(&self.readers)
            .await?;
        Ok(found
            .into_iter()
            .map(|(v, n)| (UserId::from_trusted(v), n))
            .collect())
    }

    async fn record_missed_offers(
        &self,
        request: &RequestId,
        volunteers: &[UserId],
        limit: u32,
    ) -> StoreResult<Vec<UserId>> {
        if volunteers.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let (request, volunteers) = (request.clone(), volunteers.to_vec());
        self.writer
            .run_direct(move |conn| {
                let mut count = conn.prepare_cached(sql::volunteers::COUNT_MISSED_OFFER)?;
                let mut reset = conn.prepare_cached(sql::volunteers::RESET_MISSED_OFFERS)?;
                let mut reached = Vec::new();
                for volunteer in &volunteers {
                    let missed: Option<i64> = count
                        .query_row(
                            rusqlite::params![volunteer.as_str(), request.as_str()],
                            |r| r.get(0),
                        )
                        .optional()?;
                    if missed.is_some_and(|m| m >= i64::from(limit)) {
                        reset.execute(rusqlite::params![volunteer.as_str()])?;
                        reached.push(volunteer.clone());
                    }
                }
                Ok(reached)
            })
            .await
    }

    async fn reset_missed_offers(&self, volunteer: &UserId) -> StoreResult<()> {
        let volunteer = volunteer.clone();
        self.writer
            .run_direct(move |conn| {
                conn.prepare_cached(sql::volunteers::RESET_MISSED_OFFERS)?
                    .execute(rusqlite::params![volunteer.as_str()])?;
                Ok(())
            })
            .await
    }
}
