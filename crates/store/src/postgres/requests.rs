//! Help requests on PostgreSQL: opening (with the first offers) and
//! reading them, the moves out of `pending` (cancel, reject, expiry), later
//! offers and declines, and feedback. Each write but the opening is one
//! statement; a move out of `pending` is a conditional
//! update, so a racing one waits for the row and then finds it no longer
//! pending. The claim, which also opens the conversation, is one
//! transaction that reads the pair's blocks after taking the row lock.

use super::edits::insert_note;
use super::requests;
use crate::ClaimOutcome;
use crate::error::is_unique_violation;
use crate::offers::BLOCKED_EITHER_WAY;
use crate::offers::{BLOCK_PARTIES, offer_targets};
use crate::rows::{self, Columns};
use crate::sql;
use crate::waiting;
use crate::{OfferableRequest, OnWritten, OpenedRequest, StoreError, StoreResult};
use helpline_core::ConversationId;
use helpline_core::notice::SystemNote;
use helpline_core::queue::{Standing, WaitingLine};
use helpline_core::request::{ChatCap, Feedback, HelpRequest, NewHelpRequest, RequestStatus};
use helpline_core::user::{Role, User};
use helpline_core::{RequestId, Timestamp, UserId};
use sqlx::{PgConnection, PgPool};

