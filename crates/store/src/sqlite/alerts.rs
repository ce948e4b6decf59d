//! Safety alerts on SQLite: writes are jobs on the single writer, which
//! also makes each conditional move (acknowledge, resolve, raise again)
//! happen for exactly one caller; reads use the reader pool.

use crate::rows;
use crate::sql::alerts as sql;
use crate::{AlertFilter, NewAlert, NewScamEvidence, StoreError, StoreResult};
use helpline_core::alerts::{Alert, AlertKind};
use helpline_core::{AlertId, ConversationId, Timestamp, UserId};
use sqlx::SqliteConnection;

/// The alert `id`, read on `conn`.
async fn alert_on(conn: &mut SqliteConnection, id: &str) -> StoreResult<Option<Alert>> {
    let row = sqlx::query(sql::ALERT_BY_ID)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(mut alert) = row.as_ref().map(rows::alert).transpose()? else {
        return Ok(None);
    };
    with_evidence(conn, &mut alert).await?;
    Ok(Some(alert))
}

/// Reads a scam-guard alert's evidence into it.
async fn with_evidence(conn: &mut SqliteConnection, alert: &mut Alert) -> StoreResult<()> {
    if alert.kind == AlertKind::ScamGuard {
        let found = sqlx::query(sql::EVIDENCE_OF)
            .bind(alert.id.as_str())
            .fetch_all(conn)
            .await?;
        alert.evidence = rows::all(&found, rows::evidence)?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl crate::Alerts for super::SqliteStore {
    async fn raise_alert(&self, new: &NewAlert) -> StoreResult<Alert> {
        let new = new.clone();
        self.writer
            .run(move |conn| {
                let new = new.clone();
                Box::pin(async move {
                    sqlx::query(sql::INSERT_ALERT)
                        .bind(new.id.as_str())
                        .bind(new.raised_by.as_str())
                        .bind(new.conversation_id.as_ref().map(|c| c.as_str().to_owned()))
                        .bind(new.note.as_deref())
                        .bind(new.now.millis())
                        .execute(&mut *conn)
                        .await?;
                    alert_on(conn, new.id.as_str()).await?.ok_or_else(|| {
                        StoreError::Corrupt("an alert vanished as it was stored".into())
                    })
                })
            })
            .await
    }

    async fn add_scam_evidence(&self, new: &NewScamEvidence) -> StoreResult<(Alert, bool)> {
        let new = new.clone();
        self.writer
            .run(move |conn| {
                let new = new.clone();
                Box::pin(async move {
                    sqlx::query(sql::INSERT_SCAM_ALERT)
                        .bind(new.id.as_str())
                        .bind(new.seeker.as_str())
                        .bind(new.conversation_id.as_str())
                        .bind(new.now.millis())
                        .execute(&mut *conn)
                        .await?;
                    let id: String = sqlx::query_scalar(sql::UNRESOLVED_SCAM_ALERT)
                        .bind(new.conversation_id.as_str())
                        .fetch_one(&mut *conn)
                        .await?;
                    sqlx::query(sql::INSERT_EVIDENCE)
                        .bind(&id)
                        .bind(new.message_id.as_str())
                        .bind(new.sender_id.as_str())
                        .bind(crate::types::signs_column(&new.signs))
                        .bind(&new.excerpt)
                        .bind(new.now.millis())
                        .execute(&mut *conn)
                        .await?;
                    let alert = alert_on(conn, &id).await?.ok_or_else(|| {
                        StoreError::Corrupt("an alert vanished as it was stored".into())
                    })?;
                    Ok((alert, id == new.id.as_str()))
                })
            })
            .await
    }

    async fn alert(&self, id: &AlertId) -> StoreResult<Option<Alert>> {
        let mut conn = self.readers.acquire().await?;
        alert_on(&mut conn, id.as_str()).await
    }

    async fn alerts(&self, filter: &AlertFilter, limit: i64) -> StoreResult<Vec<Alert>> {
        let query = match filter {
            AlertFilter::All => sqlx::query(sql::ALL_ALERTS).bind(limit),
            AlertFilter::Unresolved => sqlx::query(sql::UNRESOLVED_ALERTS).bind(limit),
            AlertFilter::Resolved => sqlx::query(sql::RESOLVED_ALERTS).bind(limit),
            AlertFilter::RaisedBy(user) => sqlx::query(sql::ALERTS_RAISED_BY)
                .bind(user.as_str().to_owned())
                .bind(limit),
        };
        let mut conn = self.readers.acquire().await?;
        let found = query.fetch_all(&mut *conn).await?;
        let mut alerts = rows::all(&found, rows::alert)?;
        for alert in &mut alerts {
            with_evidence(&mut conn, alert).await?;
        }
        Ok(alerts)
    }

    async fn acknowledge_alert(
        &self,
        id: &AlertId,
        by: &UserId,
        now: Timestamp,
    ) -> StoreResult<Option<Alert>> {
        let (id, by) = (id.clone(), by.clone());
        self.writer
            .run(move |conn| {
                let (id, by) = (id.clone(), by.clone());
                Box::pin(async move {
                    let done = sqlx::query(sql::ACKNOWLEDGE_ALERT)
                        .bind(now.millis())
                        .bind(by.as_str())
                        .bind(id.as_str())
                        .execute(&mut *conn)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Ok(None);
                    }
                    alert_on(conn, id.as_str()).await
                })
            })
            .await
    }

    async fn resolve_alert(
        &self,
        id: &AlertId,
        by: &UserId,
        note: &str,
        now: Timestamp,
    ) -> StoreResult<Option<Alert>> {
        let (id, by, note) = (id.clone(), by.clone(), note.to_owned());
        self.writer
            .run(move |conn| {
                let (id, by, note) = (id.clone(), by.clone(), note.clone());
                Box::pin(async move {
                    let done = sqlx::query(sql::RESOLVE_ALERT)
                        .bind(now.millis())
                        .bind(by.as_str())
                        .bind(note.as_str())
                        .bind(id.as_str())
                        .execute(&mut *conn)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Ok(None);
                    }
                    alert_on(conn, id.as_str()).await
                })
            })
            .await
    }

    async fn unresolved_alert_on(&self, conversation: &ConversationId) -> StoreResult<bool> {
        Ok(sqlx::query_scalar(sql::UNRESOLVED_ALERT_ON)
            .bind(conversation.as_str())
            .fetch_one(&self.readers)
            .await?)
    }

    async fn raise_unacknowledged_again(
        &self,
        due: Timestamp,
        now: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<Alert>> {
        self.writer
            .run(move |conn| {
                Box::pin(async move {
                    let ids: Vec<String> = sqlx::query_scalar(
                        "UPDATE safety_alerts SET last_raised_at = $1 WHERE id IN ( \
                           SELECT id FROM safety_alerts WHERE acknowledged_at IS NULL \
                           AND resolved_at IS NULL AND last_raised_at <= $2 \
                           ORDER BY last_raised_at LIMIT $3) RETURNING id",
                    )
                    .bind(now.millis())
                    .bind(due.millis())
                    .bind(limit)
                    .fetch_all(&mut *conn)
                    .await?;
                    let mut raised = Vec::with_capacity(ids.len());
                    for id in &ids {
                        raised.extend(alert_on(&mut *conn, id).await?);
                    }
                    Ok(raised)
                })
            })
            .await
    }
}
