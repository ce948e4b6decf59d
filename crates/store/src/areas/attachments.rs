//! Attachments: uploads within a quota, and the sweep of dead ones.

use crate::StoreResult;
use async_trait::async_trait;
use helpline_core::attachment::Attachment;
use helpline_core::{AttachmentId, Timestamp};

/// Uploaded files' rows (the bytes live in the server's blob store).
#[async_trait]
pub trait Attachments: Send + Sync {
    /// Stores a new upload unless it would take its uploader's stored
    /// attachments past `quota_bytes` in total; false, with nothing stored,
    /// if it would. The check and the insert are one atomic step.
    async fn create_attachment(
        &self,
        attachment: &Attachment,
        quota_bytes: i64,
    ) -> StoreResult<bool>;

    /// The upload with this id, unless its message was deleted or expired.
    async fn attachment(&self, id: &AttachmentId) -> StoreResult<Option<Attachment>>;

    /// Removes and returns up to `limit` attachments nobody can reach any
    /// more, so their files can be deleted: those whose message was deleted
    /// or expired, and uploads never sent that were made before
    /// `unsent_before`. Each is returned by exactly one caller.
    async fn take_dead_attachments(
        &self,
        unsent_before: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<Attachment>>;
}
