//! Volunteers' credentials and load on PostgreSQL: credentials replaced in
//! one transaction.

use crate::StoreResult;
use crate::rows;
use crate::sql;
use helpline_core::dispatch::{CandidateFacts, SeekerFacts};
use helpline_core::request::{ChatCap, Topic};
use helpline_core::{RequestId, Timestamp, UserId};

/// Counts one more missed offer for each volunteer in `$1` who did not
/// decline request `$2`; returns each with their new count.
const COUNT_MISSED_OFFERS: &str = "INSERT INTO volunteer_missed_offers (volunteer_id, missed) SELECT v, 1 FROM unnest($1::text[]) AS v WHERE NOT EXISTS (SELECT 1 FROM request_offers o WHERE o.request_id = $2 AND o.volunteer_id = v AND o.declined = 1) ON CONFLICT (volunteer_id) DO UPDATE SET missed = volunteer_missed_offers.missed + 1 RETURNING volunteer_id, missed";

#[async_trait::async_trait]
impl crate::Volunteers for super::PostgresStore {
    async fn set_credentials(
        &self,
        volunteer: &UserId,
        topics: &[Topic],
    ) -> StoreResult<Option<Vec<Topic>>> {
        let mut tx = self.pool.begin().await?;
        // The user's row is locked, so two replacements of one volunteer's
        // credentials never interleave.
        let known: Option<String> =
            sqlx::query_scalar("SELECT role FROM users WHERE id = $1 FOR UPDATE")
                .bind(volunteer.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        if known.as_deref() != Some("volunteer") {
            return Ok(None);
        }
        sqlx::query(sql::volunteers::CLEAR_CREDENTIALS)
            .bind(volunteer.as_str())
            .execute(&mut *tx)
            .await?;
        for topic in topics {
            sqlx::query(sql::volunteers::INSERT_CREDENTIAL)
                .bind(volunteer.as_str())
                .bind(topic.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Some(topics.to_vec()))
    }

    async fn all_credentials(&self) -> StoreResult<Vec<(UserId, Vec<Topic>)>> {
        let found: Vec<(String, String)> = sqlx::query_as(sql::volunteers::ALL_CREDENTIALS)
            .fetch_all(&self.pool)
            .await?;
        rows::credentials(found)
    }

    async fn credentialed_for(&self, topic: Topic) -> StoreResult<Vec<UserId>> {
        let found: Vec<String> = sqlx::query_scalar(sql::volunteers::CREDENTIALED_FOR)
            .bind(topic.as_str())
            .fetch_all(&self.pool)
            .await?;
        Ok(found.into_iter().map(UserId::from_trusted).collect())
    }

    async fn volunteer_loads(&self) -> StoreResult<Vec<(UserId, i64)>> {
        let found: Vec<(String, i64)> = sqlx::query_as(sql::volunteers::VOLUNTEER_LOADS)
            .fetch_all(&self.pool)
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
        let mut tx = self.pool.begin().await?;
        let counted: Vec<(String, i64)> = sqlx::query_as(COUNT_MISSED_OFFERS)
            .bind(&ids)
            .bind(request.as_str())
            .fetch_all(&mut *tx)
            .await?;
        let mut reached = Vec::new();
        for (volunteer, missed) in counted {
            if missed >= i64::from(limit) {
                sqlx::query(sql::volunteers::RESET_MISSED_OFFERS)
                    .bind(&volunteer)
                    .execute(&mut *tx)
                    .await?;
                reached.push(UserId::from_trusted(volunteer));
            }
        }
        tx.commit().await?;
        Ok(reached)
    }

    async fn volunteers_resting(&self, since: Timestamp, limit: u32) -> StoreResult<Vec<UserId>> {
        let found: Vec<String> = sqlx::query_scalar(sql::volunteers::VOLUNTEERS_RESTING)
            .bind(since.millis())
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
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
            .fetch_one(&self.pool)
            .await?)
    }

    async fn dispatch_facts(
        &self,
        seeker: &UserId,
        candidates: &[UserId],
        cap: ChatCap,
    ) -> StoreResult<(SeekerFacts, Vec<CandidateFacts>)> {
        let pool = &self.pool;
        let seeker_row = sqlx::query(sql::volunteers::SEEKER_FACTS)
            .bind(seeker.as_str())
            .fetch_optional(pool)
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
        let found = sqlx::query(sql::volunteers::CANDIDATE_FACTS_POSTGRES)
            .bind(seeker.as_str())
            .bind(ids)
            .bind(cap.as_sql())
            .fetch_all(pool)
            .await?;
        Ok((seeker_facts, rows::all(&found, rows::candidate_facts)?))
    }

    async fn reset_missed_offers(&self, volunteer: &UserId) -> StoreResult<()> {
        sqlx::query(sql::volunteers::RESET_MISSED_OFFERS)
            .bind(volunteer.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
