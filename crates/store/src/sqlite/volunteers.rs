//! Volunteers' credentials and load on SQLite: credentials replaced in
//! one writer job, reads on the reader pool.

use crate::StoreResult;
use crate::rows;
use crate::sql;
use helpline_core::dispatch::{CandidateFacts, SeekerFacts};
use helpline_core::request::{ChatCap, Topic};
use helpline_core::{RequestId, Timestamp, UserId};
use rusqlite::params;

/// Counts one more missed offer for each volunteer in the JSON array `?1`
/// who did not decline request `?2`; returns each with their new count.
const COUNT_MISSED_OFFERS: &str = "INSERT INTO volunteer_missed_offers (volunteer_id, missed) SELECT j.value, 1 FROM json_each(?1) j WHERE NOT EXISTS (SELECT 1 FROM request_offers o WHERE o.request_id = ?2 AND o.volunteer_id = j.value AND o.declined = 1) ON CONFLICT (volunteer_id) DO UPDATE SET missed = volunteer_missed_offers.missed + 1 RETURNING volunteer_id, missed";

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
        let ids: Vec<&str> = volunteers.iter().map(UserId::as_str).collect();
        let list =
            serde_json::to_string(&ids).map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
        let request = request.clone();
        self.writer
            .run_direct(move |conn| {
                // One statement for all of them (a race among a hundred
                // volunteers counts ninety-nine).
                let counted = conn
                    .prepare_cached(COUNT_MISSED_OFFERS)?
                    .query_map(params![list, request.as_str()], |row| {
                        Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                let mut reset = conn.prepare_cached(sql::volunteers::RESET_MISSED_OFFERS)?;
                let mut reached = Vec::new();
                for (volunteer, missed) in counted {
                    if missed >= i64::from(limit) {
                        reset.execute(params![volunteer])?;
                        reached.push(UserId::from_trusted(volunteer));
                    }
                }
                Ok(reached)
            })
            .await
    }

    async fn volunteers_resting(&self, since: Timestamp, limit: u32) -> StoreResult<Vec<UserId>> {
        let found: Vec<String> = sqlx::query_scalar(sql::volunteers::VOLUNTEERS_RESTING)
            .bind(since.millis())
            .bind(i64::from(limit))
            .fetch_all(&self.readers)
            .await?;
        Ok(found.into_iter().map(UserId::from_trusted).collect())
    }

    async fn week_of(
        &self,
        volunteer: &UserId,
        since: Timestamp,
        now: Timestamp,
    ) -> StoreResult<(i64, i64, i64)> {
        Ok(sqlx::query_as(sql::volunteers::WEEK_OF)
            .bind(volunteer.as_str())
            .bind(since.millis())
            .bind(now.millis())
            .fetch_one(&self.readers)
            .await?)
    }

    async fn dispatch_facts(
        &self,
        seeker: &UserId,
        candidates: &[UserId],
        cap: ChatCap,
    ) -> StoreResult<(SeekerFacts, Vec<CandidateFacts>)> {
        let readers = &self.readers;
        let seeker_row = sqlx::query(sql::volunteers::SEEKER_FACTS)
            .bind(seeker.as_str())
            .fetch_optional(readers)
            .await?;
        let seeker_facts = seeker_row
            .as_ref()
            .map(rows::seeker_facts)
            .transpose()?
            .unwrap_or_default();
        if candidates.is_empty() {
            return Ok((seeker_facts, Vec::new()));
        }
        let ids: Vec<&str> = candidates.iter().map(UserId::as_str).collect();
        let list =
            serde_json::to_string(&ids).map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
        let found = sqlx::query(sql::volunteers::CANDIDATE_FACTS_SQLITE)
            .bind(seeker.as_str())
            .bind(list)
            .bind(cap.as_sql())
            .fetch_all(readers)
            .await?;
        Ok((seeker_facts, rows::all(&found, rows::candidate_facts)?))
    }

    async fn reset_missed_offers(&self, volunteer: &UserId) -> StoreResult<()> {
        let volunteer = volunteer.clone();
        self.writer
            .run_direct(move |conn| {
                conn.prepare_cached(sql::volunteers::RESET_MISSED_OFFERS)?
                    .execute(params![volunteer.as_str()])?;
                Ok(())
            })
            .await
    }
}
