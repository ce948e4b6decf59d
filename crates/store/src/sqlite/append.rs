//! Appending a message on SQLite, the store's hottest write.
//!
//! The append is a *direct* job on the writer ([`super::writer`]): every
//! statement is a plain call on the writer thread's rusqlite connection, so
//! a batch of messages costs one wake-up of that thread instead of several
//! thread hand-offs per message. One `UPDATE` decides the common case: the
//! seq rises only in an active conversation, for a new clientMessageId
//! (looked for through its key, [`super::dedup`]), from a sender no
//! participant has blocked (system notes are never blocked). When it does not rise, the reason (an earlier message
//! under the same clientMessageId, a block, an ended or missing
//! conversation) is read afterwards on the reader pool, after the batch's
//! commit, off the writer thread.

use super::dedup::dedup_key;
use super::writer::Writer;
use crate::rows::{self, Columns};
use crate::sql;
use crate::types::{APPEND_ATTEMPTS, Unwritten};
use crate::{AppendRefusal, StoreResult};
use helpline_core::attachment::AttachmentInfo;
use helpline_core::message::{Appended, MessageFlag, NewMessage, ReplyPreview, preview_of};
use helpline_core::{MessageId, Timestamp, UserId};
use rusqlite::params;
use sqlx::SqlitePool;

/// Bumps the seq, or finds out why not. An earlier message under the same
/// clientMessageId is looked for through its key ([`super::dedup`]): the
/// one check that keeps it unique. Blocks are checked here, in the
/// same statement, so a send needs no read of its own. The block probe
/// starts where nothing is usual, at blocks of this sender
/// (`blocks_blocked`): one look, where the join through the participants
/// was three. No `RETURNING`: SQLite gathers returned rows in a temporary
/// b-tree of its own, opened and freed per statement (12 % of an append's
/// instructions under callgrind); [`BUMPED`] reads the same row instead.
const BUMP_SEQ: &str = "UPDATE conversations SET last_seq = last_seq + 1, last_activity_at = ?1 \
     WHERE id = ?2 AND status = 'active' \
       AND NOT EXISTS (SELECT 1 FROM messages INDEXED BY messages_dedup \
             WHERE dedup_key = ?6 AND conversation_id = ?2 AND sender_id = ?3 AND client_message_id = ?4) \
       AND (?5 = 'system' OR NOT EXISTS (SELECT 1 FROM blocks b INDEXED BY blocks_blocked \
             CROSS JOIN conversation_participants p \
             WHERE b.blocked_id = ?3 AND p.conversation_id = ?2 AND p.user_id = b.blocker_id))";

/// What a bumped conversation now says: the new seq, its timer, and
/// whether anyone archived it (the partial index `participants_archived`
/// holds only archived rows, so the usual answer is one look into an
/// empty index).
const BUMPED: &str = "SELECT last_seq, auto_delete_secs, \
       EXISTS (SELECT 1 FROM conversation_participants INDEXED BY participants_archived \
               WHERE conversation_id = ?1 AND archived_at IS NOT NULL) \
     FROM conversations WHERE id = ?1";

const INSERT_MESSAGE: &str = "INSERT INTO messages (id, conversation_id, seq, sender_id, content, type, \
     client_message_id, created_at, reply_to_id, expires_at, view_once, dedup_key, flags) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

/// See [`crate::Messages::append_message`].
pub(super) async fn append_message(
    writer: &Writer,
    readers: &SqlitePool,
    new: &NewMessage,
) -> StoreResult<Result<Appended, AppendRefusal>> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let job = new.clone();
        let why = match writer
            .run_direct(move |conn| write_message(conn, &job))
            .await?
        {
            Ok(appended) => return Ok(Ok(appended)),
            Err(why) => why,
        };
        match not_appended(readers, new, why).await? {
            Some(answer) => return Ok(answer),
            // Blocked or ended then, no longer now: once more.
            None if attempt < APPEND_ATTEMPTS => continue,
            None => return Ok(Err(AppendRefusal::Ended)),
        }
    }
}

