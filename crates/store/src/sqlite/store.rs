//! [`Store`] for SQLite: reads on the reader pool, writes through the
//! group-committing writer. Methods follow the trait's order and delegate
//! to one module per topic: [`super::accounts`], [`super::requests`],
//! [`super::conversations`], [`super::history`], [`super::receipts`],
//! [`super::edits`], [`super::safety`], [`super::calls`],
//! [`super::attachments`]; writes of more than one statement live in
//! [`super::compound`].

use super::{
    SqliteStore, accounts, append, attachments, calls, compound, conversations, edits, history,
    receipts, requests, safety, timers,
};
use crate::{
    AppendRefusal, CallPlaced, ClaimOutcome, Credentials, OfferableRequest, OnWritten,
    OpenedRequest, Store, StoreResult,
};
use async_trait::async_trait;
use helpline_core::attachment::Attachment;
use helpline_core::call::{Call, CallEnd, CallStats, CallStatus, NewCall, Side};
use helpline_core::conversation::{Conversation, ConversationSummary};
use helpline_core::message::{Appended, Message, NewMessage, Reaction};
use helpline_core::notice::SystemNote;
use helpline_core::request::{Feedback, HelpRequest, NewHelpRequest};
use helpline_core::safety::{BlockedPerson, Report, ReportStatus};
use helpline_core::search::SearchQuery;
use helpline_core::user::{NewAccount, User};
use helpline_core::{
    AttachmentId, CallId, ConversationId, MessageId, ReportId, RequestId, Timestamp, UserId,
};

#[async_trait]
impl Store for SqliteStore {
    async fn setting_or_insert(&self, key: &str, candidate: &str) -> StoreResult<String> {
        compound::setting_or_insert(&self.writer, key, candidate).await
    }

    async fn create_user(
        &self,
        account: &NewAccount,
        password_hash: &str,
        id: &UserId,
        now: Timestamp,
    ) -> StoreResult<User> {
        accounts::create_user(self, account, password_hash, id, now).await
    }

    async fn user(&self, id: &UserId) -> StoreResult<Option<User>> {
        accounts::user(self, id).await
    }

    async fn credentials(&self, username: &str) -> StoreResult<Option<Credentials>> {
        accounts::credentials(self, username).await
    }

    async fn volunteers(&self) -> StoreResult<Vec<User>> {
        accounts::volunteers(self).await
    }

    async fn open_request(
        &self,
        new: &NewHelpRequest,
        candidates: &[UserId],
        written: Option<OnWritten>,
    ) -> StoreResult<OpenedRequest> {
        requests::open_request(&self.writer, new, candidates, written).await
    }

    async fn request(&self, id: &RequestId) -> StoreResult<Option<HelpRequest>> {
        requests::request(&self.readers, id).await
    }

    async fn pending_request_of(&self, seeker: &UserId) -> StoreResult<Option<HelpRequest>> {
        requests::pending_request_of(&self.readers, seeker).await
    }

    async fn latest_request_of(&self, seeker: &UserId) -> StoreResult<Option<HelpRequest>> {
        requests::latest_request_of(&self.readers, seeker).await
    }

    async fn requests_of(&self, user: &User) -> StoreResult<Vec<HelpRequest>> {
        requests::requests_of(&self.readers, user).await
    }

    async fn cancel_request(&self, id: &RequestId) -> StoreResult<Option<HelpRequest>> {
        requests::move_pending(&self.writer, id, "cancelled").await
    }

    async fn reject_request(&self, id: &RequestId) -> StoreResult<Option<HelpRequest>> {
        requests::move_pending(&self.writer, id, "rejected").await
    }

    async fn record_offers(&self, id: &RequestId, volunteers: &[UserId]) -> StoreResult<()> {
        requests::record_offers(&self.writer, id, volunteers).await
    }

    async fn record_decline(&self, id: &RequestId, volunteer: &UserId) -> StoreResult<()> {
        requests::record_decline(&self.writer, id, volunteer).await
    }

    async fn offered_volunteers(&self, id: &RequestId) -> StoreResult<Vec<UserId>> {
        requests::offered_volunteers(&self.readers, id).await
    }

    async fn offerable_requests(
        &self,
        volunteer: &UserId,
        now: Timestamp,
    ) -> StoreResult<Vec<OfferableRequest>> {
        requests::offerable_requests(&self.readers, volunteer, now).await
    }

