//! Help requests on SQLite: opening (with the first offers) and reading
//! them, the moves out of `pending` (cancel, reject, expiry), later offers
//! and declines, and feedback. Writes are jobs on the single writer
//! ([`super::writer`]), the ones on the way to a volunteer's screen (open,
//! offers, cancel, reject, decline) direct ones; reads use the reader
//! pool. The claim, which also opens the conversation with its first
//! message, is one direct job: racing volunteers are decided by the writer
//! thread alone.

use super::writer::Writer;
use crate::ClaimOutcome;
use crate::error::is_direct_unique_violation;
use crate::offers::{BLOCK_PARTIES, offer_targets};
use crate::rows::{self, Columns};
use crate::sql;
use crate::waiting;
use crate::{OfferableRequest, OnWritten, OpenedRequest, StoreError, StoreResult};
use helpline_core::ConversationId;
use helpline_core::notice::SystemNote;
use helpline_core::queue::{self, Standing, WaitingLine};
use helpline_core::request::RequestStatus;
use helpline_core::request::{ChatCap, Feedback, HelpRequest, NewHelpRequest};
use helpline_core::user::{Role, User};
use helpline_core::{RequestId, Timestamp, UserId};
use rusqlite::{OptionalExtension, params};
use sqlx::SqliteConnection;

/// The request with this id, read on `conn`.
pub(super) async fn request_on(
    conn: &mut SqliteConnection,
    id: &str,
) -> StoreResult<Option<HelpRequest>> {
    let row = sqlx::query(sql::requests::SELECT_HELP_REQUESTS_BY_ID)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(rows::help_request).transpose()
}

/// Inserts `new` as a pending request; a second pending one for the same
/// seeker is [`StoreError::PendingExists`].
fn insert_request(conn: &rusqlite::Connection, new: &NewHelpRequest) -> StoreResult<HelpRequest> {
    let d = &new.draft;
    let inserted = conn
        .prepare_cached(sql::requests::INSERT_HELP_REQUESTS)?
        .query(params![
            new.id.as_str(),
            new.seeker_id.as_str(),
            d.target_volunteer_id.as_ref().map(UserId::as_str),
            d.request_type.as_str(),
            d.topic.map(|t| t.as_str()),
            d.note.as_deref(),
            new.created_at.millis(),
            new.expires_at.millis(),
            new.widen_at.map(Timestamp::millis),
        ])?
        .next()
        .map_err(|e| {
            if is_direct_unique_violation(&e) {
                StoreError::PendingExists
            } else {
                e.into()
            }
        })?
        .map(rows::help_request)
        .transpose()?;
    inserted.ok_or_else(|| StoreError::Corrupt("request insert returned no row".into()))
}

