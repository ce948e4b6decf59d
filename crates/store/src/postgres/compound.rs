//! The PostgreSQL store's operations that take more than one statement:
//! the claim and ending a conversation (each one READ COMMITTED transaction
//! on the pool), and conversation summaries (several reads). Appending a
//! message is in [`super::append`]. [`super::store`] delegates to them, keeping the trait's order;
//! the other help-request operations are in [`super::requests`].

use super::edits::insert_note;
use super::{PostgresStore, requests};
use crate::offers::BLOCKED_EITHER_WAY;
use crate::rows::{self, Columns};
use crate::{ClaimOutcome, StoreError, StoreResult};
use helpline_core::conversation::{Conversation, ConversationSummary, Participant, direct_key};
use helpline_core::notice::SystemNote;
use helpline_core::user::Role;
use helpline_core::{ConversationId, RequestId, Timestamp, UserId};
use sqlx::PgPool;

/// See [`crate::Store::claim_request`].
pub(super) async fn claim_request(
    pool: &PgPool,
    id: &RequestId,
    volunteer: &UserId,
    conversation: &ConversationId,
    note: &SystemNote,
    now: Timestamp,
) -> StoreResult<ClaimOutcome> {
    let mut tx = pool.begin().await?;
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
        tx.rollback().await?;
        return Ok(match current {
            Some(current) => ClaimOutcome::Lost(current),
            None => ClaimOutcome::Missing,
        });
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
    let row = sqlx::query("INSERT INTO conversations (id, request_id, created_at, last_activity_at, last_seq) VALUES ($1, $2, $3, $3, 1) RETURNING *")
        .bind(conversation.as_str())
        .bind(id.as_str())
        .bind(now.millis())
        .fetch_one(&mut *tx)
        .await?;
    let opened = rows::conversation(&row)?;
    for user in [&request.senior_id, volunteer] {
        sqlx::query(
            "INSERT INTO conversation_participants (conversation_id, user_id) VALUES ($1, $2)",
        )
        .bind(conversation.as_str())
        .bind(user.as_str())
        .execute(&mut *tx)
        .await?;
    }
    insert_note(&mut tx, &note.message(conversation, volunteer, 1, now)).await?;
    tx.commit().await?;
    Ok(ClaimOutcome::Claimed {
        request,
        conversation: opened,
    })
}

/// See [`crate::Store::conversation_summaries`].
pub(super) async fn conversation_summaries(
    pool: &PgPool,
    user: &UserId,
) -> StoreResult<Vec<ConversationSummary>> {
    let found = sqlx::query(
        "SELECT c.*, p.last_read_seq AS my_read_seq, p.archived_at AS my_archived_at, \
                (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id AND m.seq > p.last_read_seq \
                   AND m.sender_id <> p.user_id AND m.deleted_at IS NULL AND m.type <> 'system') AS unread_count \
         FROM conversation_participants p JOIN conversations c ON c.id = p.conversation_id \
         WHERE p.user_id = $1 ORDER BY c.last_activity_at DESC, c.id DESC",
    )
    .bind(user.as_str())
    .fetch_all(pool)
    .await?;
    let mut summaries = Vec::with_capacity(found.len());
    for row in &found {
        let conversation = rows::conversation(row)?;
        let people = sqlx::query(
            "SELECT u.id, u.display_name, u.role, p.last_read_seq, p.last_delivered_seq \
             FROM conversation_participants p JOIN users u ON u.id = p.user_id \
             WHERE p.conversation_id = $1 ORDER BY u.id",
        )
        .bind(conversation.id.as_str())
        .fetch_all(pool)
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
            "WHERE m.conversation_id = $1 AND m.seq = $2"
        ))
        .bind(conversation.id.as_str())
        .bind(conversation.last_seq)
        .fetch_optional(pool)
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

/// See [`crate::Store::start_direct_conversation`]: the insert yields to
/// a concurrent one through the partial unique index, then reads the winner.
pub(super) async fn start_direct_conversation(
    pool: &PgPool,
    caller: &UserId,
    other: &UserId,
    id: &ConversationId,
    now: Timestamp,
) -> StoreResult<(Conversation, bool)> {
    let key = direct_key(caller, other);
    let select = "SELECT * FROM conversations WHERE direct_key = $1 AND status = 'active' AND kind = 'direct'";
    if let Some(row) = sqlx::query(select).bind(&key).fetch_optional(pool).await? {
        return Ok((rows::conversation(&row)?, false));
    }
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO conversations (id, kind, direct_key, created_at, last_activity_at) \
         VALUES ($1, 'direct', $2, $3, $3) \
         ON CONFLICT (direct_key) WHERE status = 'active' AND kind = 'direct' DO NOTHING RETURNING *",
    )
    .bind(id.as_str())
    .bind(&key)
    .bind(now.millis())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = inserted else {
        tx.rollback().await?;
        let row = sqlx::query(select).bind(&key).fetch_one(pool).await?;
        return Ok((rows::conversation(&row)?, false));
    };
    for user in [caller, other] {
        sqlx::query(
            "INSERT INTO conversation_participants (conversation_id, user_id) VALUES ($1, $2)",
        )
        .bind(id.as_str())
        .bind(user.as_str())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok((rows::conversation(&row)?, true))
}

/// See [`crate::Store::end_conversation`].
pub(super) async fn end_conversation(
    pool: &PgPool,
    id: &ConversationId,
    by: &UserId,
    note: &SystemNote,
    now: Timestamp,
) -> StoreResult<Option<Conversation>> {
    let mut tx = pool.begin().await?;
    // The note of the ending takes the last seq.
    let row = sqlx::query(
        "UPDATE conversations SET status = 'ended', ended_at = $1, ended_by = $2, last_activity_at = $1, last_seq = last_seq + 1 \
         WHERE id = $3 AND status = 'active' RETURNING *",
    )
    .bind(now.millis())
    .bind(by.as_str())
    .bind(id.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        tx.rollback().await?;
        return Ok(None);
    };
    let ended = rows::conversation(&row)?;
    insert_note(&mut tx, &note.message(id, by, ended.last_seq, now)).await?;
    if let Some(request_id) = &ended.request_id {
        sqlx::query("UPDATE help_requests SET status = 'completed', completed_at = $1 WHERE id = $2 AND status = 'accepted'")
            .bind(now.millis())
            .bind(request_id.as_str())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Some(ended))
}

/// See [`crate::Store::setting_or_insert`].
pub(super) async fn setting_or_insert(
    store: &PostgresStore,
    key: &str,
    candidate: &str,
) -> StoreResult<String> {
    let mut tx = store.pool.begin().await?;
    // A racing insert of the same key makes this wait for its commit,
    // and the SELECT (a new snapshot at READ COMMITTED) then reads it.
    sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
        .bind(key)
        .bind(candidate)
        .execute(&mut *tx)
        .await?;
    let value: String = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(value)
}