/// Records in `tx` that the volunteer answered the request without taking
/// it (declined it, or lost the race for it): it is not offered to them
/// again, and their missed offers count from zero.
async fn answered(tx: &mut PgConnection, id: &RequestId, volunteer: &UserId) -> StoreResult<()> {
    sqlx::query(sql::requests::RECORD_DECLINE)
        .bind(id.as_str())
        .bind(volunteer.as_str())
        .execute(&mut *tx)
        .await?;
    sqlx::query(sql::volunteers::RESET_MISSED_OFFERS)
        .bind(volunteer.as_str())
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// The advisory lock that serialises [`crate::Requests::standings_to_tell`].
const WAITING_LINE_LOCK: i64 = 0x5761_6974_696e_6721; // "Waiting!"

/// The request with this id, read on `conn`.
pub(super) async fn request_on(
    conn: &mut PgConnection,
    id: &str,
) -> StoreResult<Option<HelpRequest>> {
    let row = sqlx::query(sql::requests::SELECT_HELP_REQUESTS_BY_ID)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(rows::help_request).transpose()
}

/// A conditional status move out of `pending`; returns the moved request.
/// See [`crate::Requests::cancel_request`] and [`crate::Requests::reject_request`].
pub(super) async fn move_pending(
    pool: &PgPool,
    id: &str,
    to: &str,
) -> StoreResult<Option<HelpRequest>> {
    let row = sqlx::query(sql::requests::MOVE_PENDING)
        .bind(to)
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(rows::help_request).transpose()
}

#[async_trait::async_trait]
impl crate::Requests for super::PostgresStore {
    /// The request, the seeker's block parties (read after taking the
    /// seeker's row shared, see `set_block`) and the offer list in one
    /// transaction. `written` hears of it after the commit: another process
    /// may read it as soon as it is told.
    async fn open_request(
        &self,
        new: &NewHelpRequest,
        candidates: &[UserId],
        cap: ChatCap,
        written: Option<OnWritten>,
    ) -> StoreResult<OpenedRequest> {
        let pool = &self.pool;
        let d = &new.draft;
        let mut tx = pool.begin().await?;
        // The seeker's row, shared: a block being stored holds it for
        // update (`set_block`), so the parties read below include it, and a
        // block that comes later finds this request when it is committed.
        sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR SHARE")
            .bind(new.seeker_id.as_str())
            .execute(&mut *tx)
            .await?;
        let parties: Vec<String> = sqlx::query_scalar(BLOCK_PARTIES)
            .bind(new.seeker_id.as_str())
            .fetch_all(&mut *tx)
            .await?;
        if let Some(target) = &d.target_volunteer_id
            && parties.iter().any(|p| p == target.as_str())
        {
            return Err(StoreError::Blocked);
        }
        let row = sqlx::query(sql::requests::INSERT_HELP_REQUESTS)
            .bind(new.id.as_str())
            .bind(new.seeker_id.as_str())
            .bind(d.target_volunteer_id.as_ref().map(UserId::as_str))
            .bind(d.request_type.as_str())
            .bind(d.topic.map(|t| t.as_str()))
            .bind(d.note.as_deref())
            .bind(new.created_at.millis())
            .bind(new.expires_at.millis())
            .bind(new.widen_at.map(Timestamp::millis))
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::PendingExists
                } else {
                    e.into()
                }
            })?;
        let request = rows::help_request(&row)?;
        let mut excluded = parties;
        if cap.is_set() {
            let at_cap: Vec<String> = sqlx::query_scalar(sql::requests::VOLUNTEERS_AT_CAP)
                .bind(cap.as_sql())
                .fetch_all(&mut *tx)
                .await?;
            excluded.extend(at_cap);
        }
        let offered = offer_targets(candidates, &excluded);
        if !offered.is_empty() {
            let ids: Vec<&str> = offered.iter().map(UserId::as_str).collect();
            sqlx::query(sql::requests::INSERT_REQUEST_OFFER_LISTS)
                .bind(request.id.as_str())
                .bind(ids)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        let opened = OpenedRequest { request, offered };
        if let Some(written) = written {
            written(&opened);
        }
        Ok(opened)
    }

    async fn request(&self, id: &RequestId) -> StoreResult<Option<HelpRequest>> {
        let pool = &self.pool;
        let mut conn = pool.acquire().await?;
        request_on(&mut conn, id.as_str()).await
    }

    async fn pending_request_of(&self, seeker: &UserId) -> StoreResult<Option<HelpRequest>> {
        let pool = &self.pool;
        let row = sqlx::query(sql::requests::PENDING_REQUEST_OF)
            .bind(seeker.as_str())
            .fetch_optional(pool)
            .await?;
        row.as_ref().map(rows::help_request).transpose()
    }

    async fn latest_request_of(&self, seeker: &UserId) -> StoreResult<Option<HelpRequest>> {
        let pool = &self.pool;
        let row = sqlx::query(sql::requests::LATEST_REQUEST_OF)
            .bind(seeker.as_str())
            .fetch_optional(pool)
            .await?;
        row.as_ref().map(rows::help_request).transpose()
    }

    async fn requests_of(&self, user: &User) -> StoreResult<Vec<HelpRequest>> {
        let pool = &self.pool;
        let sql = match user.role {
            Role::Seeker => sql::requests::REQUESTS_OF_SEEKER,
            _ => sql::requests::REQUESTS_OF_VOLUNTEER,
        };
        let found = sqlx::query(sql)
            .bind(user.id.as_str())
            .fetch_all(pool)
            .await?;
        rows::all(&found, rows::help_request)
    }

    async fn cancel_request(&self, id: &RequestId) -> StoreResult<Option<HelpRequest>> {
        move_pending(&self.pool, id.as_str(), "cancelled").await
    }

    async fn reject_request(&self, id: &RequestId) -> StoreResult<Option<HelpRequest>> {
        move_pending(&self.pool, id.as_str(), "rejected").await
    }

    async fn record_offers(
        &self,
        id: &RequestId,
        volunteers: &[UserId],
    ) -> StoreResult<Vec<UserId>> {
        record(&self.pool, id, volunteers, false).await
    }

    async fn record_batch(
        &self,
        id: &RequestId,
        volunteers: &[UserId],
    ) -> StoreResult<Vec<UserId>> {
        record(&self.pool, id, volunteers, true).await
    }

    async fn record_decline(&self, id: &RequestId, volunteer: &UserId) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        answered(&mut tx, id, volunteer).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn offered_volunteers(&self, id: &RequestId) -> StoreResult<Vec<UserId>> {
        let pool = &self.pool;
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT unnest(volunteer_ids) FROM request_offer_lists WHERE request_id = $1 \
             UNION SELECT volunteer_id FROM request_offers WHERE request_id = $1 \
             EXCEPT SELECT blocker_id FROM blocks WHERE blocked_id = (SELECT senior_id FROM help_requests WHERE id = $1) \
             EXCEPT SELECT blocked_id FROM blocks WHERE blocker_id = (SELECT senior_id FROM help_requests WHERE id = $1)",
        )
        .bind(id.as_str())
        .fetch_all(pool)
        .await?;
        Ok(ids.into_iter().map(UserId::from_trusted).collect())
    }

    async fn offered_to(&self, id: &RequestId, volunteer: &UserId) -> StoreResult<bool> {
        Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM request_offers WHERE request_id = $1 AND volunteer_id = $2) \
             OR EXISTS (SELECT 1 FROM request_offer_lists WHERE request_id = $1 AND $2 = ANY (volunteer_ids))",
        )
        .bind(id.as_str())
        .bind(volunteer.as_str())
        .fetch_one(&self.pool)
        .await?)
    }

    async fn offerable_requests(
        &self,
        volunteer: &UserId,
        now: Timestamp,
        cap: ChatCap,
    ) -> StoreResult<Vec<OfferableRequest>> {
        let pool = &self.pool;
        if cap.is_set() {
            let active: i64 = sqlx::query_scalar(sql::requests::ACTIVE_CHATS_OF)
                .bind(volunteer.as_str())
                .fetch_one(pool)
                .await?;
            if active >= cap.as_sql() {
                return Ok(Vec::new());
            }
        }
        let found = sqlx::query(sql::requests::OFFERABLE_REQUESTS_POSTGRES)
            .bind(now.millis())
            .bind(volunteer.as_str())
            .fetch_all(pool)
            .await?;
        rows::all(&found, |r| {
            Ok(OfferableRequest {
                request: rows::help_request(r)?,
                seeker_display_name: r.text("seeker_display_name")?,
            })
        })
    }

    async fn volunteers_at_cap(&self, cap: ChatCap) -> StoreResult<Vec<UserId>> {
        if !cap.is_set() {
            return Ok(Vec::new());
        }
        let found: Vec<String> = sqlx::query_scalar(sql::requests::VOLUNTEERS_AT_CAP)
            .bind(cap.as_sql())
            .fetch_all(&self.pool)
            .await?;
        Ok(found.into_iter().map(UserId::from_trusted).collect())
    }

    async fn claim_request(
        &self,
        id: &RequestId,
        volunteer: &UserId,
        conversation: &ConversationId,
        note: &SystemNote,
        now: Timestamp,
        cap: ChatCap,
    ) -> StoreResult<ClaimOutcome> {
        let pool = &self.pool;
        let mut tx = pool.begin().await?;
        if cap.is_set() {
            // The volunteer's row, locked before the request's (as
            // `set_block` does): their claims run one at a time, and the
            // count below sees every one committed before.
            sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE")
                .bind(volunteer.as_str())
                .execute(&mut *tx)
                .await?;
            let active: i64 = sqlx::query_scalar(sql::requests::ACTIVE_CHATS_OF)
                .bind(volunteer.as_str())
                .fetch_one(&mut *tx)
                .await?;
            if active >= cap.as_sql() {
                let current = requests::request_on(&mut tx, id.as_str()).await?;
                tx.rollback().await?;
                return Ok(match current {
                    Some(current)
                        if current.status == RequestStatus::Pending && current.expires_at > now =>
                    {
                        ClaimOutcome::AtCap
                    }
                    Some(current) => ClaimOutcome::Lost(current),
                    None => ClaimOutcome::Missing,
                });
            }
        }
        // A racing claim waits here for the winner's commit, then finds the
        // row no longer pending and updates nothing.
        let claimed = sqlx::query(
        "UPDATE help_requests SET status = 'accepted', volunteer_id = $1, accepted_at = $2, conversation_id = $3 \
         WHERE id = $4 AND status = 'pending' AND expires_at > $2 RETURNING *",
    )
    .bind(volunteer.as_str())
    .bind(now.millis())
    .bind(conversation.as_str())
    .bind(id.as_str())
    .fetch_optional(&mut *tx)
    .await?;
        let Some(claimed) = claimed else {
            let current = requests::request_on(&mut tx, id.as_str()).await?;
            let Some(current) = current else {
                tx.rollback().await?;
                return Ok(ClaimOutcome::Missing);
            };
            // Trying to take it was an answer, not a missed offer.
            answered(&mut tx, id, volunteer).await?;
            tx.commit().await?;
            return Ok(ClaimOutcome::Lost(current));
        };
        let request = rows::help_request(&claimed)?;
        // A statement of its own, so that it reads with a snapshot taken after
        // the row lock above: a block stored while this claim waited for it
        // (`set_block` locks the pair's pending requests) is seen.
        let blocked: bool = sqlx::query_scalar(BLOCKED_EITHER_WAY)
            .bind(request.senior_id.as_str())
            .bind(volunteer.as_str())
            .fetch_one(&mut *tx)
            .await?;
        if blocked {
            tx.rollback().await?;
            return Ok(ClaimOutcome::Blocked);
        }
        // The note of the claim is the conversation's first message.
        let row = sqlx::query(sql::requests::INSERT_CONVERSATIONS)
            .bind(conversation.as_str())
            .bind(id.as_str())
            .bind(now.millis())
            .fetch_one(&mut *tx)
            .await?;
        let opened = rows::conversation(&row)?;
        for user in [&request.senior_id, volunteer] {
            sqlx::query(sql::requests::INSERT_CONVERSATION_PARTICIPANTS)
                .bind(conversation.as_str())
                .bind(user.as_str())
                .execute(&mut *tx)
                .await?;
        }
        insert_note(&mut tx, &note.message(conversation, volunteer, 1, now)).await?;
        sqlx::query(sql::volunteers::RESET_MISSED_OFFERS)
            .bind(volunteer.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(ClaimOutcome::Claimed {
            request,
            conversation: opened,
        })
    }

    async fn expire_due_requests(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<HelpRequest>> {
        let pool = &self.pool;
        // Rows another sweeper (or a claim) holds are skipped, not waited
        // for, so each expired request goes to exactly one caller. The pick
        // is a CTE, which runs once: as `WHERE id IN (subquery)` the planner
        // may rescan the subquery per row, and each rescan skips the rows
        // this statement already updated and locks `limit` more.
        let found = sqlx::query(
        "WITH due AS ( \
           SELECT id FROM help_requests WHERE status = 'pending' AND expires_at <= $1 ORDER BY expires_at LIMIT $2 \
           FOR UPDATE SKIP LOCKED) \
         UPDATE help_requests r SET status = 'expired' FROM due WHERE r.id = due.id AND r.status = 'pending' RETURNING r.*",
    )
    .bind(now.millis())
    .bind(limit)
    .fetch_all(pool)
    .await?;
        rows::all(&found, rows::help_request)
    }

    async fn escalate_due_requests(
        &self,
        made_by: Timestamp,
        now: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<HelpRequest>> {
        // As for expiry: rows another sweeper or a claim holds are skipped,
        // so each request is escalated by exactly one caller.
        let found = sqlx::query(
            "WITH due AS ( \
               SELECT id FROM help_requests WHERE status = 'pending' AND escalated_at IS NULL \
               AND created_at <= $2 ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED) \
             UPDATE help_requests r SET escalated_at = $1 FROM due \
             WHERE r.id = due.id AND r.status = 'pending' AND r.escalated_at IS NULL RETURNING r.*",
        )
        .bind(now.millis())
        .bind(made_by.millis())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows::all(&found, rows::help_request)
    }

    async fn widen_due_requests(
        &self,
        now: Timestamp,
        next: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<HelpRequest>> {
        // As for expiry: rows another sweeper or a claim holds are skipped,
        // so each deadline is taken by exactly one caller.
        let found = sqlx::query(
            "WITH due AS ( \
               SELECT id FROM help_requests WHERE status = 'pending' AND widen_at <= $1 \
               AND expires_at > $1 ORDER BY widen_at LIMIT $3 FOR UPDATE SKIP LOCKED) \
             UPDATE help_requests r SET widen_at = $2 FROM due \
             WHERE r.id = due.id AND r.status = 'pending' AND r.widen_at <= $1 RETURNING r.*",
        )
        .bind(now.millis())
        .bind(next.millis())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows::all(&found, rows::help_request)
    }

    async fn widen_when_declined(&self, id: &RequestId, now: Timestamp) -> StoreResult<bool> {
        let done = sqlx::query(sql::requests::WIDEN_WHEN_DECLINED_POSTGRES)
            .bind(now.millis())
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn stop_all_widening(&self) -> StoreResult<u64> {
        let done = sqlx::query(sql::requests::STOP_ALL_WIDENING)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn stop_widening(&self, id: &RequestId) -> StoreResult<()> {
        sqlx::query(sql::requests::STOP_WIDENING)
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn waiting_line(&self, now: Timestamp) -> StoreResult<WaitingLine> {
        Ok(waiting::read_line!(&self.pool, now).await?.0)
    }

    async fn standings_to_tell(&self, now: Timestamp) -> StoreResult<Vec<Standing>> {
        // Most calls change nothing (a claim with nobody else waiting): a
        // read without the lock says so.
        let (line, told) = waiting::read_line!(&self.pool, now).await?;
        if waiting::changed(&line, &told).is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin().await?;
        // Serialises every caller on every node, so what is stored as told
        // is always the newest line's.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(WAITING_LINE_LOCK)
            .execute(&mut *tx)
            .await?;
        let (line, told) = waiting::read_line!(&mut *tx, now).await?;
        let mut changed = Vec::new();
        for (standing, (position, wait)) in waiting::changed(&line, &told) {
            sqlx::query(sql::requests::SET_TOLD_STANDING)
                .bind(position)
                .bind(wait)
                .bind(standing.request_id.as_str())
                .execute(&mut *tx)
                .await?;
            changed.push(standing);
        }
        tx.commit().await?;
        Ok(changed)
    }

    async fn set_feedback(
        &self,
        id: &RequestId,
        feedback: &Feedback,
    ) -> StoreResult<Option<HelpRequest>> {
        let pool = &self.pool;
        let row = sqlx::query(sql::requests::SET_FEEDBACK)
            .bind(feedback.rating)
            .bind(feedback.text.as_deref())
            .bind(id.as_str())
            .fetch_optional(pool)
            .await?;
        row.as_ref().map(rows::help_request).transpose()
    }
}

/// Records later offers of request `id` to `volunteers` (see
/// [`crate::Requests::record_offers`]); with `fresh_only`, returns only
/// those never offered it before ([`crate::Requests::record_batch`]).
async fn record(
    pool: &sqlx::PgPool,
    id: &RequestId,
    volunteers: &[UserId],
    fresh_only: bool,
) -> StoreResult<Vec<UserId>> {
    if volunteers.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = pool.begin().await?;
    // Shared with other offers, exclusive against a block being stored
    // (`set_block` locks the pair's pending requests): the parties read
    // next include any block committed before this offer. A claim or
    // expiry holding the row is waited for, and then the request is no
    // longer pending and offered to nobody. Two batches of one request
    // are serialised here too (a shared lock each, then the inserts'
    // conflicts decide who recorded whom).
    let seeker: Option<String> = sqlx::query_scalar(
        "SELECT senior_id FROM help_requests WHERE id = $1 AND status = 'pending' FOR SHARE",
    )
    .bind(id.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(seeker) = seeker else {
        return Ok(Vec::new());
    };
    let parties: Vec<String> = sqlx::query_scalar(BLOCK_PARTIES)
        .bind(&seeker)
        .fetch_all(&mut *tx)
        .await?;
    let offered = offer_targets(volunteers, &parties);
    // Sorted, so two overlapping inserts take their row locks in the same order.
    let mut ids: Vec<&str> = offered.iter().map(UserId::as_str).collect();
    ids.sort_unstable();
    if !fresh_only {
        sqlx::query(
            "INSERT INTO request_offers (request_id, volunteer_id) SELECT $1, v FROM UNNEST($2::TEXT[]) AS v \
             ON CONFLICT DO NOTHING",
        )
        .bind(id.as_str())
        .bind(ids)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        return Ok(offered);
    }
    let fresh: std::collections::HashSet<String> = sqlx::query_scalar(
        "INSERT INTO request_offers (request_id, volunteer_id) SELECT $1, v FROM UNNEST($2::TEXT[]) AS v \
         WHERE NOT EXISTS (SELECT 1 FROM request_offer_lists l WHERE l.request_id = $1 AND v = ANY (l.volunteer_ids)) \
         ON CONFLICT DO NOTHING RETURNING volunteer_id",
    )
    .bind(id.as_str())
    .bind(ids)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    tx.commit().await?;
    Ok(offered
        .into_iter()
        .filter(|v| fresh.contains(v.as_str()))
        .collect())
}
