//! Help requests on PostgreSQL: opening (with the first offers) and
//! reading them, the moves out of `pending` (cancel, reject, expiry), later
//! offers and declines, and feedback. Each write but the opening is one
//! statement; a move out of `pending` is a conditional
//! update, so a racing one waits for the row and then finds it no longer
//! pending. The claim, which also opens the conversation, is in
//! [`super::compound`].

use crate::error::is_unique_violation;
use crate::offers::{BLOCK_PARTIES, offer_targets};
use crate::rows::{self, Columns};
use crate::{OfferableRequest, OnWritten, OpenedRequest, StoreError, StoreResult};
use helpline_core::request::{Feedback, HelpRequest, NewHelpRequest};
use helpline_core::user::{Role, User};
use helpline_core::{RequestId, Timestamp, UserId};
use sqlx::{PgConnection, PgPool};

/// The request with this id, read on `conn`.
pub(super) async fn request_on(
    conn: &mut PgConnection,
    id: &str,
) -> StoreResult<Option<HelpRequest>> {
    let row = sqlx::query("SELECT * FROM help_requests WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(rows::help_request).transpose()
}

/// See [`crate::Store::open_request`]: the request, the blockers read and
/// the offer list in one transaction. `written` hears of it after the
/// commit: another process may read it as soon as it is told.
pub(super) async fn open_request(
    pool: &PgPool,
    new: &NewHelpRequest,
    candidates: &[UserId],
    written: Option<OnWritten>,
) -> StoreResult<OpenedRequest> {
    let d = &new.draft;
    let mut tx = pool.begin().await?;
    let parties: Vec<String> = sqlx::query_scalar(BLOCK_PARTIES)
        .bind(new.seeker_id.as_str())
        .fetch_all(&mut *tx)
        .await?;
    if let Some(target) = &d.target_volunteer_id
        && parties.iter().any(|p| p == target.as_str())
    {
        return Err(StoreError::Blocked);
    }
    let row = sqlx::query(
        "INSERT INTO help_requests (id, senior_id, target_volunteer_id, request_type, topic, note, status, \
         created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8) RETURNING *",
    )
    .bind(new.id.as_str())
    .bind(new.seeker_id.as_str())
    .bind(d.target_volunteer_id.as_ref().map(UserId::as_str))
    .bind(d.request_type.as_str())
    .bind(d.topic.map(|t| t.as_str()))
    .bind(d.note.as_deref())
    .bind(new.created_at.millis())
    .bind(new.expires_at.millis())
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| if is_unique_violation(&e) { StoreError::PendingExists } else { e.into() })?;
    let request = rows::help_request(&row)?;
    let offered = offer_targets(candidates, &parties);
    if !offered.is_empty() {
        let ids: Vec<&str> = offered.iter().map(UserId::as_str).collect();
        sqlx::query("INSERT INTO request_offer_lists (request_id, volunteer_ids) VALUES ($1, $2)")
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

/// See [`crate::Store::request`].
pub(super) async fn request(pool: &PgPool, id: &RequestId) -> StoreResult<Option<HelpRequest>> {
    let mut conn = pool.acquire().await?;
    request_on(&mut conn, id.as_str()).await
}

/// See [`crate::Store::pending_request_of`].
pub(super) async fn pending_request_of(
    pool: &PgPool,
    seeker: &UserId,
) -> StoreResult<Option<HelpRequest>> {
    let row =
        sqlx::query("SELECT * FROM help_requests WHERE senior_id = $1 AND status = 'pending'")
            .bind(seeker.as_str())
            .fetch_optional(pool)
            .await?;
    row.as_ref().map(rows::help_request).transpose()
}

/// See [`crate::Store::latest_request_of`].
pub(super) async fn latest_request_of(
    pool: &PgPool,
    seeker: &UserId,
) -> StoreResult<Option<HelpRequest>> {
    let row = sqlx::query("SELECT * FROM help_requests WHERE senior_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1")
        .bind(seeker.as_str())
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(rows::help_request).transpose()
}

/// See [`crate::Store::requests_of`].
pub(super) async fn requests_of(pool: &PgPool, user: &User) -> StoreResult<Vec<HelpRequest>> {
    let sql = match user.role {
        Role::Seeker => {
            "SELECT * FROM help_requests WHERE senior_id = $1 ORDER BY created_at DESC, id DESC"
        }
        _ => {
            "SELECT * FROM help_requests WHERE volunteer_id = $1 OR target_volunteer_id = $1 \
             ORDER BY created_at DESC, id DESC"
        }
    };
    let found = sqlx::query(sql)
        .bind(user.id.as_str())
        .fetch_all(pool)
        .await?;
    rows::all(&found, rows::help_request)
}

/// A conditional status move out of `pending`; returns the moved request.
/// See [`crate::Store::cancel_request`] and [`crate::Store::reject_request`].
pub(super) async fn move_pending(
    pool: &PgPool,
    id: &str,
    to: &str,
) -> StoreResult<Option<HelpRequest>> {
    let row = sqlx::query(
        "UPDATE help_requests SET status = $1 WHERE id = $2 AND status = 'pending' RETURNING *",
    )
    .bind(to)
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(rows::help_request).transpose()
}

/// See [`crate::Store::record_offers`].
pub(super) async fn record_offers(
    pool: &PgPool,
    id: &RequestId,
    volunteers: &[UserId],
) -> StoreResult<()> {
    if volunteers.is_empty() {
        return Ok(());
    }
    // Sorted, so two overlapping inserts take their row locks in the same order.
    let mut ids: Vec<&str> = volunteers.iter().map(UserId::as_str).collect();
    ids.sort_unstable();
    ids.dedup();
    sqlx::query(
        "INSERT INTO request_offers (request_id, volunteer_id) SELECT $1, v FROM UNNEST($2::TEXT[]) AS v \
         ON CONFLICT DO NOTHING",
    )
    .bind(id.as_str())
    .bind(ids)
    .execute(pool)
    .await?;
    Ok(())
}

/// See [`crate::Store::record_decline`].
pub(super) async fn record_decline(
    pool: &PgPool,
    id: &RequestId,
    volunteer: &UserId,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO request_offers (request_id, volunteer_id, declined) VALUES ($1, $2, 1) \
         ON CONFLICT (request_id, volunteer_id) DO UPDATE SET declined = 1",
    )
    .bind(id.as_str())
    .bind(volunteer.as_str())
    .execute(pool)
    .await?;
    Ok(())
}

/// See [`crate::Store::offered_volunteers`].
pub(super) async fn offered_volunteers(pool: &PgPool, id: &RequestId) -> StoreResult<Vec<UserId>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT unnest(volunteer_ids) FROM request_offer_lists WHERE request_id = $1 \
         UNION SELECT volunteer_id FROM request_offers WHERE request_id = $1",
    )
    .bind(id.as_str())
    .fetch_all(pool)
    .await?;
    Ok(ids.into_iter().map(UserId::from_trusted).collect())
}

