//! Conversations: reading them, direct ones, ending them, their timer,
//! and each participant's read and delivered marks and archive flag.

use crate::StoreResult;
use async_trait::async_trait;
use helpline_core::conversation::{Conversation, ConversationSummary};
use helpline_core::notice::SystemNote;
use helpline_core::{ConversationId, Timestamp, UserId};

/// Conversations and each participant's marks. Marks only ever rise.
#[async_trait]
pub trait Conversations: Send + Sync {
    /// The conversation with this id.
    async fn conversation(&self, id: &ConversationId) -> StoreResult<Option<Conversation>>;

    /// Its participants.
    async fn participants(&self, id: &ConversationId) -> StoreResult<Vec<UserId>>;

    /// The user's active conversations.
    async fn active_conversations_of(&self, user: &UserId) -> StoreResult<Vec<ConversationId>>;

    /// The user's conversations, most recent activity first.
    async fn conversation_summaries(&self, user: &UserId) -> StoreResult<Vec<ConversationSummary>>;

    /// Returns the active direct conversation between `caller` and `other`,
    /// or opens one with id `id` (true when it was opened now). A unique
    /// index on the pair makes concurrent starts agree on one conversation.
    async fn start_direct_conversation(
        &self,
        caller: &UserId,
        other: &UserId,
        id: &ConversationId,
        now: Timestamp,
    ) -> StoreResult<(Conversation, bool)>;

    /// Ends an active conversation, with `note` (by `by`) as its last
    /// message (the returned `last_seq`), and completes its request, in one
    /// transaction; `None` if it had ended.
    async fn end_conversation(
        &self,
        id: &ConversationId,
        by: &UserId,
        note: &SystemNote,
        now: Timestamp,
    ) -> StoreResult<Option<Conversation>>;

    /// Raises the user's read mark to `up_to_seq` (capped at the newest seq)
    /// and returns the mark now stored. Reading implies delivery, so the
    /// delivered mark rises with it.
    async fn mark_read(
        &self,
        id: &ConversationId,
        user: &UserId,
        up_to_seq: i64,
    ) -> StoreResult<i64>;

    /// Raises the user's delivered mark to `up_to_seq` (capped at the
    /// newest seq); the new mark if it rose, `None` if it did not. A store
    /// may merge concurrent calls for the same user and conversation into
    /// one write; then only the call with the highest `up_to_seq` reports
    /// the rise, and the others `None`.
    async fn mark_delivered(
        &self,
        id: &ConversationId,
        user: &UserId,
        up_to_seq: i64,
    ) -> StoreResult<Option<i64>>;

    /// Archives (or brings back) the conversation for one participant; false
    /// if they are not in it. A new message brings it back for everyone.
    async fn set_archived(
        &self,
        id: &ConversationId,
        user: &UserId,
        archived: bool,
        now: Timestamp,
    ) -> StoreResult<bool>;

    /// Sets a conversation's timer (`None` off, `Some(0)` view once) for
    /// messages sent from now on; `None` if there is no such conversation.
    async fn set_auto_delete(
        &self,
        id: &ConversationId,
        secs: Option<i64>,
    ) -> StoreResult<Option<Conversation>>;
}
