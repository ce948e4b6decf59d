//! Calls on PostgreSQL. Placing a call is one transaction that first locks
//! both people's `users` rows (in id order), so placements touching the same
//! person queue behind each other and the live-call and busy checks cannot
//! race across processes; a unique partial index backs "one live call per
//! conversation". Every move afterwards is a conditional update on the
//! status (a racing one waits for the row, then matches nothing), and the
//! ring sweep takes its rows `FOR UPDATE SKIP LOCKED`.

use crate::rows;
use crate::sql;
use crate::{CallPlaced, StoreResult};
use helpline_core::call::{Call, CallEnd, CallStats, CallStatus, NewCall, Side};
use helpline_core::{CallId, ConversationId, Timestamp, UserId};
use sqlx::PgConnection;

async fn one(conn: &mut PgConnection, sql: &'static str, arg: &str) -> StoreResult<Option<Call>> {
    let row = sqlx::query(sql).bind(arg).fetch_optional(conn).await?;
    row.as_ref().map(rows::call).transpose()
}

#[async_trait::async_trait]
impl crate::Calls for super::PostgresStore {
    async fn create_call(&self, new: &NewCall, busy: &CallEnd) -> StoreResult<CallPlaced> {
        let pool = &self.pool;
        let mut tx = pool.begin().await?;
        let mut people = [new.caller_id.as_str(), new.callee_id.as_str()];
        people.sort_unstable();
        sqlx::query("SELECT id FROM users WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE")
            .bind(&people[..])
            .execute(&mut *tx)
            .await?;
        let mut end = None;
        let live = sql::calls::LIVE_CALL_IN;
        if let Some(existing) = one(&mut tx, live, new.conversation_id.as_str()).await? {
            tx.rollback().await?;
            let glare = new.answered_device.is_none()
                && existing.status == CallStatus::Ringing
                && existing.caller_id == new.callee_id
                && existing.callee_id == new.caller_id;
            return Ok(if glare {
                CallPlaced::Glare(existing)
            } else {
                CallPlaced::Conflict(existing)
            });
        }
        if new.answered_device.is_none() {
            let of_user = sql::calls::ONE_LIVE_CALL_OF;
            if let Some(existing) = one(&mut tx, of_user, new.caller_id.as_str()).await? {
                tx.rollback().await?;
                return Ok(CallPlaced::Conflict(existing));
            }
            if one(&mut tx, of_user, new.callee_id.as_str())
                .await?
                .is_some()
            {
                end = Some(*busy);
            }
        }
        let (status, answered_at) = match (&end, &new.answered_device) {
            (Some(end), _) => (end.status, None),
            (None, Some(_)) => (CallStatus::Active, Some(new.created_at.millis())),
            (None, None) => (CallStatus::Ringing, None),
        };
        let row = sqlx::query(sql::calls::INSERT_CALLS)
            .bind(new.id.as_str())
            .bind(new.conversation_id.as_str())
            .bind(new.caller_id.as_str())
            .bind(new.callee_id.as_str())
            .bind(new.media.as_str())
            .bind(status.as_str())
            .bind(end.map(|e| e.reason.as_str()))
            .bind(new.created_at.millis())
            .bind(new.rings_until.millis())
            .bind(new.caller_device.as_deref())
            .bind(answered_at)
            .bind(new.answered_device.as_deref())
            .bind(end.map(|e| e.ended_at.millis()))
            .bind(end.and_then(|e| e.duration_secs))
            .fetch_one(&mut *tx)
            .await?;
        let call = rows::call(&row)?;
        tx.commit().await?;
        Ok(if end.is_some() {
            CallPlaced::Busy(call)
        } else {
            CallPlaced::Placed(call)
        })
    }

    async fn call(&self, id: &CallId) -> StoreResult<Option<Call>> {
        let pool = &self.pool;
        let mut conn = pool.acquire().await?;
        one(&mut conn, sql::calls::SELECT_CALLS_BY_ID, id.as_str()).await
    }

