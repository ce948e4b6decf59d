//! Web Push on SQLite: writes are jobs on the single writer
//! ([`super::writer`]), so a claim needs no row locks; reads use the reader
//! pool.

use crate::areas::{MessageSlot, OnCall};
use crate::sql::push as sql;
use crate::{StoreError, StoreResult, rows};
use helpline_core::push::{
    OutgoingPush, PushKind, QueuedPush, SubscriptionDraft, SubscriptionInfo, UserSettings,
};
use helpline_core::user::Availability;
use helpline_core::{RequestId, Timestamp, UserId};
use sqlx::SqliteConnection;
use std::time::Duration;

#[async_trait::async_trait]
impl crate::Push for super::SqliteStore {
    async fn save_subscription(
        &self,
        user: &UserId,
        draft: &SubscriptionDraft,
        renew_hash: &str,
        max: usize,
        now: Timestamp,
    ) -> StoreResult<SubscriptionInfo> {
        let (user, draft, renew_hash) = (user.clone(), draft.clone(), renew_hash.to_owned());
        self.writer
            .run(move |conn| {
                Box::pin(async move {
                    let others: i64 = sqlx::query_scalar(sql::COUNT_OTHER_SUBSCRIPTIONS)
                        .bind(user.as_str())
                        .bind(&draft.endpoint)
                        .fetch_one(&mut *conn)
                        .await?;
                    if others >= max as i64 {
                        return Err(StoreError::LimitReached(
                            "notifications are on for as many devices as allowed (10): turn them off on one first",
                        ));
                    }
                    sqlx::query(sql::DROP_QUEUED_FOR_OTHERS)
                        .bind(&draft.endpoint)
                        .bind(user.as_str())
                        .execute(&mut *conn)
                        .await?;
                    let row = sqlx::query(sql::UPSERT_SUBSCRIPTION)
                        .bind(&draft.endpoint)
                        .bind(user.as_str())
                        .bind(&draft.p256dh)
                        .bind(&draft.auth)
                        .bind(&renew_hash)
                        .bind(draft.expiration_time.map(Timestamp::millis))
                        .bind(now.millis())
                        .fetch_one(&mut *conn)
                        .await?;
                    rows::subscription_info(&row)
                })
            })
            .await
    }

    async fn subscriptions_of(&self, user: &UserId) -> StoreResult<Vec<SubscriptionInfo>> {
        let found = sqlx::query(sql::SUBSCRIPTIONS_OF)
            .bind(user.as_str())
            .fetch_all(&self.readers)
            .await?;
        rows::all(&found, rows::subscription_info)
    }

    async fn delete_subscription(
        &self,
        user: Option<&UserId>,
        endpoint: &str,
    ) -> StoreResult<bool> {
        let (user, endpoint) = (user.cloned(), endpoint.to_owned());
        self.writer
            .run(move |conn| {
                Box::pin(async move {
                    let done = match &user {
                        Some(user) => sqlx::query(sql::DELETE_OWN_SUBSCRIPTION)
                            .bind(&endpoint)
                            .bind(user.as_str()),
                        None => sqlx::query(sql::DELETE_SUBSCRIPTION).bind(&endpoint),
                    }
                    .execute(&mut *conn)
                    .await?;
                    Ok(done.rows_affected() > 0)
                })
            })
            .await
    }