/// Records later offers of request `id` to `volunteers` as one direct job
/// (see [`crate::Requests::record_offers`]); with `fresh_only`, returns
/// only those never offered it before ([`crate::Requests::record_batch`]).
async fn record(
    writer: &Writer,
    id: &RequestId,
    volunteers: &[UserId],
    fresh_only: bool,
) -> StoreResult<Vec<UserId>> {
    if volunteers.is_empty() {
        return Ok(Vec::new());
    }
    let (id, volunteers) = (id.clone(), volunteers.to_vec());
    writer
        .run_direct(move |conn| {
            // A request no longer pending is offered to nobody: its end
            // was (or is being) told to those it was offered to.
            let seeker: Option<String> = conn
                .prepare_cached(
                    "SELECT senior_id FROM help_requests WHERE id = ?1 AND status = 'pending'",
                )?
                .query_row([id.as_str()], |row| row.get(0))
                .optional()?;
            let Some(seeker) = seeker else {
                return Ok(Vec::new());
            };
            let parties = conn
                .prepare_cached(BLOCK_PARTIES)?
                .query_map([seeker.as_str()], |row| row.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            let offered = offer_targets(&volunteers, &parties);
            // One statement for all of them: a thousand volunteers are one
            // statement on the writer's own connection.
            let ids: Vec<&str> = offered.iter().map(UserId::as_str).collect();
            let ids =
                serde_json::to_string(&ids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            if !fresh_only {
                // `WHERE true` tells the parser the upsert clause is not a join's ON.
                conn.prepare_cached(
                    "INSERT INTO request_offers (request_id, volunteer_id) \
                     SELECT ?1, value FROM json_each(?2) WHERE true ON CONFLICT DO NOTHING",
                )?
                .execute(params![id.as_str(), ids])?;
                return Ok(offered);
            }
            let fresh = conn
                .prepare_cached(
                    "INSERT INTO request_offers (request_id, volunteer_id) \
                     SELECT ?1, j.value FROM json_each(?2) j WHERE NOT EXISTS ( \
                       SELECT 1 FROM request_offer_lists l, json_each(l.volunteer_ids) o \
                        WHERE l.request_id = ?1 AND o.value = j.value) \
                     ON CONFLICT DO NOTHING RETURNING volunteer_id",
                )?
                .query_map(params![id.as_str(), ids], |row| row.get::<_, String>(0))?
                .collect::<Result<std::collections::HashSet<_>, _>>()?;
            Ok(offered
                .into_iter()
                .filter(|v| fresh.contains(v.as_str()))
                .collect())
        })
        .await
}

/// A conditional status move out of `pending`, as one direct writer job; returns
/// the moved request. See [`crate::Requests::cancel_request`] and
/// [`crate::Requests::reject_request`].
pub(super) async fn move_pending(
    writer: &Writer,
    id: &RequestId,
    to: &'static str,
) -> StoreResult<Option<HelpRequest>> {
    let id = id.clone();
    writer
        .run_direct(move |conn| {
            conn.prepare_cached(sql::requests::MOVE_PENDING)?
                .query(params![to, id.as_str()])?
                .next()?
                .map(rows::help_request)
                .transpose()
        })
        .await
}

#[async_trait::async_trait]
impl crate::Requests for super::SqliteStore {
    /// One direct job: the request, the seeker's block parties (both ways)
    /// and the offer list are one transaction on the writer's own
    /// connection, with no thread hand-off per statement, since this stands
    /// between a seeker's request and the volunteers hearing of it. A
    /// refusal is the job's outcome, so the batch is not run again.
    /// `written` is called as soon as the job has run, before the batch's
    /// commit syncs; a second run of the job (a batch rerun with savepoints
    /// after another job failed) starts from the same state and gives the same
    /// outcome, so it is not called again.
    async fn open_request(
        &self,
        new: &NewHelpRequest,
        candidates: &[UserId],
        cap: ChatCap,
        written: Option<OnWritten>,
    ) -> StoreResult<OpenedRequest> {
        let (writer, mut written) = (&self.writer, written);
        let new = new.clone();
        let candidates = candidates.to_vec();
        writer
            .run_direct(move |conn| {
                let parties = conn
                    .prepare_cached(BLOCK_PARTIES)?
                    .query_map([new.seeker_id.as_str()], |row| row.get::<_, String>(0))?
                    .collect::<Result<Vec<_>, _>>()?;
                // Refusals are the job's outcome, not its failure: a failed
                // job would make the writer run the whole batch again.
                if let Some(target) = &new.draft.target_volunteer_id
                    && parties.iter().any(|p| p == target.as_str())
                {
                    return Ok(Err(StoreError::Blocked));
                }
                let request = match insert_request(conn, &new) {
                    Err(StoreError::PendingExists) => return Ok(Err(StoreError::PendingExists)),
                    inserted => inserted?,
                };
                let mut excluded = parties;
                if cap.is_set() {
                    let at_cap = conn
                        .prepare_cached(sql::requests::VOLUNTEERS_AT_CAP)?
                        .query_map([cap.as_sql()], |row| row.get::<_, String>(0))?
                        .collect::<Result<Vec<_>, _>>()?;
                    excluded.extend(at_cap);
                }
                let offered = offer_targets(&candidates, &excluded);
                if !offered.is_empty() {
                    let ids: Vec<&str> = offered.iter().map(UserId::as_str).collect();
                    let ids = serde_json::to_string(&ids)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    conn.prepare_cached(sql::requests::INSERT_REQUEST_OFFER_LISTS)?
                        .execute(params![request.id.as_str(), ids])?;
                }
                let opened = OpenedRequest { request, offered };
                if let Some(written) = written.take() {
                    written(&opened);
                }
                Ok(Ok(opened))
            })
            .await?
    }

    async fn request(&self, id: &RequestId) -> StoreResult<Option<HelpRequest>> {
        let readers = &self.readers;
        let mut conn = readers.acquire().await?;
        request_on(&mut conn, id.as_str()).await
    }

    async fn pending_request_of(&self, seeker: &UserId) -> StoreResult<Option<HelpRequest>> {
        let readers = &self.readers;
        let row = sqlx::query(sql::requests::PENDING_REQUEST_OF)
            .bind(seeker.as_str())
            .fetch_optional(readers)
            .await?;
        row.as_ref().map(rows::help_request).transpose()
    }

    async fn latest_request_of(&self, seeker: &UserId) -> StoreResult<Option<HelpRequest>> {
        let readers = &self.readers;
        let row = sqlx::query(sql::requests::LATEST_REQUEST_OF)
            .bind(seeker.as_str())
            .fetch_optional(readers)
            .await?;
        row.as_ref().map(rows::help_request).transpose()
    }

    async fn requests_of(&self, user: &User) -> StoreResult<Vec<HelpRequest>> {
        let readers = &self.readers;
        let sql = match user.role {
            Role::Seeker => sql::requests::REQUESTS_OF_SEEKER,
            _ => sql::requests::REQUESTS_OF_VOLUNTEER,
        };
        let found = sqlx::query(sql)
            .bind(user.id.as_str())
            .fetch_all(readers)
            .await?;
        rows::all(&found, rows::help_request)
    }

    async fn cancel_request(&self, id: &RequestId) -> StoreResult<Option<HelpRequest>> {
        move_pending(&self.writer, id, "cancelled").await
    }

    async fn reject_request(&self, id: &RequestId) -> StoreResult<Option<HelpRequest>> {
        move_pending(&self.writer, id, "rejected").await
    }

    async fn record_offers(
        &self,
        id: &RequestId,
        volunteers: &[UserId],
    ) -> StoreResult<Vec<UserId>> {
        record(&self.writer, id, volunteers, false).await
    }

    async fn record_batch(
        &self,
        id: &RequestId,
        volunteers: &[UserId],
    ) -> StoreResult<Vec<UserId>> {
        record(&self.writer, id, volunteers, true).await
    }

    async fn record_decline(&self, id: &RequestId, volunteer: &UserId) -> StoreResult<()> {
        let writer = &self.writer;
        let (id, volunteer) = (id.clone(), volunteer.clone());
        writer
            .run_direct(move |conn| {
                conn.prepare_cached(sql::requests::RECORD_DECLINE)?
                    .execute(params![id.as_str(), volunteer.as_str()])?;
                conn.prepare_cached(sql::volunteers::RESET_MISSED_OFFERS)?
                    .execute(params![volunteer.as_str()])?;
                Ok(())
            })
            .await
    }

    async fn offered_volunteers(&self, id: &RequestId) -> StoreResult<Vec<UserId>> {
        let readers = &self.readers;
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT value FROM request_offer_lists, json_each(request_offer_lists.volunteer_ids) \
             WHERE request_id = ?1 UNION SELECT volunteer_id FROM request_offers WHERE request_id = ?1 \
             EXCEPT SELECT blocker_id FROM blocks WHERE blocked_id = (SELECT senior_id FROM help_requests WHERE id = ?1) \
             EXCEPT SELECT blocked_id FROM blocks WHERE blocker_id = (SELECT senior_id FROM help_requests WHERE id = ?1)",
        )
        .bind(id.as_str())
        .fetch_all(readers)
        .await?;
        Ok(ids.into_iter().map(UserId::from_trusted).collect())
    }

    async fn offered_to(&self, id: &RequestId, volunteer: &UserId) -> StoreResult<bool> {
        Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM request_offers WHERE request_id = ?1 AND volunteer_id = ?2) \
             OR EXISTS (SELECT 1 FROM request_offer_lists, json_each(request_offer_lists.volunteer_ids) \
                        WHERE request_id = ?1 AND value = ?2)",
        )
        .bind(id.as_str())
        .bind(volunteer.as_str())
        .fetch_one(&self.readers)
        .await?)
    }

    async fn offerable_requests(
        &self,
        volunteer: &UserId,
        now: Timestamp,
        cap: ChatCap,
    ) -> StoreResult<Vec<OfferableRequest>> {
        let readers = &self.readers;
        if cap.is_set() {
            let active: i64 = sqlx::query_scalar(sql::requests::ACTIVE_CHATS_OF)
                .bind(volunteer.as_str())
                .fetch_one(readers)
                .await?;
            if active >= cap.as_sql() {
                return Ok(Vec::new());
            }
        }
        let found = sqlx::query(sql::requests::OFFERABLE_REQUESTS_SQLITE)
            .bind(now.millis())
            .bind(volunteer.as_str())
            .fetch_all(readers)
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
            .fetch_all(&self.readers)
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
        let writer = &self.writer;
        let (id, volunteer, conversation_id) =
            (id.clone(), volunteer.clone(), conversation.clone());
        let note = note.message(conversation, &volunteer, 1, now);
        // A direct job: racing accepts are decided by the writer thread alone,
        // without a thread hand-off per statement.
        writer
        .run_direct(move |conn| {
            // The writer runs one job at a time: nothing claims between
            // this count and the update.
            let at_cap = cap.is_set()
                && conn
                    .prepare_cached(sql::requests::ACTIVE_CHATS_OF)?
                    .query_row([volunteer.as_str()], |row| row.get::<_, i64>(0))?
                    >= cap.as_sql();
            let claimed = if at_cap {
                None
            } else {
                conn
                .prepare_cached(
                    "UPDATE help_requests SET status = 'accepted', volunteer_id = ?1, accepted_at = ?2, \
                     conversation_id = ?3 WHERE id = ?4 AND status = 'pending' AND expires_at > ?2 \
                     AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = help_requests.senior_id AND b.blocked_id = ?1) \
                       OR (b.blocker_id = ?1 AND b.blocked_id = help_requests.senior_id)) RETURNING *",
                )?
                .query(params![volunteer.as_str(), now.millis(), conversation_id.as_str(), id.as_str()])?
                .next()?
                .map(rows::help_request)
                .transpose()?
            };
            let Some(request) = claimed else {
                let current = conn
                    .prepare_cached(sql::requests::SELECT_HELP_REQUESTS_BY_ID)?
                    .query([id.as_str()])?
                    .next()?
                    .map(rows::help_request)
                    .transpose()?;
                return Ok(match current {
                    // Still claimable: only the cap or a block can have stopped it.
                    Some(current)
                        if current.status == RequestStatus::Pending && current.expires_at > now =>
                    {
                        if at_cap { ClaimOutcome::AtCap } else { ClaimOutcome::Blocked }
                    }
                    Some(current) => {
                        // Trying to take it was an answer, not a missed offer.
                        conn.prepare_cached(sql::requests::RECORD_DECLINE)?
                            .execute(params![id.as_str(), volunteer.as_str()])?;
                        conn.prepare_cached(sql::volunteers::RESET_MISSED_OFFERS)?
                            .execute(params![volunteer.as_str()])?;
                        ClaimOutcome::Lost(current)
                    }
                    None => ClaimOutcome::Missing,
                });
            };
            conn.prepare_cached(sql::volunteers::RESET_MISSED_OFFERS)?
                .execute(params![volunteer.as_str()])?;
            // The note of the claim is the conversation's first message.
            let conversation = conn
                .prepare_cached(
                    sql::requests::INSERT_CONVERSATIONS,
                )?
                .query(params![conversation_id.as_str(), id.as_str(), now.millis()])?
                .next()?
                .map(rows::conversation)
                .transpose()?
                .ok_or_else(|| StoreError::Corrupt("conversation insert returned no row".into()))?;
            let mut add = conn.prepare_cached(
                sql::requests::INSERT_CONVERSATION_PARTICIPANTS,
            )?;
            for user in [&request.senior_id, &volunteer] {
                add.execute(params![conversation_id.as_str(), user.as_str()])?;
            }
            conn.prepare_cached(
                "INSERT INTO messages (id, conversation_id, seq, sender_id, content, type, client_message_id, created_at, dedup_key) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                note.id.as_str(),
                note.conversation_id.as_str(),
                note.seq,
                note.sender_id.as_str(),
                &note.content,
                note.message_type.as_str(),
                &note.client_message_id,
                note.created_at.millis(),
                super::dedup::message_key(&note),
            ])?;
            Ok(ClaimOutcome::Claimed {
                request,
                conversation,
            })
        })
        .await
    }

    async fn expire_due_requests(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<HelpRequest>> {
        let expire = "UPDATE help_requests SET status = 'expired' WHERE id IN ( \
               SELECT id FROM help_requests WHERE status = 'pending' AND expires_at <= ?1 ORDER BY expires_at LIMIT ?2) \
             AND status = 'pending' RETURNING *";
        take_due(&self.writer, expire, vec![now.millis(), limit]).await
    }

    async fn escalate_due_requests(
        &self,
        made_by: Timestamp,
        now: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<HelpRequest>> {
        let escalate = "UPDATE help_requests SET escalated_at = ?1 WHERE id IN ( \
               SELECT id FROM help_requests WHERE status = 'pending' AND escalated_at IS NULL \
               AND created_at <= ?2 ORDER BY created_at LIMIT ?3) \
             AND status = 'pending' AND escalated_at IS NULL RETURNING *";
        take_due(
            &self.writer,
            escalate,
            vec![now.millis(), made_by.millis(), limit],
        )
        .await
    }

    async fn widen_due_requests(
        &self,
        now: Timestamp,
        next: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<HelpRequest>> {
        let binds = vec![next.millis(), now.millis(), limit];
        take_due(&self.writer, sql::requests::WIDEN_DUE, binds).await
    }

    async fn widen_when_declined(&self, id: &RequestId, now: Timestamp) -> StoreResult<bool> {
        let id = id.clone();
        self.writer
            .run_direct(move |conn| {
                let changed = conn
                    .prepare_cached(sql::requests::WIDEN_WHEN_DECLINED_SQLITE)?
                    .execute(params![now.millis(), id.as_str()])?;
                Ok(changed > 0)
            })
            .await
    }

    async fn stop_all_widening(&self) -> StoreResult<u64> {
        self.writer
            .run_direct(move |conn| {
                let cleared = conn
                    .prepare_cached(sql::requests::STOP_ALL_WIDENING)?
                    .execute([])?;
                Ok(u64::try_from(cleared).unwrap_or(0))
            })
            .await
    }

    async fn stop_widening(&self, id: &RequestId) -> StoreResult<()> {
        let id = id.clone();
        self.writer
            .run_direct(move |conn| {
                conn.prepare_cached(sql::requests::STOP_WIDENING)?
                    .execute([id.as_str()])?;
                Ok(())
            })
            .await
    }

    async fn waiting_line(&self, now: Timestamp) -> StoreResult<WaitingLine> {
        Ok(waiting::read_line!(&self.readers, now).await?.0)
    }

    async fn standings_to_tell(&self, now: Timestamp) -> StoreResult<Vec<Standing>> {
        // Most calls change nothing (a claim with nobody else waiting): a
        // read says so without a commit. The caller's own change is
        // committed, so the read sees it.
        let (line, told) = waiting::read_line!(&self.readers, now).await?;
        if waiting::changed(&line, &told).is_empty() {
            return Ok(Vec::new());
        }
        // One direct job: the single writer serialises every caller.
        self.writer
            .run_direct(move |conn| {
                let rows = conn
                    .prepare_cached(sql::requests::WAITING_LINE)?
                    .query_map(params![now.millis()], |row| Ok(waiting::waiting_row(row)))?
                    .collect::<Result<Vec<_>, _>>()?
                    .into_iter()
                    .collect::<StoreResult<Vec<_>>>()?;
                let mean: Option<i64> = conn
                    .prepare_cached(sql::requests::MEAN_RECENT_WAIT)?
                    .query_row(
                        params![queue::history_since(now).millis(), queue::RECENT_WAITS],
                        |row| row.get(0),
                    )?;
                let (line, told) = waiting::line_of(rows, mean);
                let mut set = conn.prepare_cached(sql::requests::SET_TOLD_STANDING)?;
                let mut changed = Vec::new();
                for (standing, (position, wait)) in waiting::changed(&line, &told) {
                    set.execute(params![position, wait, standing.request_id.as_str()])?;
                    changed.push(standing);
                }
                Ok(changed)
            })
            .await
    }

    async fn set_feedback(
        &self,
        id: &RequestId,
        feedback: &Feedback,
    ) -> StoreResult<Option<HelpRequest>> {
        let writer = &self.writer;
        let (id, feedback) = (id.clone(), feedback.clone());
        writer
            .run(move |conn| {
                Box::pin(async move {
                    let row = sqlx::query(sql::requests::SET_FEEDBACK)
                        .bind(feedback.rating)
                        .bind(feedback.text.as_deref())
                        .bind(id.as_str())
                        .fetch_optional(conn)
                        .await?;
                    row.as_ref().map(rows::help_request).transpose()
                })
            })
            .await
    }
}

/// Runs `update`, an `UPDATE help_requests … RETURNING *` that takes due
/// pending requests (expiry, escalation), with integer `binds`, as one
/// writer job: each request it returns is returned to this caller only.
async fn take_due(
    writer: &Writer,
    update: &'static str,
    binds: Vec<i64>,
) -> StoreResult<Vec<HelpRequest>> {
    writer
        .run(move |conn| {
            Box::pin(async move {
                let mut query = sqlx::query(update);
                for value in binds {
                    query = query.bind(value);
                }
                let found = query.fetch_all(conn).await?;
                rows::all(&found, rows::help_request)
            })
        })
        .await
}