    async fn accept_call(
        &self,
        id: &CallId,
        device: &str,
        answered_at: Timestamp,
    ) -> StoreResult<Option<Call>> {
        let pool = &self.pool;
        let row = sqlx::query(sql::calls::ACCEPT_CALL)
            .bind(answered_at.millis())
            .bind(device)
            .bind(id.as_str())
            .fetch_optional(pool)
            .await?;
        row.as_ref().map(rows::call).transpose()
    }

    async fn finish_call(
        &self,
        id: &CallId,
        from: CallStatus,
        end: &CallEnd,
    ) -> StoreResult<Option<Call>> {
        let pool = &self.pool;
        let row = sqlx::query(sql::calls::FINISH_CALL)
            .bind(end.status.as_str())
            .bind(end.reason.as_str())
            .bind(end.ended_at.millis())
            .bind(end.duration_secs)
            .bind(id.as_str())
            .bind(from.as_str())
            .fetch_optional(pool)
            .await?;
        row.as_ref().map(rows::call).transpose()
    }

    async fn expire_ringing_calls(&self, timeout: &CallEnd, limit: i64) -> StoreResult<Vec<Call>> {
        let pool = &self.pool;
        let found = sqlx::query(
            "WITH due AS (SELECT id FROM calls WHERE status = 'ringing' AND rings_until <= $3 \
                      ORDER BY rings_until LIMIT $4 FOR UPDATE SKIP LOCKED) \
         UPDATE calls SET status = $1, reason = $2, ended_at = $3, duration_secs = NULL \
         FROM due WHERE calls.id = due.id AND calls.status = 'ringing' RETURNING calls.*",
        )
        .bind(timeout.status.as_str())
        .bind(timeout.reason.as_str())
        .bind(timeout.ended_at.millis())
        .bind(limit)
        .fetch_all(pool)
        .await?;
        rows::all(&found, rows::call)
    }

    async fn bind_caller_device(&self, id: &CallId, device: &str) -> StoreResult<bool> {
        let pool = &self.pool;
        let bound: Option<Option<String>> = sqlx::query_scalar(sql::calls::BIND_CALLER_DEVICE)
            .bind(device)
            .bind(id.as_str())
            .fetch_optional(pool)
            .await?;
        Ok(bound.flatten().as_deref() == Some(device))
    }

    async fn live_calls_of(&self, user: &UserId) -> StoreResult<Vec<Call>> {
        let pool = &self.pool;
        let found = sqlx::query(sql::calls::LIVE_CALLS_OF)
            .bind(user.as_str())
            .fetch_all(pool)
            .await?;
        rows::all(&found, rows::call)
    }

    async fn live_call_in(&self, conversation: &ConversationId) -> StoreResult<Option<Call>> {
        let pool = &self.pool;
        let mut conn = pool.acquire().await?;
        let sql = sql::calls::LIVE_CALL_IN;
        one(&mut conn, sql, conversation.as_str()).await
    }

    async fn calls_in(&self, conversation: &ConversationId, limit: i64) -> StoreResult<Vec<Call>> {
        let pool = &self.pool;
        let found = sqlx::query(sql::calls::CALLS_IN)
            .bind(conversation.as_str())
            .bind(limit)
            .fetch_all(pool)
            .await?;
        rows::all(&found, rows::call)
    }

    async fn move_device(
        &self,
        id: &CallId,
        side: Side,
        device: &str,
    ) -> StoreResult<Option<Call>> {
        let row = sqlx::query(sql::calls::move_device(side))
            .bind(device)
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rows::call).transpose()
    }

    async fn set_call_stats(
        &self,
        id: &CallId,
        side: Side,
        stats: &CallStats,
    ) -> StoreResult<Option<Call>> {
        let pool = &self.pool;
        let json =
            serde_json::to_string(stats).map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
        let row = sqlx::query(sql::calls::set_stats(side))
            .bind(json)
            .bind(id.as_str())
            .fetch_optional(pool)
            .await?;
        row.as_ref().map(rows::call).transpose()
    }
}