    async fn claim_request(
        &self,
        id: &RequestId,
        volunteer: &UserId,
        conversation: &ConversationId,
        note: &SystemNote,
        now: Timestamp,
    ) -> StoreResult<ClaimOutcome> {
        compound::claim_request(&self.writer, id, volunteer, conversation, note, now).await
    }

    async fn expire_due_requests(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<HelpRequest>> {
        requests::expire_due_requests(&self.writer, now, limit).await
    }

    async fn set_feedback(
        &self,
        id: &RequestId,
        feedback: &Feedback,
    ) -> StoreResult<Option<HelpRequest>> {
        requests::set_feedback(&self.writer, id, feedback).await
    }

    async fn conversation(&self, id: &ConversationId) -> StoreResult<Option<Conversation>> {
        conversations::conversation(self, id).await
    }

    async fn participants(&self, id: &ConversationId) -> StoreResult<Vec<UserId>> {
        conversations::participants(self, id).await
    }

    async fn active_conversations_of(&self, user: &UserId) -> StoreResult<Vec<ConversationId>> {
        conversations::active_conversations_of(self, user).await
    }

    async fn conversation_summaries(&self, user: &UserId) -> StoreResult<Vec<ConversationSummary>> {
        compound::conversation_summaries(&self.readers, user).await
    }

    async fn start_direct_conversation(
        &self,
        caller: &UserId,
        other: &UserId,
        id: &ConversationId,
        now: Timestamp,
    ) -> StoreResult<(Conversation, bool)> {
        compound::start_direct_conversation(&self.writer, caller, other, id, now).await
    }

    async fn end_conversation(
        &self,
        id: &ConversationId,
        by: &UserId,
        note: &SystemNote,
        now: Timestamp,
    ) -> StoreResult<Option<Conversation>> {
        compound::end_conversation(&self.writer, id, by, note, now).await
    }

    async fn mark_read(
        &self,
        id: &ConversationId,
        user: &UserId,
        up_to_seq: i64,
    ) -> StoreResult<i64> {
        receipts::mark_read(self, id, user, up_to_seq).await
    }

    async fn mark_delivered(
        &self,
        id: &ConversationId,
        user: &UserId,
        up_to_seq: i64,
    ) -> StoreResult<Option<i64>> {
        receipts::mark_delivered(&self.writer, &self.delivered, id, user, up_to_seq).await
    }

    async fn set_archived(
        &self,
        id: &ConversationId,
        user: &UserId,
        archived: bool,
        now: Timestamp,
    ) -> StoreResult<bool> {
        receipts::set_archived(&self.writer, id, user, archived, now).await
    }

    async fn append_message(
        &self,
        new: &NewMessage,
    ) -> StoreResult<Result<Appended, AppendRefusal>> {
        append::append_message(&self.writer, &self.readers, new).await
    }

    async fn message(&self, id: &MessageId) -> StoreResult<Option<Message>> {
        edits::message(&self.readers, id).await
    }

    async fn edit_message(
        &self,
        id: &MessageId,
        content: &str,
        now: Timestamp,
    ) -> StoreResult<Option<Message>> {
        edits::edit_message(&self.writer, id, content, now).await
    }

    async fn delete_message(&self, id: &MessageId, now: Timestamp) -> StoreResult<Option<Message>> {
        edits::delete_message(&self.writer, id, now).await
    }

    async fn toggle_reaction(
        &self,
        id: &MessageId,
        user: &UserId,
        emoji: &str,
        now: Timestamp,
    ) -> StoreResult<Option<Vec<Reaction>>> {
        edits::toggle_reaction(&self.writer, id, user, emoji, now).await
    }

    async fn messages_after(
        &self,
        id: &ConversationId,
        after_seq: i64,
        limit: i64,
    ) -> StoreResult<Vec<Message>> {
        history::messages_after(self, id, after_seq, limit).await
    }

    async fn messages_before(
        &self,
        id: &ConversationId,
        before_seq: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Message>> {
        history::messages_before(self, id, before_seq, limit).await
    }

    async fn search_messages(
        &self,
        user: &UserId,
        query: &SearchQuery,
    ) -> StoreResult<Vec<Message>> {
        edits::search_messages(&self.readers, user, query).await
    }

    async fn set_auto_delete(
        &self,
        id: &ConversationId,
        secs: Option<i64>,
    ) -> StoreResult<Option<Conversation>> {
        timers::set_auto_delete(&self.writer, id, secs).await
    }

    async fn expire_messages(&self, now: Timestamp, limit: i64) -> StoreResult<Vec<Message>> {
        timers::expire_messages(&self.writer, now, limit).await
    }

    async fn create_attachment(
        &self,
        attachment: &Attachment,
        quota_bytes: i64,
    ) -> StoreResult<bool> {
        attachments::create_attachment(&self.writer, attachment, quota_bytes).await
    }

    async fn attachment(&self, id: &AttachmentId) -> StoreResult<Option<Attachment>> {
        attachments::attachment(&self.readers, id).await
    }

    async fn take_dead_attachments(
        &self,
        unsent_before: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<Attachment>> {
        attachments::take_dead_attachments(&self.writer, unsent_before, limit).await
    }

    async fn set_block(
        &self,
        blocker: &UserId,
        blocked: &UserId,
        blocking: bool,
        now: Timestamp,
    ) -> StoreResult<()> {
        safety::set_block(&self.writer, blocker, blocked, blocking, now).await
    }

    async fn blocked_either_way(&self, a: &UserId, b: &UserId) -> StoreResult<bool> {
        safety::blocked_either_way(&self.readers, a, b).await
    }

    async fn blockers_of(&self, user: &UserId) -> StoreResult<Vec<UserId>> {
        safety::blockers_of(&self.readers, user).await
    }

    async fn blocked_by(&self, blocker: &UserId) -> StoreResult<Vec<BlockedPerson>> {
        safety::blocked_by(&self.readers, blocker).await
    }

    async fn create_report(&self, report: &Report) -> StoreResult<()> {
        safety::create_report(&self.writer, report).await
    }

    async fn reports(&self, status: Option<ReportStatus>) -> StoreResult<Vec<Report>> {
        safety::reports(&self.readers, status).await
    }

    async fn resolve_report(
        &self,
        id: &ReportId,
        by: &UserId,
        now: Timestamp,
    ) -> StoreResult<Option<Report>> {
        safety::resolve_report(&self.writer, id, by, now).await
    }

    async fn pending_requests(&self, now: Timestamp) -> StoreResult<Vec<OfferableRequest>> {
        super::support::pending_requests(&self.readers, now).await
    }

    async fn active_sessions(&self) -> StoreResult<Vec<crate::ActiveSession>> {
        super::support::active_sessions(&self.readers).await
    }

    async fn create_call(&self, new: &NewCall, busy: &CallEnd) -> StoreResult<CallPlaced> {
        calls::create_call(&self.writer, new, busy).await
    }

    async fn call(&self, id: &CallId) -> StoreResult<Option<Call>> {
        calls::call(&self.readers, id).await
    }

    async fn accept_call(
        &self,
        id: &CallId,
        device: &str,
        answered_at: Timestamp,
    ) -> StoreResult<Option<Call>> {
        calls::accept_call(&self.writer, id, device, answered_at).await
    }

    async fn finish_call(
        &self,
        id: &CallId,
        from: CallStatus,
        end: &CallEnd,
    ) -> StoreResult<Option<Call>> {
        calls::finish_call(&self.writer, id, from, end).await
    }

    async fn expire_ringing_calls(&self, timeout: &CallEnd, limit: i64) -> StoreResult<Vec<Call>> {
        calls::expire_ringing_calls(&self.writer, timeout, limit).await
    }

    async fn bind_caller_device(&self, id: &CallId, device: &str) -> StoreResult<bool> {
        calls::bind_caller_device(&self.writer, id, device).await
    }

    async fn live_calls_of(&self, user: &UserId) -> StoreResult<Vec<Call>> {
        calls::live_calls_of(&self.readers, user).await
    }

    async fn live_call_in(&self, conversation: &ConversationId) -> StoreResult<Option<Call>> {
        calls::live_call_in(&self.readers, conversation).await
    }

    async fn calls_in(&self, conversation: &ConversationId, limit: i64) -> StoreResult<Vec<Call>> {
        calls::calls_in(&self.readers, conversation, limit).await
    }

    async fn set_call_stats(
        &self,
        id: &CallId,
        side: Side,
        stats: &CallStats,
    ) -> StoreResult<Option<Call>> {
        calls::set_call_stats(&self.writer, id, side, stats).await
    }

    async fn settle(&self) -> StoreResult<()> {
        // A job that does nothing is answered after the commit of every
        // batch before it.
        self.writer.run_direct(|_| Ok(())).await
    }

    async fn close(&self) {
        self.writer.close().await;
        self.checkpointer.close().await;
        self.readers.close().await;
    }
}
