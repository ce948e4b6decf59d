//! Attachments: what happens between an upload's bytes and a stored,
//! downloadable file, and how files go away again.
//!
//! - Upload ([`check_upload`], then [`store_upload`]): only a participant
//!   of an active conversation who is not blocked by the others; the type
//!   is sniffed from the bytes ([`helpline_core::sniff`]); pictures get a
//!   thumbnail ([`thumbnail`]); the bytes go to the [`storage::BlobStore`]
//!   under a server-generated key, and the row is stored only if it fits
//!   the uploader's quota (otherwise the files are removed again).
//! - Download ([`fetch`]): participants only; everyone else gets
//!   `not_found`, as if the attachment did not exist.
//! - Removal ([`sweep`]): attachments whose message was deleted or
//!   expired, and uploads never sent within [`UNSENT_TTL`], lose their row
//!   and then their files.

pub mod blobs;
pub mod s3;
pub mod sigv4;
pub mod storage;
pub mod thumbnail;

use crate::app::App;
use bytes::Bytes;
use helpline_core::attachment::{Attachment, sanitize_name};
use helpline_core::conversation::ConversationStatus;
use helpline_core::permissions::{
    ConversationAction, ConversationFacts, check_conversation_action, require_not_blocked,
};
use helpline_core::sniff::sniff;
use helpline_core::user::User;
use helpline_core::{AttachmentId, ConversationId, DomainError};
use std::time::Duration;

/// How long an upload may wait to be sent before the sweep removes it.
pub const UNSENT_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// Most attachments removed per sweep.
const SWEEP_BATCH: i64 = 500;

/// Decides `action` on `conversation` for `user`. Strangers and unknown
/// conversations are both `not_found`, so nobody learns what exists.
async fn check(
    app: &App,
    user: &User,
    conversation: &ConversationId,
    action: ConversationAction,
) -> Result<std::sync::Arc<[helpline_core::UserId]>, DomainError> {
    let participants = app
        .participants
        .of(app.store.as_ref(), conversation)
        .await?;
    let active = app
        .store
        .conversation(conversation)
        .await?
        .is_some_and(|c| c.status == ConversationStatus::Active);
    let facts = ConversationFacts {
        participants: &participants,
        active,
    };
    check_conversation_action(action, &user.id, facts, None).map_err(|e| match e {
        DomainError::Forbidden(_) => DomainError::NotFound("no such conversation"),
        other => other,
    })?;
    Ok(participants)
}

/// Refuses an upload to `conversation` by `user` before any byte is read:
/// not a participant (`not_found`), ended (`conversation_ended`), or
/// blocked by someone in it (`forbidden`).
pub async fn check_upload(
    app: &App,
    user: &User,
    conversation: &ConversationId,
) -> Result<(), DomainError> {
    let participants = check(app, user, conversation, ConversationAction::Upload).await?;
    let others: Vec<_> = participants
        .iter()
        .filter(|p| **p != user.id)
        .cloned()
        .collect();
    require_not_blocked(&app.store.blockers_of(&user.id).await?, &others)
}

/// Stores an upload that [`check_upload`] allowed: sniffs its type, makes a
/// thumbnail for pictures, writes the files and then the row. Over quota:
/// `quota_exceeded`, and nothing stays stored.
pub async fn store_upload(
    app: &App,
    user: &User,
    conversation: &ConversationId,
    name: Option<&str>,
    bytes: Bytes,
) -> Result<Attachment, DomainError> {
    if bytes.is_empty() {
        return Err(DomainError::invalid("the file is empty"));
    }
    let mime = sniff(&bytes);
    let preview = if mime.starts_with("image/") {
        let bytes = bytes.clone();
        tokio::task::spawn_blocking(move || thumbnail::thumbnail(&bytes, mime))
            .await
            .map_err(|error| {
                tracing::error!(%error, "thumbnail task failed");
                DomainError::Internal
            })?
    } else {
        None
    };
    let key = storage::new_key();
    let attachment = Attachment {
        id: AttachmentId::generate(),
        conversation_id: conversation.clone(),
        uploader_id: user.id.clone(),
        name: sanitize_name(name),
        mime: mime.to_owned(),
        size: bytes.len() as i64,
        thumbnail_key: preview.as_ref().map(|_| storage::thumbnail_key(&key)),
        storage_key: key,
        message_id: None,
        created_at: app.clock.now(),
    };
    let blobs = &app.attachments.blobs;
    let written = async {
        blobs.put(&attachment.storage_key, bytes).await?;
        if let (Some(key), Some(preview)) = (&attachment.thumbnail_key, preview) {
            blobs.put(key, Bytes::from(preview)).await?;
        }
        Ok::<_, std::io::Error>(())
    }
    .await;
    if let Err(error) = written {
        tracing::error!(%error, "writing an attachment failed");
        remove_files(app, &attachment).await;
        return Err(DomainError::Internal);
    }
    let quota = i64::try_from(app.settings.attachment_quota_bytes).unwrap_or(i64::MAX);
    match app.store.create_attachment(&attachment, quota).await {
        Ok(true) => Ok(attachment),
        Ok(false) => {
            remove_files(app, &attachment).await;
            Err(DomainError::QuotaExceeded)
        }
        Err(error) => {
            remove_files(app, &attachment).await;
            Err(error.into())
        }
    }
}

/// The attachment `id` and its bytes (or its thumbnail's), for a
/// participant of its conversation. Everyone else, and unsent uploads of
/// someone else, get `not_found`.
pub async fn fetch(
    app: &App,
    user: &User,
    id: &AttachmentId,
    thumbnail: bool,
) -> Result<(Attachment, Bytes), DomainError> {
    let missing = DomainError::NotFound("no such attachment");
    let attachment = app.store.attachment(id).await?.ok_or(missing.clone())?;
    check(
        app,
        user,
        &attachment.conversation_id,
        ConversationAction::Download,
    )
    .await
    .map_err(|_| missing.clone())?;
    if attachment.message_id.is_none() && attachment.uploader_id != user.id {
        return Err(missing);
    }
    let key = if thumbnail {
        attachment.thumbnail_key.as_deref().ok_or(missing.clone())?
    } else {
        &attachment.storage_key
    };
    match app.attachments.blobs.get(key).await {
        Ok(Some(bytes)) => Ok((attachment, bytes)),
        Ok(None) => {
            tracing::warn!(attachment = %attachment.id, "an attachment's file is missing");
            Err(missing)
        }
        Err(error) => {
            tracing::error!(%error, "reading an attachment failed");
            Err(DomainError::Internal)
        }
    }
}

/// Removes the rows and then the files of attachments nobody can reach any
/// more: those of deleted or expired messages, and uploads never sent
/// within [`UNSENT_TTL`]. Runs on every sweeper tick, and right after a
/// message is deleted so its file goes at once.
pub async fn sweep(app: &App) {
    let cutoff = app.clock.now().minus(UNSENT_TTL);
    match app.store.take_dead_attachments(cutoff, SWEEP_BATCH).await {
        Ok(dead) => {
            for attachment in &dead {
                tracing::debug!(attachment = %attachment.id, "attachment removed");
                remove_files(app, attachment).await;
            }
        }
        Err(error) => tracing::error!(%error, "attachment sweep failed"),
    }
}

/// Deletes an attachment's file and thumbnail; failures are logged.
/// Deleting files already gone is not a failure.
pub(crate) async fn remove_files(app: &App, attachment: &Attachment) {
    for key in attachment.keys() {
        if let Err(error) = app.attachments.blobs.delete(key).await {
            tracing::error!(%error, attachment = %attachment.id, "removing an attachment file failed");
        }
    }
}
