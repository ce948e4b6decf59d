//! The PostgreSQL store's operations that take more than one statement:
//! the claim, ending a conversation and appending a message (each one READ
//! COMMITTED transaction on the pool), and conversation summaries (several
//! reads). [`super::store`] delegates to them, keeping the trait's order;
//! the other help-request operations are in [`super::requests`].

use super::edits::insert_note;
use super::{PostgresStore, attachments, requests};
use crate::rows::{self, Columns};
use crate::{AppendRefusal, ClaimOutcome, StoreError, StoreResult};
use helpline_core::conversation::{Conversation, ConversationSummary, Participant, direct_key};
use helpline_core::message::{
    Appended, Message, MessageType, NewMessage, ReplyPreview, preview_of,
};
use helpline_core::notice::SystemNote;
use helpline_core::user::Role;
use helpline_core::{ConversationId, MessageId, RequestId, Timestamp, UserId};
use sqlx::{PgConnection, PgPool};

/// The message `new`'s sender already stored under its `clientMessageId`, if any.
async fn message_by_client_id(
    conn: &mut PgConnection,
    new: &NewMessage,
) -> StoreResult<Option<Message>> {
    let row = sqlx::query(select_messages!(
        "WHERE m.conversation_id = $1 AND m.sender_id = $2 AND m.client_message_id = $3"
    ))
    .bind(new.draft.conversation_id.as_str())
    .bind(new.sender_id.as_str())
    .bind(&new.draft.client_message_id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(rows::message).transpose()
}

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

/// What a reply to `reply_id` shows, if that message is alive in `conversation`.
async fn reply_preview(
    conn: &mut PgConnection,
    conversation: &ConversationId,
    reply_id: &MessageId,
) -> StoreResult<Option<ReplyPreview>> {
    let row = sqlx::query(
        "SELECT seq, sender_id, content FROM messages WHERE id = $1 AND conversation_id = $2 AND deleted_at IS NULL",
    )
    .bind(reply_id.as_str())
    .bind(conversation.as_str())
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(ReplyPreview {
            id: reply_id.clone(),
            seq: row.int("seq")?,
            sender_id: UserId::from_trusted(row.text("sender_id")?),
            preview: preview_of(&row.text("content")?),
            deleted: false,
        })
    })
    .transpose()
}

/// See [`crate::Store::append_message`].
pub(super) async fn append_message(
    pool: &PgPool,
    new: &NewMessage,
) -> StoreResult<Result<Appended, AppendRefusal>> {
    let d = &new.draft;
    let mut tx = pool.begin().await?;
    // Fast path for a retry whose first attempt committed long ago.
    if let Some(message) = message_by_client_id(&mut tx, new).await? {
        tx.rollback().await?;
        return Ok(Ok(Appended {
            message,
            created: false,
        }));
    }
    let reply_to = match &d.reply_to_id {
        Some(reply_id) => match reply_preview(&mut tx, &d.conversation_id, reply_id).await? {
            Some(preview) => Some(preview),
            None => {
                tx.rollback().await?;
                return Ok(Err(AppendRefusal::BadReply));
            }
        },
        None => None,
    };
    let attachment = match &d.attachment_id {
        Some(a) => {
            match attachments::sendable(&mut tx, a, &d.conversation_id, &new.sender_id).await? {
                Some(info) => Some(info),
                None => {
                    tx.rollback().await?;
                    return Ok(Err(AppendRefusal::BadAttachment));
                }
            }
        }
        None => None,
    };
    if d.message_type != MessageType::System {
        let blocked: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM blocks b JOIN conversation_participants p \
               ON p.user_id = b.blocker_id WHERE p.conversation_id = $1 AND b.blocked_id = $2)",
        )
        .bind(d.conversation_id.as_str())
        .bind(new.sender_id.as_str())
        .fetch_one(&mut *tx)
        .await?;
        if blocked {
            tx.rollback().await?;
            return Ok(Err(AppendRefusal::Blocked));
        }
    }
    // Locks the conversation row until commit: appends to one conversation
    // queue here, so seq is gapless, and the check after it sees any
    // concurrent retry of this clientMessageId that got in first.
    let bumped: Option<(i64, Option<i64>)> = sqlx::query_as(
        "UPDATE conversations SET last_seq = last_seq + 1, last_activity_at = $1 WHERE id = $2 AND status = 'active' \
         RETURNING last_seq, auto_delete_secs",
    )
    .bind(new.created_at.millis())
    .bind(d.conversation_id.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let existing = message_by_client_id(&mut tx, new).await?;
    let Some((seq, conversation_timer)) = bumped.filter(|_| existing.is_none()) else {
        // Nothing to keep: undo the seq bump, if there was one.
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM conversations WHERE id = $1)")
                .bind(d.conversation_id.as_str())
                .fetch_one(&mut *tx)
                .await?;
        tx.rollback().await?;
        return Ok(match existing {
            Some(message) => Ok(Appended {
                message,
                created: false,
            }),
            None if exists => Err(AppendRefusal::Ended),
            None => Err(AppendRefusal::NoConversation),
        });
    };
    let message = new.stored(seq, conversation_timer, reply_to, attachment);
    sqlx::query(
        "INSERT INTO messages (id, conversation_id, seq, sender_id, content, type, client_message_id, created_at, reply_to_id, \
         expires_at, view_once) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(message.id.as_str())
    .bind(message.conversation_id.as_str())
    .bind(seq)
    .bind(message.sender_id.as_str())
    .bind(&message.content)
    .bind(message.message_type.as_str())
    .bind(&message.client_message_id)
    .bind(message.created_at.millis())
    .bind(d.reply_to_id.as_ref().map(MessageId::as_str))
    .bind(message.expires_at.map(Timestamp::millis))
    .bind(i64::from(message.view_once))
    .execute(&mut *tx)
    .await?;
    if let Some(attachment) = &message.attachment {
        sqlx::query("UPDATE attachments SET message_id = $1 WHERE id = $2")
            .bind(message.id.as_str())
            .bind(attachment.id.as_str())
            .execute(&mut *tx)
            .await?;
    }
    // A new message brings an archived conversation back for everyone.
    sqlx::query("UPDATE conversation_participants SET archived_at = NULL WHERE conversation_id = $1 AND archived_at IS NOT NULL")
        .bind(d.conversation_id.as_str())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Ok(Appended {
        message,
        created: true,
    }))
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
