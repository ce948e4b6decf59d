//! Messages: appending with a gapless seq, edits, deletion, reactions,
//! history both ways, search, and the sweep of disappearing messages.

use crate::{AppendRefusal, StoreResult};
use async_trait::async_trait;
use helpline_core::message::{Appended, Message, MessageFlag, NewMessage, Reaction};
use helpline_core::search::SearchQuery;
use helpline_core::{ConversationId, MessageId, Timestamp, UserId};

/// Messages. `seq` is assigned in the appending transaction, gapless per
/// conversation; a `clientMessageId` is stored once per sender and
/// conversation.
#[async_trait]
pub trait Messages: Send + Sync {
    /// Appends a message with the next seq, or returns the one already stored
    /// under the same (conversation, sender, clientMessageId). An
    /// `attachmentId` must name an unsent upload of the sender in this
    /// conversation, which the message then carries. A sender whom another
    /// participant blocked is refused ([`AppendRefusal::Blocked`]), except
    /// for system notes. Its timer is
    /// its own `expires_in_secs`, else the conversation's; system messages
    /// never disappear. Resolves only
    /// once the message is durable.
    async fn append_message(
        &self,
        new: &NewMessage,
    ) -> StoreResult<Result<Appended, AppendRefusal>>;

    /// The message with this id (a deleted one as its tombstone).
    async fn message(&self, id: &MessageId) -> StoreResult<Option<Message>>;

    /// Replaces the text of a message that is not deleted, and what the
    /// server noticed about the new text; `None` otherwise.
    async fn edit_message(
        &self,
        id: &MessageId,
        content: &str,
        flags: &[MessageFlag],
        now: Timestamp,
    ) -> StoreResult<Option<Message>>;

    /// Deletes a message for everyone: its content and reactions are erased
    /// from storage, its attachment is left for the sweep
    /// ([`crate::Attachments::take_dead_attachments`]), and a tombstone keeps its seq. `None` if it is missing
    /// or was deleted already.
    async fn delete_message(&self, id: &MessageId, now: Timestamp) -> StoreResult<Option<Message>>;

    /// Adds `user`'s `emoji` reaction, or takes it back if present, and
    /// returns the message's reactions now. `None` if the message is
    /// missing or deleted.
    async fn toggle_reaction(
        &self,
        id: &MessageId,
        user: &UserId,
        emoji: &str,
        now: Timestamp,
    ) -> StoreResult<Option<Vec<Reaction>>>;

    /// Messages with seq greater than `after_seq`, ascending, at most `limit`.
    async fn messages_after(
        &self,
        id: &ConversationId,
        after_seq: i64,
        limit: i64,
    ) -> StoreResult<Vec<Message>>;

    /// The `limit` messages just before `before_seq` (or the newest), ascending.
    async fn messages_before(
        &self,
        id: &ConversationId,
        before_seq: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Message>>;

    /// Live messages containing every term of `query`, in conversations
    /// `user` takes part in, most relevant first (then newest).
    async fn search_messages(
        &self,
        user: &UserId,
        query: &SearchQuery,
    ) -> StoreResult<Vec<Message>>;

    /// Deletes (as tombstones) up to `limit` messages that are due: past
    /// their deadline, or view-once and read by every other participant —
    /// except in conversations with an open report. Each is returned by
    /// exactly one caller, also across processes.
    async fn expire_messages(&self, now: Timestamp, limit: i64) -> StoreResult<Vec<Message>>;
}