/// See [`crate::Store::offerable_requests`].
pub(super) async fn offerable_requests(
    pool: &PgPool,
    volunteer: &UserId,
    now: Timestamp,
) -> StoreResult<Vec<OfferableRequest>> {
    let found = sqlx::query(
        "SELECT r.*, u.display_name AS seeker_display_name FROM help_requests r JOIN users u ON u.id = r.senior_id \
         WHERE r.status = 'pending' AND r.expires_at > $1 \
           AND (r.target_volunteer_id = $2 OR (r.target_volunteer_id IS NULL AND NOT EXISTS ( \
                SELECT 1 FROM request_offers o WHERE o.request_id = r.id AND o.volunteer_id = $2 AND o.declined = 1))) \
           AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = $2 AND b.blocked_id = r.senior_id) \
                OR (b.blocker_id = r.senior_id AND b.blocked_id = $2)) \
         ORDER BY r.created_at, r.id",
    )
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

/// See [`crate::Store::expire_due_requests`].
pub(super) async fn expire_due_requests(
    pool: &PgPool,
    now: Timestamp,
    limit: i64,
) -> StoreResult<Vec<HelpRequest>> {
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

/// See [`crate::Store::set_feedback`].
pub(super) async fn set_feedback(
    pool: &PgPool,
    id: &RequestId,
    feedback: &Feedback,
) -> StoreResult<Option<HelpRequest>> {
    let row = sqlx::query(
        "UPDATE help_requests SET rating = $1, feedback = $2 WHERE id = $3 AND status = 'completed' AND rating IS NULL \
         RETURNING *",
    )
    .bind(feedback.rating)
    .bind(feedback.text.as_deref())
    .bind(id.as_str())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(rows::help_request).transpose()
}
