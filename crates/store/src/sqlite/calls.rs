//! Calls on SQLite. Placing a call is one writer job (the single writer
//! serializes it against every other placement, so the live-call and busy
//! checks cannot race); every move afterwards is a conditional update on
//! the status, so exactly one of racing moves wins. Reads use the pool.

use crate::rows;
use crate::sql;
use crate::{CallPlaced, StoreResult};
use helpline_core::Timestamp;
use helpline_core::call::{Call, CallEnd, CallStats, CallStatus, NewCall, Side};
use helpline_core::{CallId, ConversationId, UserId};
use sqlx::SqliteConnection;

async fn one(
    conn: &mut SqliteConnection,
    sql: &'static str,
    arg: &str,
) -> StoreResult<Option<Call>> {
    let row = sqlx::query(sql).bind(arg).fetch_optional(conn).await?;
    row.as_ref().map(rows::call).transpose()
}

#[async_trait::async_trait]
impl crate::Calls for super::SqliteStore {
    async fn create_call(&self, new: &NewCall, busy: &CallEnd) -> StoreResult<CallPlaced> {
        let writer = &self.writer;
        let (new, busy) = (new.clone(), *busy);
        writer
            .run(move |conn| {
                Box::pin(async move {
                    let mut end = None;
                    let live = sql::calls::LIVE_CALL_IN;
                    if let Some(existing) =
                        one(&mut *conn, live, new.conversation_id.as_str()).await?
                    {
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
                        if let Some(existing) =
                            one(&mut *conn, of_user, new.caller_id.as_str()).await?
                        {
                            return Ok(CallPlaced::Conflict(existing));
                        }
                        if one(&mut *conn, of_user, new.callee_id.as_str())
                            .await?
                            .is_some()
                        {
                            end = Some(busy);
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
                        .fetch_one(&mut *conn)
                        .await?;
                    let call = rows::call(&row)?;
                    Ok(if end.is_some() {
                        CallPlaced::Busy(call)
                    } else {
                        CallPlaced::Placed(call)
                    })
                })
            })
            .await
    }

    async fn call(&self, id: &CallId) -> StoreResult<Option<Call>> {
        let readers = &self.readers;
        let mut conn = readers.acquire().await?;
        one(&mut conn, sql::calls::SELECT_CALLS_BY_ID, id.as_str()).await
    }

    async fn accept_call(
        &self,
        id: &CallId,
        device: &str,
        answered_at: Timestamp,
    ) -> StoreResult<Option<Call>> {
        let writer = &self.writer;
        let (id, device) = (id.clone(), device.to_owned());
        writer
            .run(move |conn| {
                Box::pin(async move {
                    let row = sqlx::query(sql::calls::ACCEPT_CALL)
                        .bind(answered_at.millis())
                        .bind(device)
                        .bind(id.as_str())
                        .fetch_optional(conn)
                        .await?;
                    row.as_ref().map(rows::call).transpose()
                })
            })
            .await
    }

    async fn finish_call(
        &self,
        id: &CallId,
        from: CallStatus,
        end: &CallEnd,
    ) -> StoreResult<Option<Call>> {
        let writer = &self.writer;
        let (id, end) = (id.clone(), *end);
        writer
            .run(move |conn| {
                Box::pin(async move {
                    let row = sqlx::query(sql::calls::FINISH_CALL)
                        .bind(end.status.as_str())
                        .bind(end.reason.as_str())
                        .bind(end.ended_at.millis())
                        .bind(end.duration_secs)
                        .bind(id.as_str())
                        .bind(from.as_str())
                        .fetch_optional(conn)
                        .await?;
                    row.as_ref().map(rows::call).transpose()
                })
            })
            .await
    }

    async fn expire_ringing_calls(&self, timeout: &CallEnd, limit: i64) -> StoreResult<Vec<Call>> {
        let writer = &self.writer;
        let timeout = *timeout;
        writer
        .run(move |conn| {
            Box::pin(async move {
                let found = sqlx::query(
                    "UPDATE calls SET status = ?1, reason = ?2, ended_at = ?3, duration_secs = NULL \
                     WHERE id IN (SELECT id FROM calls WHERE status = 'ringing' AND rings_until <= ?3 \
                                  ORDER BY rings_until LIMIT ?4) RETURNING *",
                )
                .bind(timeout.status.as_str())
                .bind(timeout.reason.as_str())
                .bind(timeout.ended_at.millis())
                .bind(limit)
                .fetch_all(conn)
                .await?;
                rows::all(&found, rows::call)
            })
        })
        .await
    }

    async fn bind_caller_device(&self, id: &CallId, device: &str) -> StoreResult<bool> {
        let writer = &self.writer;
        let (id, device) = (id.clone(), device.to_owned());
        writer
            .run(move |conn| {
                Box::pin(async move {
                    let bound: Option<String> = sqlx::query_scalar(sql::calls::BIND_CALLER_DEVICE)
                        .bind(&device)
                        .bind(id.as_str())
                        .fetch_optional(conn)
                        .await?;
                    Ok(bound.as_deref() == Some(device.as_str()))
                })
            })
            .await
    }

    async fn live_calls_of(&self, user: &UserId) -> StoreResult<Vec<Call>> {
        let readers = &self.readers;
        let found = sqlx::query(sql::calls::LIVE_CALLS_OF)
            .bind(user.as_str())
            .fetch_all(readers)
            .await?;
        rows::all(&found, rows::call)
    }

    async fn live_call_in(&self, conversation: &ConversationId) -> StoreResult<Option<Call>> {
        let readers = &self.readers;
        let mut conn = readers.acquire().await?;
        let sql = sql::calls::LIVE_CALL_IN;
        one(&mut conn, sql, conversation.as_str()).await
    }

    async fn calls_in(&self, conversation: &ConversationId, limit: i64) -> StoreResult<Vec<Call>> {
        let readers = &self.readers;
        let found = sqlx::query(sql::calls::CALLS_IN)
            .bind(conversation.as_str())
            .bind(limit)
            .fetch_all(readers)
            .await?;
        rows::all(&found, rows::call)
    }

    async fn move_device(
        &self,
        id: &CallId,
        side: Side,
        device: &str,
    ) -> StoreResult<Option<Call>> {
        let writer = &self.writer;
        let (id, device) = (id.clone(), device.to_owned());
        writer
            .run(move |conn| {
                Box::pin(async move {
                    let row = sqlx::query(sql::calls::move_device(side))
                        .bind(&device)
                        .bind(id.as_str())
                        .fetch_optional(conn)
                        .await?;
                    row.as_ref().map(rows::call).transpose()
                })
            })
            .await
    }

    async fn set_call_stats(
        &self,
        id: &CallId,
        side: Side,
        stats: &CallStats,
    ) -> StoreResult<Option<Call>> {
        let writer = &self.writer;
        let id = id.clone();
        let json =
            serde_json::to_string(stats).map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
        writer
            .run(move |conn| {
                Box::pin(async move {
                    let row = sqlx::query(sql::calls::set_stats(side))
                        .bind(json)
                        .bind(id.as_str())
                        .fetch_optional(conn)
                        .await?;
                    row.as_ref().map(rows::call).transpose()
                })
            })
            .await
    }
}
