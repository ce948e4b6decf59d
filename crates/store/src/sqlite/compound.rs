//! The SQLite store's operations that take more than one statement, or that
//! several methods share: reading or seeding a setting, the claim, ending a
//! conversation and appending a message (each one job on the single
//! group-committing writer, see [`super::writer`], so it runs alone in its
//! own SAVEPOINT of the batch's transaction and is answered only after the
//! commit), and conversation summaries (several reads on the reader pool).
//! [`super::store`] delegates to them, keeping the trait's order; the other
//! help-request operations are in [`super::requests`].

use super::edits::insert_note;
use super::writer::Writer;
use super::{attachments, requests};
use crate::rows::{self, Columns};
use crate::{AppendRefusal, ClaimOutcome, StoreError, StoreResult};
use helpline_core::conversation::{Conversation, ConversationSummary, Participant, direct_key};
use helpline_core::message::{
    Appended, Message, MessageType, NewMessage, ReplyPreview, preview_of,
};
use helpline_core::notice::SystemNote;
use helpline_core::user::Role;
use helpline_core::{ConversationId, MessageId, RequestId, Timestamp, UserId};
use sqlx::{SqliteConnection, SqlitePool};
use std::time::Duration;

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
    writer
        .run(move |conn| {
            Box::pin(async move {
                let claimed = sqlx::query("UPDATE help_requests SET status = 'accepted', volunteer_id = ?1, accepted_at = ?2, conversation_id = ?3 \
                     WHERE id = ?4 AND status = 'pending' AND expires_at > ?2 RETURNING *")
                .bind(volunteer.as_str())
                .bind(now.millis())
                .bind(conversation_id.as_str())
                .bind(id.as_str())
                .fetch_optional(&mut *conn)
                .await?;
                let Some(claimed) = claimed else {
                    return Ok(match requests::request_on(conn, id.as_str()).await? {
                        Some(current) => ClaimOutcome::Lost(current),
                        None => ClaimOutcome::Missing,
                    });
                };
                let request = rows::help_request(&claimed)?;
                let row = sqlx::query(
                    // The note of the claim is the conversation's first message.
                    "INSERT INTO conversations (id, request_id, created_at, last_activity_at, last_seq) VALUES (?1, ?2, ?3, ?3, 1) RETURNING *",
                )
                .bind(conversation_id.as_str())
                .bind(id.as_str())
                .bind(now.millis())
                .fetch_one(&mut *conn)
                .await?;
                let conversation = rows::conversation(&row)?;
                for user in [&request.senior_id, &volunteer] {
                    sqlx::query("INSERT INTO conversation_participants (conversation_id, user_id) VALUES (?, ?)")
                        .bind(conversation_id.as_str())
                        .bind(user.as_str())
                        .execute(&mut *conn)
                        .await?;
                }
                insert_note(conn, &note).await?;
                Ok(ClaimOutcome::Claimed { request, conversation })
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

/// What a reply to `reply_id` shows, if that message is alive in `conversation`.
async fn reply_preview(
    conn: &mut SqliteConnection,
    conversation: &ConversationId,
    reply_id: &MessageId,
) -> StoreResult<Option<ReplyPreview>> {
    let row = sqlx::query(
        "SELECT seq, sender_id, content FROM messages WHERE id = ? AND conversation_id = ? AND deleted_at IS NULL",
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
    writer: &Writer,
    new: &NewMessage,
) -> StoreResult<Result<Appended, AppendRefusal>> {
    let new = new.clone();
    writer
        .run(move |conn| {
            Box::pin(async move {
                let d = &new.draft;
                let reply_to = match &d.reply_to_id {
                    Some(reply_id) => match reply_preview(&mut *conn, &d.conversation_id, reply_id).await? {
                        Some(preview) => Some(preview),
                        None => return not_appended(conn, &new, AppendRefusal::BadReply).await,
                    },
                    None => None,
                };
                let attachment = match &d.attachment_id {
                    Some(a) => match attachments::sendable(&mut *conn, a, &d.conversation_id, &new.sender_id).await? {
                        Some(info) => Some(info),
                        // A retry of a sent message finds its attachment taken: answer with the message.
                        None => return not_appended(conn, &new, AppendRefusal::BadAttachment).await,
                    },
                    None => None,
                };
                // One statement does the common case: the seq rises only for a
                // new clientMessageId in an active conversation, and says
                // whether anyone archived the conversation.
                let bumped: Option<(i64, Option<i64>, bool)> = sqlx::query_as(
                    "UPDATE conversations SET last_seq = last_seq + 1, last_activity_at = ?1 \
                     WHERE id = ?2 AND status = 'active' AND NOT EXISTS \
                       (SELECT 1 FROM messages WHERE conversation_id = ?2 AND sender_id = ?3 AND client_message_id = ?4) \
                     RETURNING last_seq, auto_delete_secs, \
                       EXISTS (SELECT 1 FROM conversation_participants WHERE conversation_id = ?2 AND archived_at IS NOT NULL)",
                )
                .bind(new.created_at.millis())
                .bind(d.conversation_id.as_str())
                .bind(new.sender_id.as_str())
                .bind(&d.client_message_id)
                .fetch_optional(&mut *conn)
                .await?;
                let Some((seq, conversation_timer, archived)) = bumped else {
                    return not_appended(conn, &new, AppendRefusal::Ended).await;
                };
                // The message's own timer wins over the conversation's; system notices stay.
                let timer = if d.message_type == MessageType::System { None } else { d.expires_in_secs.or(conversation_timer) };
                let message = Message {
                    id: new.id.clone(),
                    conversation_id: d.conversation_id.clone(),
                    seq,
                    sender_id: new.sender_id.clone(),
                    content: d.content.clone(),
                    message_type: d.message_type,
                    client_message_id: d.client_message_id.clone(),
                    created_at: new.created_at,
                    reply_to,
                    edited_at: None,
                    deleted_at: None,
                    reactions: Vec::new(),
                    expires_at: timer.filter(|secs| *secs > 0).map(|secs| new.created_at.plus(Duration::from_secs(secs as u64))),
                    view_once: timer == Some(0),
                    attachment,
                };
                sqlx::query(
                    "INSERT INTO messages (id, conversation_id, seq, sender_id, content, type, client_message_id, created_at, reply_to_id, \
                     expires_at, view_once) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                .execute(&mut *conn)
                .await?;
                if let Some(attachment) = &message.attachment {
                    sqlx::query("UPDATE attachments SET message_id = ? WHERE id = ?")
                        .bind(message.id.as_str())
                        .bind(attachment.id.as_str())
                        .execute(&mut *conn)
                        .await?;
                }
                // A new message brings an archived conversation back for everyone.
                if archived {
                    sqlx::query("UPDATE conversation_participants SET archived_at = NULL WHERE conversation_id = ? AND archived_at IS NOT NULL")
                    .bind(d.conversation_id.as_str())
                    .execute(conn)
                    .await?;
                }
                Ok(Ok(Appended { message, created: true }))
            })
        })
        .await
}

/// Why `new` was not stored: an earlier message under its clientMessageId
/// is the answer; otherwise `refusal`, unless the conversation is missing
/// (then `NoConversation`; a bad reply is refused either way).
async fn not_appended(
    conn: &mut SqliteConnection,
    new: &NewMessage,
    refusal: AppendRefusal,
) -> StoreResult<Result<Appended, AppendRefusal>> {
    let d = &new.draft;
    let existing = sqlx::query(select_messages!(
        "WHERE m.conversation_id = ? AND m.sender_id = ? AND m.client_message_id = ?"
    ))
    .bind(d.conversation_id.as_str())
    .bind(new.sender_id.as_str())
    .bind(&d.client_message_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = existing {
        return Ok(Ok(Appended {
            message: rows::message(&row)?,
            created: false,
        }));
    }
    if matches!(
        refusal,
        AppendRefusal::BadReply | AppendRefusal::BadAttachment
    ) {
        return Ok(Err(refusal));
    }
    let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM conversations WHERE id = ?")
        .bind(d.conversation_id.as_str())
        .fetch_optional(conn)
        .await?;
    Ok(Err(if exists.is_some() {
        refusal
    } else {
        AppendRefusal::NoConversation
    }))
}