    async fn may_renew(&self, endpoint: &str, renew_hash: &str) -> StoreResult<bool> {
        Ok(sqlx::query_scalar(sql::MAY_RENEW)
            .bind(endpoint)
            .bind(renew_hash)
            .fetch_one(&self.readers)
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
        let (old_endpoint, old_hash) = (old_endpoint.to_owned(), old_hash.to_owned());
        let (draft, new_hash) = (draft.clone(), new_hash.to_owned());
        self.writer
            .run(move |conn| {
                Box::pin(async move {
                    let old = (old_endpoint.as_str(), old_hash.as_str());
                    renew(conn, old, &draft, &new_hash, now).await
                })
            })
            .await
    }

    async fn user_settings(&self, user: &UserId) -> StoreResult<UserSettings> {
        let row = sqlx::query(sql::USER_SETTINGS)
            .bind(user.as_str())
            .fetch_optional(&self.readers)
            .await?;
        row.map_or(Ok(UserSettings::default()), |row| rows::user_settings(&row))
    }

    async fn save_user_settings(&self, user: &UserId, settings: &UserSettings) -> StoreResult<()> {
        let (user, settings) = (user.clone(), settings.clone());
        self.writer
            .run(move |conn| {
                Box::pin(async move {
                    let quiet = settings.quiet_hours.as_ref();
                    sqlx::query(sql::UPSERT_USER_SETTINGS)
                        .bind(user.as_str())
                        .bind(quiet.map(|q| q.from.to_string()))
                        .bind(quiet.map(|q| q.to.to_string()))
                        .bind(quiet.map(|q| q.time_zone.clone()))
                        .bind(i64::from(settings.push_show_names))
                        .bind(i64::from(settings.prefer_familiar))
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn store_availability(
        &self,
        user: &UserId,
        availability: Availability,
    ) -> StoreResult<()> {
        let user = user.clone();
        self.writer
            .run(move |conn| {
                Box::pin(async move {
                    sqlx::query(sql::SET_AVAILABILITY)
                        .bind(availability.as_str())
                        .bind(user.as_str())
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn on_call_volunteers(
        &self,
        seeker: &UserId,
        target: Option<&UserId>,
    ) -> StoreResult<Vec<OnCall>> {
        let found = sqlx::query(sql::ON_CALL_VOLUNTEERS)
            .bind(target.map(UserId::as_str))
            .bind(seeker.as_str())
            .fetch_all(&self.readers)
            .await?;
        rows::all(&found, rows::on_call)
    }

    async fn queue_pushes(&self, pushes: &[OutgoingPush], now: Timestamp) -> StoreResult<usize> {
        if pushes.is_empty() {
            return Ok(0);
        }
        let pushes = pushes.to_vec();
        self.writer
            .run(move |conn| {
                Box::pin(async move {
                    let mut queued = 0;
                    for push in &pushes {
                        queued += queue(conn, push, now).await?;
                    }
                    Ok(queued)
                })
            })
            .await
    }

    async fn queue_throttled_push(
        &self,
        push: &OutgoingPush,
        now: Timestamp,
        gap: Duration,
    ) -> StoreResult<MessageSlot> {
        if !has_device(&self.readers, &push.user).await? {
            return Ok(MessageSlot::NoDevice);
        }
        let push = push.clone();
        self.writer
            .run(move |conn| Box::pin(async move { throttled(conn, &push, now, gap).await }))
            .await
    }

    async fn has_due_pushes(&self, now: Timestamp) -> StoreResult<bool> {
        Ok(sqlx::query_scalar(sql::HAS_DUE_PUSHES)
            .bind(now.millis())
            .fetch_one(&self.readers)
            .await?)
    }

    async fn claim_pushes(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<QueuedPush>> {
        let claim = uuid::Uuid::now_v7().to_string();
        self.writer
            .run(move |conn| {
                Box::pin(async move {
                    let taken = sqlx::query(sql::claim_pushes!(""))
                        .bind(lease_until.millis())
                        .bind(&claim)
                        .bind(now.millis())
                        .bind(limit as i64)
                        .execute(&mut *conn)
                        .await?;
                    if taken.rows_affected() == 0 {
                        return Ok(Vec::new());
                    }
                    let found = sqlx::query(sql::CLAIMED_PUSHES)
                        .bind(&claim)
                        .fetch_all(&mut *conn)
                        .await?;
                    rows::all(&found, rows::queued_push)
                })
            })
            .await
    }

    async fn push_done(&self, id: i64) -> StoreResult<()> {
        self.writer
            .run(move |conn| {
                Box::pin(async move {
                    sqlx::query(sql::PUSH_DONE)
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn push_later(&self, id: i64, due_at: Timestamp) -> StoreResult<()> {
        self.writer
            .run(move |conn| {
                Box::pin(async move {
                    sqlx::query(sql::PUSH_LATER)
                        .bind(due_at.millis())
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            })
            .await
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
        let (subject, request, users) = (subject.to_owned(), request.cloned(), users.to_vec());
        self.writer
            .run(move |conn| {
                Box::pin(async move {
                    for user in &users {
                        sqlx::query(sql::MARK_PUSHED)
                            .bind(&subject)
                            .bind(user.as_str())
                            .execute(&mut *conn)
                            .await?;
                    }
                    if let Some(request) = &request {
                        sqlx::query(sql::FLAG_REQUEST_PUSHED)
                            .bind(request.as_str())
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .await
    }

    async fn take_pushed(
        &self,
        subject: &str,
        only: Option<&UserId>,
        unsent: Option<(PushKind, &str)>,
    ) -> StoreResult<Vec<UserId>> {
        if !any_marks(&self.readers, subject).await? {
            return Ok(Vec::new());
        }
        let (subject, only) = (subject.to_owned(), only.cloned());
        let unsent = unsent.map(|(kind, topic)| (kind, topic.to_owned()));
        self.writer
            .run(move |conn| {
                Box::pin(async move {
                    let unsent = unsent.as_ref().map(|(kind, topic)| (*kind, topic.as_str()));
                    take(conn, &subject, only.as_ref(), unsent).await
                })
            })
            .await
    }
}

crate::push_steps::push_steps!(SqliteConnection, sqlx::SqlitePool);