/// The writer's part: stores `new` or says why it did not.
fn write_message(
    conn: &rusqlite::Connection,
    new: &NewMessage,
) -> StoreResult<Result<Appended, Unwritten>> {
    let d = &new.draft;
    let reply_to = match &d.reply_to_id {
        Some(reply_id) => match reply_preview(conn, d.conversation_id.as_str(), reply_id)? {
            Some(preview) => Some(preview),
            None => return Ok(Err(Unwritten::BadReply)),
        },
        None => None,
    };
    let attachment = match &d.attachment_id {
        Some(a) => match sendable(conn, a.as_str(), d.conversation_id.as_str(), &new.sender_id)? {
            Some(info) => Some(info),
            None => return Ok(Err(Unwritten::BadAttachment)),
        },
        None => None,
    };
    let key = dedup_key(
        d.conversation_id.as_str(),
        new.sender_id.as_str(),
        &d.client_message_id,
    );
    let bumped = conn.prepare_cached(BUMP_SEQ)?.execute(params![
        new.created_at.millis(),
        d.conversation_id.as_str(),
        new.sender_id.as_str(),
        &d.client_message_id,
        d.message_type.as_str(),
        key,
    ])?;
    if bumped == 0 {
        return Ok(Err(Unwritten::NotBumped));
    }
    let (seq, conversation_timer, archived): (i64, Option<i64>, bool) = conn
        .prepare_cached(BUMPED)?
        .query_row(params![d.conversation_id.as_str()], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?;
    let message = new.stored(seq, conversation_timer, reply_to, attachment);
    conn.prepare_cached(INSERT_MESSAGE)?.execute(params![
        message.id.as_str(),
        message.conversation_id.as_str(),
        seq,
        message.sender_id.as_str(),
        &message.content,
        message.message_type.as_str(),
        &message.client_message_id,
        message.created_at.millis(),
        d.reply_to_id.as_ref().map(MessageId::as_str),
        message.expires_at.map(Timestamp::millis),
        i64::from(message.view_once),
        key,
        MessageFlag::to_bits(&message.flags),
    ])?;
    if let Some(attachment) = &message.attachment {
        conn.prepare_cached(sql::append::ATTACH_TO_MESSAGE)?
            .execute(params![message.id.as_str(), attachment.id.as_str()])?;
    }
    // A new message brings an archived conversation back for everyone.
    if archived {
        conn.prepare_cached(sql::append::UNARCHIVE)?
            .execute(params![message.conversation_id.as_str()])?;
    }
    Ok(Ok(Appended {
        message,
        created: true,
    }))
}

/// What a reply to `reply_id` shows, if that message is alive in `conversation`.
fn reply_preview(
    conn: &rusqlite::Connection,
    conversation: &str,
    reply_id: &MessageId,
) -> StoreResult<Option<ReplyPreview>> {
    let mut statement = conn.prepare_cached(sql::append::REPLY_PREVIEW)?;
    let mut found = statement.query(params![reply_id.as_str(), conversation])?;
    let Some(row) = found.next()? else {
        return Ok(None);
    };
    Ok(Some(ReplyPreview {
        id: reply_id.clone(),
        seq: row.int("seq")?,
        sender_id: UserId::from_trusted(row.text("sender_id")?),
        preview: preview_of(&row.text("content")?),
        deleted: false,
    }))
}

/// The attachment `id`, if it is an unsent upload of `sender` in `conversation`.
fn sendable(
    conn: &rusqlite::Connection,
    id: &str,
    conversation: &str,
    sender: &UserId,
) -> StoreResult<Option<AttachmentInfo>> {
    let mut statement = conn.prepare_cached(
        "SELECT * FROM attachments WHERE id = ?1 AND conversation_id = ?2 AND uploader_id = ?3 \
         AND message_id IS NULL AND dead_at IS NULL",
    )?;
    let mut found = statement.query(params![id, conversation, sender.as_str()])?;
    match found.next()? {
        Some(row) => Ok(Some(rows::attachment(row)?.info())),
        None => Ok(None),
    }
}

/// Why `new` was not stored, read after the commit: an earlier message
/// under its clientMessageId is the answer; then a bad reply or attachment;
/// then a missing conversation, a block (for anything but a system note),
/// an ended conversation. `None` if none of these holds any more.
async fn not_appended(
    readers: &SqlitePool,
    new: &NewMessage,
    why: Unwritten,
) -> StoreResult<Option<Result<Appended, AppendRefusal>>> {
    let d = &new.draft;
    let existing = sqlx::query(select_messages!(
        "WHERE m.rowid = (SELECT rowid FROM messages INDEXED BY messages_dedup \
           WHERE dedup_key = ? AND conversation_id = ? AND sender_id = ? AND client_message_id = ?)"
    ))
    .bind(dedup_key(
        d.conversation_id.as_str(),
        new.sender_id.as_str(),
        &d.client_message_id,
    ))
    .bind(d.conversation_id.as_str())
    .bind(new.sender_id.as_str())
    .bind(&d.client_message_id)
    .fetch_optional(readers)
    .await?;
    let existing = existing.as_ref().map(rows::message).transpose()?;
    if let Some(answer) = why.settled(existing) {
        return Ok(Some(answer));
    }
    let state: Option<(String, bool)> = sqlx::query_as(
        "SELECT c.status, EXISTS (SELECT 1 FROM blocks b JOIN conversation_participants p \
           ON p.user_id = b.blocker_id WHERE p.conversation_id = c.id AND b.blocked_id = ?2) \
         FROM conversations c WHERE c.id = ?1",
    )
    .bind(d.conversation_id.as_str())
    .bind(new.sender_id.as_str())
    .fetch_optional(readers)
    .await?;
    Ok(Unwritten::refusal(state, d.message_type))
}
