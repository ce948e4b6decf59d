//! The SQLite store's operations that take more than one statement, or that
//! several methods share: reading or seeding a setting, the claim, ending a
//! conversation and starting a direct one (each one job on the single
//! group-committing writer, see [`super::writer`], so it runs alone in its
//! own SAVEPOINT of the batch's transaction and is answered only after the
//! commit), and conversation summaries (several reads on the reader pool).
//! [`super::store`] delegates to them, keeping the trait's order; the other
//! help-request operations are in [`super::requests`].

use super::edits::insert_note;
use super::writer::Writer;
use crate::rows::{self, Columns};
use crate::{ClaimOutcome, StoreError, StoreResult};
use helpline_core::conversation::{Conversation, ConversationSummary, Participant, direct_key};
use helpline_core::notice::SystemNote;
use helpline_core::request::RequestStatus;
use helpline_core::user::Role;
use helpline_core::{ConversationId, RequestId, Timestamp, UserId};
use rusqlite::params;
use sqlx::SqlitePool;

/// See [`crate::Store::setting_or_insert`].
pub(super) async fn setting_or_insert(
    writer: &Writer,
    key: &str,
    candidate: &str,
) -> StoreResult<String> {
    let (key, candidate) = (key.to_owned(), candidate.to_owned());
    writer
        .run(move |conn| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                )
                .bind(&key)
                .bind(&candidate)
                .execute(&mut *conn)
                .await?;
                Ok(
                    sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
                        .bind(&key)
                        .fetch_one(conn)
                        .await?,
                )
            })
        })
        .await
}

