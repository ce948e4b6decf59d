//! Web Push on PostgreSQL. Several nodes drain one outbox: a claim skips
//! the rows another node holds locked (`FOR UPDATE SKIP LOCKED`) and sets
//! a lease, so each push is taken by one node at a time.

use crate::areas::{MessageSlot, OnCall};
use crate::sql::push as sql;
use crate::{StoreError, StoreResult, rows};
use helpline_core::push::{
    OutgoingPush, PushKind, QueuedPush, SubscriptionDraft, SubscriptionInfo, UserSettings,
};
use helpline_core::user::Availability;
use helpline_core::{RequestId, Timestamp, UserId};
use sqlx::PgConnection;
use std::time::Duration;

#[async_trait::async_trait]
impl crate::Push for super::PostgresStore {
    /// Locks the user's row first, so two devices subscribing at once
    /// cannot both pass the limit.
    async fn save_subscription(
        &self,
        user: &UserId,
        draft: &SubscriptionDraft,
        renew_hash: &str,
        max: usize,
        now: Timestamp,
    ) -> StoreResult<SubscriptionInfo> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE")
            .bind(user.as_str())
            .execute(&mut *tx)
            .await?;
        let others: i64 = sqlx::query_scalar(sql::COUNT_OTHER_SUBSCRIPTIONS)
            .bind(user.as_str())
            .bind(&draft.endpoint)
            .fetch_one(&mut *tx)
            .await?;
        if others >= max as i64 {
            return Err(StoreError::LimitReached(
                "notifications are on for as many devices as allowed (10): turn them off on one first",
            ));
        }
        sqlx::query(sql::DROP_QUEUED_FOR_OTHERS)
            .bind(&draft.endpoint)
            .bind(user.as_str())
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query(sql::UPSERT_SUBSCRIPTION)
            .bind(&draft.endpoint)
            .bind(user.as_str())
            .bind(&draft.p256dh)
            .bind(&draft.auth)
            .bind(renew_hash)
            .bind(draft.expiration_time.map(Timestamp::millis))
            .bind(now.millis())
            .fetch_one(&mut *tx)
            .await?;
        let saved = rows::subscription_info(&row)?;
        tx.commit().await?;
        Ok(saved)
    }

    async fn subscriptions_of(&self, user: &UserId) -> StoreResult<Vec<SubscriptionInfo>> {
        let found = sqlx::query(sql::SUBSCRIPTIONS_OF)
            .bind(user.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows::all(&found, rows::subscription_info)
    }

    async fn delete_subscription(
        &self,
        user: Option<&UserId>,
        endpoint: &str,
    ) -> StoreResult<bool> {
        let done = match user {
            Some(user) => sqlx::query(sql::DELETE_OWN_SUBSCRIPTION)
                .bind(endpoint)
                .bind(user.as_str()),
            None => sqlx::query(sql::DELETE_SUBSCRIPTION).bind(endpoint),
        }
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn may_renew(&self, endpoint: &str, renew_hash: &str) -> StoreResult<bool> {
        Ok(sqlx::query_scalar(sql::MAY_RENEW)
            .bind(endpoint)
            .bind(renew_hash)
            .fetch_one(&self.pool)
            .await?)
    }

    async fn renew_subscription(
        &self,
        old_endpoint: &str,
        old_hash: &str,
        draft: &SubscriptionDraft,
        new_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<(UserId, SubscriptionInfo)>> {
        let mut tx = self.pool.begin().await?;
        let old = (old_endpoint, old_hash);
        let renewed = renew(&mut tx, old, draft, new_hash, now).await?;
        tx.commit().await?;
        Ok(renewed)
    }

    async fn user_settings(&self, user: &UserId) -> StoreResult<UserSettings> {
        let row = sqlx::query(sql::USER_SETTINGS)
            .bind(user.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.map_or(Ok(UserSettings::default()), |row| rows::user_settings(&row))
    }

    async fn save_user_settings(&self, user: &UserId, settings: &UserSettings) -> StoreResult<()> {
        let quiet = settings.quiet_hours.as_ref();
        sqlx::query(sql::UPSERT_USER_SETTINGS)
            .bind(user.as_str())
            .bind(quiet.map(|q| q.from.to_string()))
            .bind(quiet.map(|q| q.to.to_string()))
            .bind(quiet.map(|q| q.time_zone.clone()))
            .bind(i64::from(settings.push_show_names))
            .bind(i64::from(settings.prefer_familiar))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn store_availability(
        &self,
        user: &UserId,
        availability: Availability,
    ) -> StoreResult<()> {
        sqlx::query(sql::SET_AVAILABILITY)
            .bind(availability.as_str())
            .bind(user.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn on_call_volunteers(
        &self,
        seeker: &UserId,
        target: Option<&UserId>,
    ) -> StoreResult<Vec<OnCall>> {
        let found = sqlx::query(sql::ON_CALL_VOLUNTEERS)
            .bind(target.map(UserId::as_str))
            .bind(seeker.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows::all(&found, rows::on_call)
    }

    async fn queue_pushes(&self, pushes: &[OutgoingPush], now: Timestamp) -> StoreResult<usize> {
        if pushes.is_empty() {
            return Ok(0);
        }
        let mut tx = self.pool.begin().await?;
        let mut queued = 0;
        for push in pushes {
            queued += queue(&mut tx, push, now).await?;
        }
        tx.commit().await?;
        Ok(queued)
    }

    async fn queue_throttled_push(
        &self,
        push: &OutgoingPush,
        now: Timestamp,
        gap: Duration,
    ) -> StoreResult<MessageSlot> {
        if !has_device(&self.pool, &push.user).await? {
            return Ok(MessageSlot::NoDevice);
        }
        let mut tx = self.pool.begin().await?;
        let slot = throttled(&mut tx, push, now, gap).await?;
        tx.commit().await?;
        Ok(slot)
    }

    async fn has_due_pushes(&self, now: Timestamp) -> StoreResult<bool> {
        Ok(sqlx::query_scalar(sql::HAS_DUE_PUSHES)
            .bind(now.millis())
            .fetch_one(&self.pool)
            .await?)
    }

    async fn claim_pushes(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<QueuedPush>> {
        let claim = uuid::Uuid::now_v7().to_string();
        let mut tx = self.pool.begin().await?;
        let taken = sqlx::query(sql::claim_pushes!("FOR UPDATE SKIP LOCKED"))
            .bind(lease_until.millis())
            .bind(&claim)
            .bind(now.millis())
            .bind(limit as i64)
            .execute(&mut *tx)
            .await?;
        if taken.rows_affected() == 0 {
            tx.commit().await?;
            return Ok(Vec::new());
        }
        let found = sqlx::query(sql::CLAIMED_PUSHES)
            .bind(&claim)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        rows::all(&found, rows::queued_push)
    }

    async fn push_done(&self, id: i64) -> StoreResult<()> {
        sqlx::query(sql::PUSH_DONE)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn push_later(&self, id: i64, due_at: Timestamp) -> StoreResult<()> {
        sqlx::query(sql::PUSH_LATER)
            .bind(due_at.millis())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn mark_pushed(
        &self,
        subject: &str,
        request: Option<&RequestId>,
        users: &[UserId],
    ) -> StoreResult<()> {
        if users.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for user in users {
            sqlx::query(sql::MARK_PUSHED)
                .bind(subject)
                .bind(user.as_str())
                .execute(&mut *tx)
                .await?;
        }
        if let Some(request) = request {
            sqlx::query(sql::FLAG_REQUEST_PUSHED)
                .bind(request.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn take_pushed(
        &self,
        subject: &str,
        only: Option<&UserId>,
        unsent: Option<(PushKind, &str)>,
    ) -> StoreResult<Vec<UserId>> {
        if !any_marks(&self.pool, subject).await? {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin().await?;
        let taken = take(&mut tx, subject, only, unsent).await?;
        tx.commit().await?;
        Ok(taken)
    }
}

crate::push_steps::push_steps!(PgConnection, sqlx::PgPool);
