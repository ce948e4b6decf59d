//! Safety alerts on PostgreSQL: each conditional move is one statement
//! (raising again skips rows another sweeper holds), then a read of the
//! alert with its people's names.

use crate::rows;
use crate::sql::alerts as sql;
use crate::{AlertFilter, NewAlert, NewScamEvidence, StoreError, StoreResult};
use helpline_core::alerts::{Alert, AlertKind};
use helpline_core::{AlertId, ConversationId, Timestamp, UserId};
use sqlx::PgPool;

/// The alert `id`.
async fn alert_in(pool: &PgPool, id: &str) -> StoreResult<Option<Alert>> {
    let row = sqlx::query(sql::ALERT_BY_ID)
        .bind(id)
        .fetch_optional(pool)
        .await?;
    let Some(mut alert) = row.as_ref().map(rows::alert).transpose()? else {
        return Ok(None);
    };
    with_evidence(pool, &mut alert).await?;
    Ok(Some(alert))
}

/// Reads a scam-guard alert's evidence into it.
async fn with_evidence(pool: &PgPool, alert: &mut Alert) -> StoreResult<()> {
    if alert.kind == AlertKind::ScamGuard {
        let found = sqlx::query(sql::EVIDENCE_OF)
            .bind(alert.id.as_str())
            .fetch_all(pool)
            .await?;
        alert.evidence = rows::all(&found, rows::evidence)?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl crate::Alerts for super::PostgresStore {
    async fn raise_alert(&self, new: &NewAlert) -> StoreResult<Alert> {
        sqlx::query(sql::INSERT_ALERT)
            .bind(new.id.as_str())
            .bind(new.raised_by.as_str())
            .bind(new.conversation_id.as_ref().map(|c| c.as_str()))
            .bind(new.note.as_deref())
            .bind(new.now.millis())
            .execute(&self.pool)
            .await?;
        alert_in(&self.pool, new.id.as_str())
            .await?
            .ok_or_else(|| StoreError::Corrupt("an alert vanished as it was stored".into()))
    }

    async fn add_scam_evidence(&self, new: &NewScamEvidence) -> StoreResult<(Alert, bool)> {
        let mut tx = self.pool.begin().await?;
        // A racing caller's insert makes this wait for its commit, then do
        // nothing; the select then sees that caller's alert. If support
        // resolved that alert in between, there is none: insert again.
        let mut found = None;
        for _ in 0..3 {
            sqlx::query(sql::INSERT_SCAM_ALERT)
                .bind(new.id.as_str())
                .bind(new.seeker.as_str())
                .bind(new.conversation_id.as_str())
                .bind(new.now.millis())
                .execute(&mut *tx)
                .await?;
            found = sqlx::query_scalar(sql::UNRESOLVED_SCAM_ALERT)
                .bind(new.conversation_id.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            if found.is_some() {
                break;
            }
        }
        let id: String = found.ok_or_else(|| {
            StoreError::Corrupt("no unresolved scam-guard alert after raising one".into())
        })?;
        sqlx::query(sql::INSERT_EVIDENCE)
            .bind(&id)
            .bind(new.message_id.as_str())
            .bind(new.sender_id.as_str())
            .bind(crate::types::signs_column(&new.signs))
            .bind(&new.excerpt)
            .bind(new.now.millis())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let alert = alert_in(&self.pool, &id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("an alert vanished as it was stored".into()))?;
        Ok((alert, id == new.id.as_str()))
    }

    async fn alert(&self, id: &AlertId) -> StoreResult<Option<Alert>> {
        alert_in(&self.pool, id.as_str()).await
    }

    async fn alerts(&self, filter: &AlertFilter, limit: i64) -> StoreResult<Vec<Alert>> {
        let query = match filter {
            AlertFilter::All => sqlx::query(sql::ALL_ALERTS).bind(limit),
            AlertFilter::Unresolved => sqlx::query(sql::UNRESOLVED_ALERTS).bind(limit),
            AlertFilter::Resolved => sqlx::query(sql::RESOLVED_ALERTS).bind(limit),
            AlertFilter::RaisedBy(user) => sqlx::query(sql::ALERTS_RAISED_BY)
                .bind(user.as_str())
                .bind(limit),
        };
        let found = query.fetch_all(&self.pool).await?;
        let mut alerts = rows::all(&found, rows::alert)?;
        for alert in &mut alerts {
            with_evidence(&self.pool, alert).await?;
        }
        Ok(alerts)
    }

    async fn acknowledge_alert(
        &self,
        id: &AlertId,
        by: &UserId,
        now: Timestamp,
    ) -> StoreResult<Option<Alert>> {
        let done = sqlx::query(sql::ACKNOWLEDGE_ALERT)
            .bind(now.millis())
            .bind(by.as_str())
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        alert_in(&self.pool, id.as_str()).await
    }

    async fn resolve_alert(
        &self,
        id: &AlertId,
        by: &UserId,
        note: &str,
        now: Timestamp,
    ) -> StoreResult<Option<Alert>> {
        let done = sqlx::query(sql::RESOLVE_ALERT)
            .bind(now.millis())
            .bind(by.as_str())
            .bind(note)
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        alert_in(&self.pool, id.as_str()).await
    }

    async fn unresolved_alert_on(&self, conversation: &ConversationId) -> StoreResult<bool> {
        Ok(sqlx::query_scalar(sql::UNRESOLVED_ALERT_ON)
            .bind(conversation.as_str())
            .fetch_one(&self.pool)
            .await?)
    }

    async fn raise_unacknowledged_again(
        &self,
        due: Timestamp,
        now: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<Alert>> {
        let ids: Vec<String> = sqlx::query_scalar(
            "WITH due AS ( \
               SELECT id FROM safety_alerts WHERE acknowledged_at IS NULL AND resolved_at IS NULL \
               AND last_raised_at <= $2 ORDER BY last_raised_at LIMIT $3 FOR UPDATE SKIP LOCKED) \
             UPDATE safety_alerts a SET last_raised_at = $1 FROM due \
             WHERE a.id = due.id AND a.acknowledged_at IS NULL AND a.resolved_at IS NULL \
             AND a.last_raised_at <= $2 RETURNING a.id",
        )
        .bind(now.millis())
        .bind(due.millis())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut raised = Vec::with_capacity(ids.len());
        for id in &ids {
            raised.extend(alert_in(&self.pool, id).await?);
        }
        Ok(raised)
    }
}
