//! Appending a message on PostgreSQL, the store's hottest write.
//!
//! Every statement is a round trip to the database, and the conversation's
//! row stays locked from the seq bump to the commit (its fsync included),
//! so the common case is kept to four: `BEGIN`, one `UPDATE … RETURNING`
//! that bumps the seq only in an active conversation and for a sender no
//! participant has blocked (system notes are never blocked), one `INSERT …
//! ON CONFLICT DO NOTHING` that stores the message unless a retry of the
//! same clientMessageId got in first, and `COMMIT`. When either does
//! nothing, the transaction is rolled back (the seq bump with it) and the
//! reason, or the earlier message of a retry, is read afterwards.

use super::attachments;
use crate::rows::{self, Columns};
use crate::sql;
use crate::types::{APPEND_ATTEMPTS, Unwritten};
use crate::{AppendRefusal, StoreResult};
use helpline_core::message::{Appended, MessageFlag, NewMessage, ReplyPreview, preview_of};
use helpline_core::{ConversationId, MessageId, Timestamp, UserId};
use sqlx::{PgConnection, PgPool};

/// Bumps the seq unless the conversation is gone, ended, or blocks the
/// sender; says whether any participant had archived it.
const BUMP_SEQ: &str = "UPDATE conversations SET last_seq = last_seq + 1, last_activity_at = $1 \
     WHERE id = $2 AND status = 'active' \
       AND ($4 = 'system' OR NOT EXISTS (SELECT 1 FROM blocks b JOIN conversation_participants p \
             ON p.user_id = b.blocker_id WHERE p.conversation_id = $2 AND b.blocked_id = $3)) \
     RETURNING last_seq, auto_delete_secs, \
       EXISTS (SELECT 1 FROM conversation_participants WHERE conversation_id = $2 AND archived_at IS NOT NULL)";

/// Stores the message unless its sender already stored one under the same
/// clientMessageId: a concurrent retry that committed while this waited for
/// the conversation's row, which the bump's snapshot could not see.
const INSERT_MESSAGE: &str = "INSERT INTO messages (id, conversation_id, seq, sender_id, content, type, \
     client_message_id, created_at, reply_to_id, expires_at, view_once, flags) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
     ON CONFLICT (conversation_id, sender_id, client_message_id) DO NOTHING";

/// See [`crate::Messages::append_message`].
pub(super) async fn append_message(
    pool: &PgPool,
    new: &NewMessage,
) -> StoreResult<Result<Appended, AppendRefusal>> {
    for _ in 0..APPEND_ATTEMPTS {
        let why = match write_message(pool, new).await? {
            Ok(appended) => return Ok(Ok(appended)),
            Err(why) => why,
        };
        if let Some(answer) = not_appended(pool, new, why).await? {
            return Ok(answer);
        }
        // Blocked or ended then, no longer now: once more.
    }
    Ok(Err(AppendRefusal::Ended))
}

/// One transaction that stores `new`, or rolls back and says why not.
async fn write_message(
    pool: &PgPool,
    new: &NewMessage,
) -> StoreResult<Result<Appended, Unwritten>> {
    let d = &new.draft;
    let mut tx = pool.begin().await?;
    let reply_to = match &d.reply_to_id {
        Some(reply_id) => match reply_preview(&mut tx, &d.conversation_id, reply_id).await? {
            Some(preview) => Some(preview),
            None => return rolled_back(tx, Unwritten::BadReply).await,
        },
        None => None,
    };
    let attachment = match &d.attachment_id {
        Some(a) => {
            match attachments::sendable(&mut tx, a, &d.conversation_id, &new.sender_id).await? {
                Some(info) => Some(info),
                None => return rolled_back(tx, Unwritten::BadAttachment).await,
            }
        }
        None => None,
    };
    let bumped: Option<(i64, Option<i64>, bool)> = sqlx::query_as(BUMP_SEQ)
        .bind(new.created_at.millis())
        .bind(d.conversation_id.as_str())
        .bind(new.sender_id.as_str())
        .bind(d.message_type.as_str())
        .fetch_optional(&mut *tx)
        .await?;
    let Some((seq, conversation_timer, archived)) = bumped else {
        return rolled_back(tx, Unwritten::NotBumped).await;
    };
    let message = new.stored(seq, conversation_timer, reply_to, attachment);
    let inserted = sqlx::query(INSERT_MESSAGE)
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
        .bind(MessageFlag::to_bits(&message.flags))
        .execute(&mut *tx)
        .await?;
    if inserted.rows_affected() == 0 {
        // Undoes the seq bump too.
        return rolled_back(tx, Unwritten::NotBumped).await;
    }
    if let Some(attachment) = &message.attachment {
        sqlx::query(sql::append::ATTACH_TO_MESSAGE)
            .bind(message.id.as_str())
            .bind(attachment.id.as_str())
            .execute(&mut *tx)
            .await?;
    }
    // A new message brings an archived conversation back for everyone.
    if archived {
        sqlx::query(sql::append::UNARCHIVE)
            .bind(d.conversation_id.as_str())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Ok(Appended {
        message,
        created: true,
    }))
}

/// Rolls `tx` back now (releasing the conversation's row at once, not
/// whenever the pooled connection is next used) and reports `why`.
async fn rolled_back(
    tx: sqlx::Transaction<'_, sqlx::Postgres>,
    why: Unwritten,
) -> StoreResult<Result<Appended, Unwritten>> {
    tx.rollback().await?;
    Ok(Err(why))
}

/// What a reply to `reply_id` shows, if that message is alive in `conversation`.
async fn reply_preview(
    conn: &mut PgConnection,
    conversation: &ConversationId,
    reply_id: &MessageId,
) -> StoreResult<Option<ReplyPreview>> {
    let row = sqlx::query(sql::append::REPLY_PREVIEW)
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

/// Why `new` was not stored: its earlier copy (a retry, answered with the
/// stored message), or the refusal. `None` when nothing explains it any
/// more (a block lifted in between), so the append is tried again.
async fn not_appended(
    pool: &PgPool,
    new: &NewMessage,
    why: Unwritten,
) -> StoreResult<Option<Result<Appended, AppendRefusal>>> {
    let d = &new.draft;
    let existing = sqlx::query(select_messages!(
        "WHERE m.conversation_id = $1 AND m.sender_id = $2 AND m.client_message_id = $3"
    ))
    .bind(d.conversation_id.as_str())
    .bind(new.sender_id.as_str())
    .bind(&d.client_message_id)
    .fetch_optional(pool)
    .await?;
    let existing = existing.as_ref().map(rows::message).transpose()?;
    if let Some(answer) = why.settled(existing) {
        return Ok(Some(answer));
    }
    let state: Option<(String, bool)> = sqlx::query_as(
        "SELECT c.status, EXISTS (SELECT 1 FROM blocks b JOIN conversation_participants p \
           ON p.user_id = b.blocker_id WHERE p.conversation_id = c.id AND b.blocked_id = $2) \
         FROM conversations c WHERE c.id = $1",
    )
    .bind(d.conversation_id.as_str())
    .bind(new.sender_id.as_str())
    .fetch_optional(pool)
    .await?;
    Ok(Unwritten::refusal(state, d.message_type))
}
