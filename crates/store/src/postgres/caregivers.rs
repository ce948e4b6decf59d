//! Caregivers on PostgreSQL: an invitation is counted and stored under a
//! lock on its seeker's row (so two at once cannot pass the limit); a
//! redemption is one transaction whose conditional update lets exactly
//! one of racing redeemers win; a look reads the links under a share lock
//! (a removal waits for it) and records its views in the same transaction.

use crate::caregiving::{caregiving_steps, linked_seeker};
use crate::sql::caregivers as sql;
use crate::{NewInvitation, Redeemed, StoreError, StoreResult};
use helpline_core::caregiving::{Caregiver, Invitation, Link, SeekerSummary};
use helpline_core::{InvitationId, Timestamp, UserId};
use sqlx::{PgPool, Row};

caregiving_steps!(PgPool);

#[async_trait::async_trait]
impl crate::Caregivers for super::PostgresStore {
    async fn create_invitation(
        &self,
        new: &NewInvitation,
        max_pending: i64,
    ) -> StoreResult<Invitation> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
            .bind(new.seeker.as_str())
            .execute(&mut *tx)
            .await?;
        let pending: i64 = sqlx::query_scalar(sql::COUNT_PENDING)
            .bind(new.seeker.as_str())
            .bind(new.now.millis())
            .fetch_one(&mut *tx)
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
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Invitation {
            id: new.id.clone(),
            created_at: new.now,
            expires_at: new.expires_at,
        })
    }

    async fn pending_invitations(
        &self,
        seeker: &UserId,
        now: Timestamp,
    ) -> StoreResult<Vec<Invitation>> {
        let found = sqlx::query(sql::PENDING_INVITATIONS)
            .bind(seeker.as_str())
            .bind(now.millis())
            .fetch_all(&self.pool)
            .await?;
        crate::rows::all(&found, crate::caregiving::invitation)
    }

    async fn cancel_invitation(&self, seeker: &UserId, id: &InvitationId) -> StoreResult<bool> {
        let done = sqlx::query(sql::CANCEL_INVITATION)
            .bind(seeker.as_str())
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn redeem_invitation(
        &self,
        code_hash: &str,
        caregiver: &UserId,
        now: Timestamp,
    ) -> StoreResult<Redeemed> {
        let mut tx = self.pool.begin().await?;
        let Some(row) = sqlx::query(sql::INVITATION_BY_HASH)
            .bind(code_hash)
            .fetch_optional(&mut *tx)
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
            .fetch_one(&mut *tx)
            .await?;
        if linked {
            return Ok(Redeemed::AlreadyLinked);
        }
        // A racer holding the row makes this wait, then find it redeemed.
        let done = sqlx::query(sql::REDEEM)
            .bind(now.millis())
            .bind(caregiver.as_str())
            .bind(code_hash)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(Redeemed::Used);
        }
        let inserted = sqlx::query(sql::INSERT_LINK)
            .bind(seeker.as_str())
            .bind(caregiver.as_str())
            .bind(now.millis())
            .execute(&mut *tx)
            .await;
        match inserted {
            Err(error) if crate::error::is_unique_violation(&error) => {
                // Linked by another code of the same seeker meanwhile;
                // this one stays unused (the transaction rolls back).
                return Ok(Redeemed::AlreadyLinked);
            }
            other => {
                other?;
            }
        }
        let seeker_name: String = sqlx::query_scalar(sql::DISPLAY_NAME)
            .bind(seeker.as_str())
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Redeemed::Linked(Link {
            seeker_id: UserId::from_trusted(seeker),
            seeker_name,
            since: now,
        }))
    }

    async fn caregivers_of(&self, seeker: &UserId, views: i64) -> StoreResult<Vec<Caregiver>> {
        caregivers_with_views(&self.pool, seeker, views).await
    }

    async fn set_show_volunteer_names(
        &self,
        seeker: &UserId,
        caregiver: &UserId,
        show: bool,
    ) -> StoreResult<bool> {
        let done = sqlx::query(sql::SET_SHOW_NAMES)
            .bind(i64::from(show))
            .bind(seeker.as_str())
            .bind(caregiver.as_str())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn remove_caregiver(&self, seeker: &UserId, caregiver: &UserId) -> StoreResult<bool> {
        let done = sqlx::query(sql::REMOVE_LINK)
            .bind(seeker.as_str())
            .bind(caregiver.as_str())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn look_in(
        &self,
        caregiver: &UserId,
        now: Timestamp,
        window_start: Timestamp,
    ) -> StoreResult<Vec<SeekerSummary>> {
        let mut tx = self.pool.begin().await?;
        let found = sqlx::query(sql::links_of_caregiver!(" FOR SHARE OF l"))
            .bind(caregiver.as_str())
            .fetch_all(&mut *tx)
            .await?;
        let seekers = crate::rows::all(&found, linked_seeker)?;
        for seeker in &seekers {
            sqlx::query(sql::INSERT_VIEW)
                .bind(seeker.id.as_str())
                .bind(caregiver.as_str())
                .bind(now.millis())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        let mut summaries = Vec::with_capacity(seekers.len());
        for seeker in seekers {
            summaries.push(summary_of(&self.pool, seeker, window_start).await?);
        }
        Ok(summaries)
    }
}
