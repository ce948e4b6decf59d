//! [`crate::Messages`] on PostgreSQL: the area's operations, each in the
//! module that owns its statements: appends in [`super::append`], edits,
//! deletion and reactions in [`super::edits`], history and search in
//! [`super::history`], the sweep of disappearing messages in
//! [`super::timers`].

use crate::{AppendRefusal, StoreResult};
use helpline_core::message::{Appended, Message, MessageFlag, NewMessage, Reaction};
use helpline_core::search::SearchQuery;
use helpline_core::{ConversationId, MessageId, Timestamp, UserId};

#[async_trait::async_trait]
impl crate::Messages for super::PostgresStore {
    async fn append_message(
        &self,
        new: &NewMessage,
    ) -> StoreResult<Result<Appended, AppendRefusal>> {
        if super::batch::Appender::takes(new) {
            self.appender.append(new).await
        } else {
            super::append::append_message(&self.pool, new).await
        }
    }

    async fn message(&self, id: &MessageId) -> StoreResult<Option<Message>> {
        super::edits::message(&self.pool, id).await
    }

    async fn edit_message(
        &self,
        id: &MessageId,
        content: &str,
        flags: &[MessageFlag],
        now: Timestamp,
    ) -> StoreResult<Option<Message>> {
        super::edits::edit_message(&self.pool, id, content, flags, now).await
    }

    async fn delete_message(&self, id: &MessageId, now: Timestamp) -> StoreResult<Option<Message>> {
        super::edits::delete_message(&self.pool, id, now).await
    }

    async fn toggle_reaction(
        &self,
        id: &MessageId,
        user: &UserId,
        emoji: &str,
        now: Timestamp,
    ) -> StoreResult<Option<Vec<Reaction>>> {
        super::edits::toggle_reaction(&self.pool, id, user, emoji, now).await
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
        super::edits::search_messages(&self.pool, user, query).await
    }

    async fn expire_messages(&self, now: Timestamp, limit: i64) -> StoreResult<Vec<Message>> {
        super::timers::expire_messages(&self.pool, now, limit).await
    }
}
