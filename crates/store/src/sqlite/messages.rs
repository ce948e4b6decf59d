//! [`crate::Messages`] on SQLite: the area's operations, each in the
//! module that owns its statements: appends in [`super::append`], edits,
//! deletion and reactions in [`super::edits`], history and search in
//! [`super::history`], the sweep of disappearing messages in
//! [`super::timers`].

use crate::{AppendRefusal, StoreResult};
use helpline_core::message::{Appended, Message, MessageFlag, NewMessage, Reaction};
use helpline_core::search::SearchQuery;
use helpline_core::{ConversationId, MessageId, Timestamp, UserId};

#[async_trait::async_trait]
impl crate::Messages for super::SqliteStore {
    async fn append_message(
        &self,
        new: &NewMessage,
    ) -> StoreResult<Result<Appended, AppendRefusal>> {
        super::append::append_message(&self.writer, &self.readers, new).await
    }

    async fn message(&self, id: &MessageId) -> StoreResult<Option<Message>> {
        super::edits::message(&self.readers, id).await
    }

    async fn edit_message(
        &self,
        id: &MessageId,
        content: &str,
        flags: &[MessageFlag],
        now: Timestamp,
    ) -> StoreResult<Option<Message>> {
        super::edits::edit_message(&self.writer, id, content, flags, now).await
    }

    async fn delete_message(&self, id: &MessageId, now: Timestamp) -> StoreResult<Option<Message>> {
        super::edits::delete_message(&self.writer, id, now).await
    }

    async fn toggle_reaction(
        &self,
        id: &MessageId,
        user: &UserId,
        emoji: &str,
        now: Timestamp,
    ) -> StoreResult<Option<Vec<Reaction>>> {
        super::edits::toggle_reaction(&self.writer, id, user, emoji, now).await
    }

    async fn messages_after(
        &self,
        id: &ConversationId,
        after_seq: i64,
        limit: i64,
    ) -> StoreResult<Vec<Message>> {
        super::history::messages_after(self, id, after_seq, limit).await
    }

    async fn messages_before(
        &self,
        id: &ConversationId,
        before_seq: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Message>> {
        super::history::messages_before(self, id, before_seq, limit).await
    }

    async fn search_messages(
        &self,
        user: &UserId,
        query: &SearchQuery,
    ) -> StoreResult<Vec<Message>> {
        super::edits::search_messages(&self.readers, user, query).await
    }

    async fn expire_messages(&self, now: Timestamp, limit: i64) -> StoreResult<Vec<Message>> {
        super::timers::expire_messages(&self.writer, now, limit).await
    }
}
