//! Web Push on SQLite: writes are jobs on the single writer
//! ([`super::writer`]), so a claim needs no row locks; reads use the reader
//! pool.

use crate::areas::OnCall;
use crate::sql::push as sql;
use crate::{StoreError, StoreResult, rows};
use helpline_core::push::{
    OutgoingPush, QueuedPush, SubscriptionDraft, SubscriptionInfo, UserSettings,
};
use helpline_core::user::Availability;
use helpline_core::{Timestamp, UserId};
use sqlx::SqliteConnection;
use std::time::Duration;

#[async_trait::async_trait]
impl crate::Push for super::SqliteStore {
    async fn save_subscription(
        &self,
        user: &UserId,
        draft: &SubscriptionDraft,
        max: usize,
        now: Timestamp,
    ) -> StoreResult<SubscriptionInfo> {
        let (user, draft) = (user.clone(), draft.clone());
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

    async fn renew_subscription(
        &self,
        old_endpoint: &str,
        draft: &SubscriptionDraft,
        now: Timestamp,
    ) -> StoreResult<Option<(UserId, SubscriptionInfo)>> {
        let (old, draft) = (old_endpoint.to_owned(), draft.clone());
        self.writer
            .run(move |conn| Box::pin(async move { renew(conn, &old, &draft, now).await }))
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
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn stored_availability(&self, user: &UserId) -> StoreResult<Availability> {
        let stored: Option<String> = sqlx::query_scalar(sql::AVAILABILITY)
            .bind(user.as_str())
            .fetch_optional(&self.readers)
            .await?;
        Ok(stored
            .as_deref()
            .and_then(Availability::parse)
            .unwrap_or(Availability::Available))
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
    ) -> StoreResult<usize> {
        let push = push.clone();
        self.writer
            .run(move |conn| {
                Box::pin(async move {
                    let took: Option<String> = sqlx::query_scalar(sql::TAKE_THROTTLE_SLOT)
                        .bind(push.user.as_str())
                        .bind(now.millis())
                        .bind(now.minus(gap).millis())
                        .fetch_optional(&mut *conn)
                        .await?;
                    match took {
                        Some(_) => queue(conn, &push, now).await,
                        None => Ok(0),
                    }
                })
            })
            .await
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

    async fn mark_pushed(&self, subject: &str, users: &[UserId]) -> StoreResult<()> {
        if users.is_empty() {
            return Ok(());
        }
        let (subject, users) = (subject.to_owned(), users.to_vec());
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
                    Ok(())
                })
            })
            .await
    }

    async fn take_pushed(&self, subject: &str) -> StoreResult<Vec<UserId>> {
        let subject = subject.to_owned();
        self.writer
            .run(move |conn| {
                Box::pin(async move {
                    let ids: Vec<String> = sqlx::query_scalar(sql::TAKE_PUSHED)
                        .bind(&subject)
                        .fetch_all(&mut *conn)
                        .await?;
                    Ok(ids.into_iter().map(UserId::from_trusted).collect())
                })
            })
            .await
    }
}

/// Queues one push per device of its user.
async fn queue(
    conn: &mut SqliteConnection,
    push: &OutgoingPush,
    now: Timestamp,
) -> StoreResult<usize> {
    let done = sqlx::query(sql::QUEUE_PUSH)
        .bind(push.notice.kind.as_str())
        .bind(push.notice.to_json())
        .bind(push.urgency.as_str())
        .bind(push.topic.as_deref())
        .bind(push.expires_at.millis())
        .bind(now.millis())
        .bind(push.user.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() as usize)
}

async fn renew(
    conn: &mut SqliteConnection,
    old: &str,
    draft: &SubscriptionDraft,
    now: Timestamp,
) -> StoreResult<Option<(UserId, SubscriptionInfo)>> {
    let owner: Option<String> = sqlx::query_scalar(sql::OWNER_OF_SUBSCRIPTION)
        .bind(old)
        .fetch_optional(&mut *conn)
        .await?;
    if owner.is_none() {
        return Ok(None);
    }
    sqlx::query(sql::DELETE_OTHER_SUBSCRIPTION)
        .bind(&draft.endpoint)
        .bind(old)
        .execute(&mut *conn)
        .await?;
    let row = sqlx::query(sql::RENEW_SUBSCRIPTION)
        .bind(&draft.endpoint)
        .bind(&draft.p256dh)
        .bind(&draft.auth)
        .bind(draft.expiration_time.map(Timestamp::millis))
        .bind(now.millis())
        .bind(old)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|row| {
        Ok((
            UserId::from_trusted(rows::Columns::text(&row, "user_id")?),
            rows::subscription_info(&row)?,
        ))
    })
    .transpose()
}