/// See [`crate::Store::claim_request`].
pub(super) async fn claim_request(
    writer: &Writer,
    id: &RequestId,
    volunteer: &UserId,
    conversation: &ConversationId,
    note: &SystemNote,
    now: Timestamp,
) -> StoreResult<ClaimOutcome> {
    let (id, volunteer, conversation_id) = (id.clone(), volunteer.clone(), conversation.clone());
    let note = note.message(conversation, &volunteer, 1, now);
    // A direct job: racing accepts are decided by the writer thread alone,
    // without a thread hand-off per statement.
    writer
        .run_direct(move |conn| {
            let claimed = conn
                .prepare_cached(
                    "UPDATE help_requests SET status = 'accepted', volunteer_id = ?1, accepted_at = ?2, \
                     conversation_id = ?3 WHERE id = ?4 AND status = 'pending' AND expires_at > ?2 \
                     AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = help_requests.senior_id AND b.blocked_id = ?1) \
                       OR (b.blocker_id = ?1 AND b.blocked_id = help_requests.senior_id)) RETURNING *",
                )?
                .query(params![volunteer.as_str(), now.millis(), conversation_id.as_str(), id.as_str()])?
                .next()?
                .map(rows::help_request)
                .transpose()?;
            let Some(request) = claimed else {
                let current = conn
                    .prepare_cached("SELECT * FROM help_requests WHERE id = ?1")?
                    .query([id.as_str()])?
                    .next()?
                    .map(rows::help_request)
                    .transpose()?;
                return Ok(match current {
                    // Still claimable: only a block can have stopped it.
                    Some(current)
                        if current.status == RequestStatus::Pending && current.expires_at > now =>
                    {
                        ClaimOutcome::Blocked
                    }
                    Some(current) => ClaimOutcome::Lost(current),
                    None => ClaimOutcome::Missing,
                });
            };
            // The note of the claim is the conversation's first message.
            let conversation = conn
                .prepare_cached(
                    "INSERT INTO conversations (id, request_id, created_at, last_activity_at, last_seq) \
                     VALUES (?1, ?2, ?3, ?3, 1) RETURNING *",
                )?
                .query(params![conversation_id.as_str(), id.as_str(), now.millis()])?
                .next()?
                .map(rows::conversation)
                .transpose()?
                .ok_or_else(|| StoreError::Corrupt("conversation insert returned no row".into()))?;
            let mut add = conn.prepare_cached(
                "INSERT INTO conversation_participants (conversation_id, user_id) VALUES (?1, ?2)",
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

/// See [`crate::Store::conversation_summaries`].
pub(super) async fn conversation_summaries(
    readers: &SqlitePool,
    user: &UserId,
) -> StoreResult<Vec<ConversationSummary>> {
    let found = sqlx::query(
        "SELECT c.*, p.last_read_seq AS my_read_seq, p.archived_at AS my_archived_at, \
                (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id AND m.seq > p.last_read_seq \
                   AND m.sender_id <> p.user_id AND m.deleted_at IS NULL AND m.type <> 'system') AS unread_count \
         FROM conversation_participants p JOIN conversations c ON c.id = p.conversation_id \
         WHERE p.user_id = ? ORDER BY c.last_activity_at DESC, c.id DESC",
    )
    .bind(user.as_str())
    .fetch_all(readers)
    .await?;
    let mut summaries = Vec::with_capacity(found.len());
    for row in &found {
        let conversation = rows::conversation(row)?;
        let people = sqlx::query(
            "SELECT u.id, u.display_name, u.role, p.last_read_seq, p.last_delivered_seq \
             FROM conversation_participants p JOIN users u ON u.id = p.user_id \
             WHERE p.conversation_id = ? ORDER BY u.id",
        )
        .bind(conversation.id.as_str())
        .fetch_all(readers)
        .await?;
        let participants = rows::all(&people, |r| {
            Ok(Participant {
                id: UserId::from_trusted(r.text("id")?),
                display_name: r.text("display_name")?,
                role: Role::parse(&r.text("role")?)
                    .ok_or_else(|| StoreError::Corrupt("role".into()))?,
                read_seq: r.int("last_read_seq")?,
                delivered_seq: r.int("last_delivered_seq")?,
            })
        })?;
        let last = sqlx::query(select_messages!(
            "WHERE m.conversation_id = ? AND m.seq = ?"
        ))
        .bind(conversation.id.as_str())
        .bind(conversation.last_seq)
        .fetch_optional(readers)
        .await?;
        summaries.push(ConversationSummary {
            id: conversation.id,
            status: conversation.status,
            kind: conversation.kind,
            request_id: conversation.request_id,
            participants,
            last_message: last.as_ref().map(rows::message).transpose()?,
            unread_count: row.int("unread_count")?,
            last_read_seq: row.int("my_read_seq")?,
            archived: row.opt_int("my_archived_at")?.is_some(),
            auto_delete_secs: conversation.auto_delete_secs,
            created_at: conversation.created_at,
            ended_at: conversation.ended_at,
        });
    }
    Ok(summaries)
}

/// See [`crate::Store::end_conversation`].
pub(super) async fn end_conversation(
    writer: &Writer,
    id: &ConversationId,
    by: &UserId,
    note: &SystemNote,
    now: Timestamp,
) -> StoreResult<Option<Conversation>> {
    let (id, by, note) = (id.clone(), by.clone(), note.clone());
    writer
        .run(move |conn| {
            Box::pin(async move {
                // The note of the ending takes the last seq.
                let row = sqlx::query(
                    "UPDATE conversations SET status = 'ended', ended_at = ?1, ended_by = ?2, last_activity_at = ?1, last_seq = last_seq + 1 \
                     WHERE id = ?3 AND status = 'active' RETURNING *",
                )
                .bind(now.millis())
                .bind(by.as_str())
                .bind(id.as_str())
                .fetch_optional(&mut *conn)
                .await?;
                let Some(row) = row else { return Ok(None) };
                let ended = rows::conversation(&row)?;
                insert_note(&mut *conn, &note.message(&id, &by, ended.last_seq, now)).await?;
                if let Some(request_id) = &ended.request_id {
                    sqlx::query("UPDATE help_requests SET status = 'completed', completed_at = ? WHERE id = ? AND status = 'accepted'")
                        .bind(now.millis())
                        .bind(request_id.as_str())
                        .execute(conn)
                        .await?;
                }
                Ok(Some(ended))
            })
        })
        .await
}

/// See [`crate::Store::start_direct_conversation`].
pub(super) async fn start_direct_conversation(
    writer: &Writer,
    caller: &UserId,
    other: &UserId,
    id: &ConversationId,
    now: Timestamp,
) -> StoreResult<(Conversation, bool)> {
    let (caller, other, id) = (caller.clone(), other.clone(), id.clone());
    let key = direct_key(&caller, &other);
    writer
        .run(move |conn| {
            Box::pin(async move {
                let existing = sqlx::query(
                    "SELECT * FROM conversations WHERE direct_key = ? AND status = 'active' AND kind = 'direct'",
                )
                .bind(&key)
                .fetch_optional(&mut *conn)
                .await?;
                if let Some(row) = existing {
                    return Ok((rows::conversation(&row)?, false));
                }
                let row = sqlx::query(
                    "INSERT INTO conversations (id, kind, direct_key, created_at, last_activity_at) \
                     VALUES (?1, 'direct', ?2, ?3, ?3) RETURNING *",
                )
                .bind(id.as_str())
                .bind(&key)
                .bind(now.millis())
                .fetch_one(&mut *conn)
                .await?;
                for user in [&caller, &other] {
                    sqlx::query("INSERT INTO conversation_participants (conversation_id, user_id) VALUES (?, ?)")
                        .bind(id.as_str())
                        .bind(user.as_str())
                        .execute(&mut *conn)
                        .await?;
                }
                Ok((rows::conversation(&row)?, true))
            })
        })
        .await
}
