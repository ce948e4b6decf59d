//! Caregivers on SQLite: every write (an invitation, a redemption, a
//! link's change, a look with its recorded views) is one job on the single
//! writer, which also makes a redemption happen for exactly one caller;
//! the summaries are read from the reader pool after the look commits.

use crate::caregiving::{caregiving_steps, linked_seeker};
use crate::sql::caregivers as sql;
use crate::{NewInvitation, Redeemed, StoreError, StoreResult};
use helpline_core::caregiving::{Caregiver, Invitation, Link, SeekerSummary};
use helpline_core::{InvitationId, Timestamp, UserId};
use sqlx::{Row, SqlitePool};

caregiving_steps!(SqlitePool);

#[async_trait::async_trait]
impl crate::Caregivers for super::SqliteStore {
    async fn create_invitation(
        &self,
        new: &NewInvitation,
        max_pending: i64,
    ) -> StoreResult<Invitation> {
        let new = new.clone();
        self.writer
            .run(move |conn| {
                let new = new.clone();
                Box::pin(async move {
                    let pending: i64 = sqlx::query_scalar(sql::COUNT_PENDING)
                        .bind(new.seeker.as_str())
                        .bind(new.now.millis())
                        .fetch_one(&mut *conn)
                        .await?;
                    if pending >= max_pending {
                        return Err(StoreError::LimitReached(
                            "you have as many open invitations as allowed; cancel one first",
                        ));
                    }
                    sqlx::query(sql::INSERT_INVITATION)
                        .bind(new.id.as_str())
                        .bind(new.code_hash.as_str())
                        .bind(new.seeker.as_str())
                        .bind(new.now.millis())
                        .bind(new.expires_at.millis())
                        .execute(&mut *conn)
                        .await?;
                    Ok(Invitation {
                        id: new.id,
                        created_at: new.now,
                        expires_at: new.expires_at,
                    })
                })
            })
            .await
    }

    async fn pending_invitations(
        &self,
        seeker: &UserId,
        now: Timestamp,
    ) -> StoreResult<Vec<Invitation>> {
        let found = sqlx::query(sql::PENDING_INVITATIONS)
            .bind(seeker.as_str())
            .bind(now.millis())
            .fetch_all(&self.readers)
            .await?;
        crate::rows::all(&found, crate::caregiving::invitation)
    }

    async fn cancel_invitation(&self, seeker: &UserId, id: &InvitationId) -> StoreResult<bool> {
        let (seeker, id) = (seeker.clone(), id.clone());
        self.writer
            .run(move |conn| {
                let (seeker, id) = (seeker.clone(), id.clone());
                Box::pin(async move {
                    let done = sqlx::query(sql::CANCEL_INVITATION)
                        .bind(seeker.as_str())
                        .bind(id.as_str())
                        .execute(&mut *conn)
                        .await?;
                    Ok(done.rows_affected() > 0)
                })
            })
            .await
    }

    async fn redeem_invitation(
        &self,
        code_hash: &str,
        caregiver: &UserId,
        now: Timestamp,
    ) -> StoreResult<Redeemed> {
        let (hash, caregiver) = (code_hash.to_owned(), caregiver.clone());
        self.writer
            .run(move |conn| {
                let (hash, caregiver) = (hash.clone(), caregiver.clone());
                Box::pin(async move {
                    let Some(row) = sqlx::query(sql::INVITATION_BY_HASH)
                        .bind(hash.as_str())
                        .fetch_optional(&mut *conn)
                        .await?
                    else {
                        return Ok(Redeemed::NoSuchCode);
                    };
                    let seeker: String = row.try_get("seeker_id")?;
                    let expires_at: i64 = row.try_get("expires_at")?;
                    let redeemed_at: Option<i64> = row.try_get("redeemed_at")?;
                    if redeemed_at.is_some() {
                        return Ok(Redeemed::Used);
                    }
                    if expires_at <= now.millis() {
                        return Ok(Redeemed::Expired);
                    }
                    let linked: bool = sqlx::query_scalar(sql::LINK_EXISTS)
                        .bind(seeker.as_str())
                        .bind(caregiver.as_str())
                        .fetch_one(&mut *conn)
                        .await?;
                    if linked {
                        return Ok(Redeemed::AlreadyLinked);
                    }
                    let done = sqlx::query(sql::REDEEM)
                        .bind(now.millis())
                        .bind(caregiver.as_str())
                        .bind(hash.as_str())
                        .execute(&mut *conn)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Ok(Redeemed::Used);
                    }
                    sqlx::query(sql::INSERT_LINK)
                        .bind(seeker.as_str())
                        .bind(caregiver.as_str())
                        .bind(now.millis())
                        .execute(&mut *conn)
                        .await?;
                    let seeker_name: String = sqlx::query_scalar(sql::DISPLAY_NAME)
                        .bind(seeker.as_str())
                        .fetch_one(&mut *conn)
                        .await?;
                    Ok(Redeemed::Linked(Link {
                        seeker_id: UserId::from_trusted(seeker),
                        seeker_name,
                        since: now,
                    }))
                })
            })
            .await
    }

    async fn caregivers_of(&self, seeker: &UserId, views: i64) -> StoreResult<Vec<Caregiver>> {
        caregivers_with_views(&self.readers, seeker, views).await
    }

    async fn set_show_volunteer_names(
        &self,
        seeker: &UserId,
        caregiver: &UserId,
        show: bool,
    ) -> StoreResult<bool> {
        let (seeker, caregiver) = (seeker.clone(), caregiver.clone());
        self.writer
            .run(move |conn| {
                let (seeker, caregiver) = (seeker.clone(), caregiver.clone());
                Box::pin(async move {
                    let done = sqlx::query(sql::SET_SHOW_NAMES)
                        .bind(i64::from(show))
                        .bind(seeker.as_str())
                        .bind(caregiver.as_str())
                        .execute(&mut *conn)
                        .await?;
                    Ok(done.rows_affected() > 0)
                })
            })
            .await
    }

    async fn remove_caregiver(&self, seeker: &UserId, caregiver: &UserId) -> StoreResult<bool> {
        let (seeker, caregiver) = (seeker.clone(), caregiver.clone());
        self.writer
            .run(move |conn| {
                let (seeker, caregiver) = (seeker.clone(), caregiver.clone());
                Box::pin(async move {
                    let done = sqlx::query(sql::REMOVE_LINK)
                        .bind(seeker.as_str())
                        .bind(caregiver.as_str())
                        .execute(&mut *conn)
                        .await?;
                    Ok(done.rows_affected() > 0)
                })
            })
            .await
    }

    async fn look_in(
        &self,
        caregiver: &UserId,
        now: Timestamp,
        window_start: Timestamp,
    ) -> StoreResult<Vec<SeekerSummary>> {
        let who = caregiver.clone();
        let seekers = self
            .writer
            .run(move |conn| {
                let who = who.clone();
                Box::pin(async move {
                    let found = sqlx::query(sql::links_of_caregiver!(""))
                        .bind(who.as_str())
                        .fetch_all(&mut *conn)
                        .await?;
                    let seekers = crate::rows::all(&found, linked_seeker)?;
                    for seeker in &seekers {
                        sqlx::query(sql::INSERT_VIEW)
                            .bind(seeker.id.as_str())
                            .bind(who.as_str())
                            .bind(now.millis())
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(seekers)
                })
            })
            .await?;
        let mut summaries = Vec::with_capacity(seekers.len());
        for seeker in seekers {
            summaries.push(summary_of(&self.readers, seeker, window_start).await?);
        }
        Ok(summaries)
    }
}
