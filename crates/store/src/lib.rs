//! Helpline's storage: one [`Store`] interface, implemented for SQLite (the
//! embedded default) and PostgreSQL (for several server processes sharing
//! one database). Both implementations list their methods in the order of
//! the trait, run the same conformance suite (`tests/conformance.rs`), and
//! carry their own migrations under `migrations/<backend>/`.
//!
//! Rules that must hold across processes are decided by the database, not by
//! the caller: a claim is a conditional update, expiry a conditional update
//! on the stored deadline, and `seq` is assigned inside the insert
//! transaction.

mod calls;
mod error;
mod migrate;
mod offers;
pub mod postgres;
mod rows;
pub mod sqlite;
mod types;

pub use calls::CallPlaced;
pub use error::StoreError;
pub use types::{
    ActiveSession, AppendRefusal, ClaimOutcome, Credentials, OfferableRequest, OnWritten,
    OpenedRequest, StoreOptions,
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
use std::sync::Arc;

/// Shorthand for store results.
pub type StoreResult<T> = Result<T, StoreError>;

/// Everything Helpline keeps. Implementations must be safe to share between
/// tasks and, for PostgreSQL, between processes.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    // ---- settings -------------------------------------------------------

    /// Returns the setting `key`, storing `candidate` first if it has none.
    /// Used for the generated token secret: the first process to start wins
    /// and every later one reads the same value.
    async fn setting_or_insert(&self, key: &str, candidate: &str) -> StoreResult<String>;

    // ---- accounts -------------------------------------------------------

    /// Stores a new account with an already hashed password.
    /// A taken username is [`StoreError::UsernameTaken`].
    async fn create_user(
        &self,
        account: &NewAccount,
        password_hash: &str,
        id: &UserId,
        now: Timestamp,
    ) -> StoreResult<User>;
    /// The account with this id.
    async fn user(&self, id: &UserId) -> StoreResult<Option<User>>;
    /// The account and its hash, for login.
    async fn credentials(&self, username: &str) -> StoreResult<Option<Credentials>>;
    /// Every volunteer, ordered by display name.
    async fn volunteers(&self) -> StoreResult<Vec<User>>;

    // ---- help requests --------------------------------------------------

    /// Stores a new pending request and, in the same transaction, its
    /// first offers: to each of `candidates` (once, in their order) with no
    /// block between them and the seeker, either way. A request made to a
    /// volunteer on the other side of such a block is
    /// [`StoreError::Blocked`], and a seeker who already has one pending
    /// gets [`StoreError::PendingExists`] (a unique index decides); either
    /// way nothing is stored.
    ///
    /// Returns once the request is durable. `written` hears of it earlier,
    /// as soon as the transaction has run: on SQLite before the commit's
    /// sync (the single writer runs every write queued later after that
    /// commit, so whoever is told can act on it at once; a read on another
    /// connection sees it after [`Store::settle`]), on PostgreSQL after the
    /// commit. If the commit then fails, this returns the error.
    async fn open_request(
        &self,
        new: &NewHelpRequest,
        candidates: &[UserId],
        written: Option<OnWritten>,
    ) -> StoreResult<OpenedRequest>;
    /// The request with this id.
    async fn request(&self, id: &RequestId) -> StoreResult<Option<HelpRequest>>;
    /// The seeker's pending request, if any.
    async fn pending_request_of(&self, seeker: &UserId) -> StoreResult<Option<HelpRequest>>;
    /// The seeker's newest request, whatever its status.
    async fn latest_request_of(&self, seeker: &UserId) -> StoreResult<Option<HelpRequest>>;
    /// A seeker's requests, or those a volunteer accepted or was asked for; newest first.
    async fn requests_of(&self, user: &User) -> StoreResult<Vec<HelpRequest>>;
    /// Moves `pending → cancelled`; `None` if it was not pending.
    async fn cancel_request(&self, id: &RequestId) -> StoreResult<Option<HelpRequest>>;
    /// Moves a targeted request `pending → rejected`; `None` if it was not pending.
    async fn reject_request(&self, id: &RequestId) -> StoreResult<Option<HelpRequest>>;
    /// Records that these volunteers were told about a request after it was
    /// opened (one who became available while it was pending).
    async fn record_offers(&self, id: &RequestId, volunteers: &[UserId]) -> StoreResult<()>;
    /// Records that a volunteer declined an open request (it is not offered to them again).
    async fn record_decline(&self, id: &RequestId, volunteer: &UserId) -> StoreResult<()>;
    /// The volunteers the request was offered to, when it was opened or
    /// later; each once.
    async fn offered_volunteers(&self, id: &RequestId) -> StoreResult<Vec<UserId>>;
    /// Pending, unexpired requests a volunteer may be offered now, oldest first:
    /// those made to them, and open ones they have not declined, never from
    /// a seeker on the other side of a block, whichever of them blocked.
    async fn offerable_requests(
        &self,
        volunteer: &UserId,
        now: Timestamp,
    ) -> StoreResult<Vec<OfferableRequest>>;
    /// The claim: moves `pending → accepted` only if still pending and
    /// unexpired, and opens the conversation with `note` (by the volunteer)
    /// as its first message (seq 1), in one transaction. A pending request
    /// whose seeker and this volunteer are on the two sides of a block is
    /// [`ClaimOutcome::Blocked`], decided in that transaction: a block
    /// stored before the claim commits is never missed (on PostgreSQL
    /// [`Store::set_block`] locks the pair's pending requests for that).
    async fn claim_request(
        &self,
        id: &RequestId,
        volunteer: &UserId,
        conversation: &ConversationId,
        note: &SystemNote,
        now: Timestamp,
    ) -> StoreResult<ClaimOutcome>;
    /// Moves up to `limit` pending requests whose deadline passed to `expired`
    /// and returns them; each is returned by exactly one caller.
    async fn expire_due_requests(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<HelpRequest>>;
    /// Stores the seeker's rating once the request is completed; `None` if
    /// it is not completed or already rated.
    async fn set_feedback(
        &self,
        id: &RequestId,
        feedback: &Feedback,
    ) -> StoreResult<Option<HelpRequest>>;

    // ---- conversations --------------------------------------------------

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

    // ---- messages -------------------------------------------------------

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
    /// Replaces the text of a message that is not deleted; `None` otherwise.
    async fn edit_message(
        &self,
        id: &MessageId,
        content: &str,
        now: Timestamp,
    ) -> StoreResult<Option<Message>>;
    /// Deletes a message for everyone: its content and reactions are erased
    /// from storage, its attachment is left for the sweep
    /// ([`Store::take_dead_attachments`]), and a tombstone keeps its seq. `None` if it is missing
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

    // ---- disappearing messages ---------------------------------------------

    /// Sets a conversation's timer (`None` off, `Some(0)` view once) for
    /// messages sent from now on; `None` if there is no such conversation.
    async fn set_auto_delete(
        &self,
        id: &ConversationId,
        secs: Option<i64>,
    ) -> StoreResult<Option<Conversation>>;
    /// Deletes (as tombstones) up to `limit` messages that are due: past
    /// their deadline, or view-once and read by every other participant —
    /// except in conversations with an open report. Each is returned by
    /// exactly one caller, also across processes.
    async fn expire_messages(&self, now: Timestamp, limit: i64) -> StoreResult<Vec<Message>>;

    // ---- attachments ------------------------------------------------------

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

    // ---- safety ---------------------------------------------------------

    /// Blocks (or unblocks) `blocked` for `blocker`; repeating either is harmless.
    async fn set_block(
        &self,
        blocker: &UserId,
        blocked: &UserId,
        blocking: bool,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// Whether either of the two has blocked the other.
    async fn blocked_either_way(&self, a: &UserId, b: &UserId) -> StoreResult<bool>;
    /// Everyone who has blocked `user`.
    async fn blockers_of(&self, user: &UserId) -> StoreResult<Vec<UserId>>;
    /// Everyone `blocker` has blocked, with names, most recently blocked first.
    async fn blocked_by(&self, blocker: &UserId) -> StoreResult<Vec<BlockedPerson>>;
    /// Stores a new report.
    async fn create_report(&self, report: &Report) -> StoreResult<()>;
    /// Reports, open ones first, then newest first; only `status` if given.
    async fn reports(&self, status: Option<ReportStatus>) -> StoreResult<Vec<Report>>;
    /// Marks an open report resolved; `None` if missing or already resolved.
    async fn resolve_report(
        &self,
        id: &ReportId,
        by: &UserId,
        now: Timestamp,
    ) -> StoreResult<Option<Report>>;

    // ---- support ----------------------------------------------------------

    /// Every pending, unexpired request with its seeker's name, oldest first.
    async fn pending_requests(&self, now: Timestamp) -> StoreResult<Vec<OfferableRequest>>;
    /// Every active conversation opened by a request, oldest first.
    async fn active_sessions(&self) -> StoreResult<Vec<ActiveSession>>;

    // ---- calls ------------------------------------------------------------

    /// Places a call in one transaction. Unless it comes already answered
    /// (`new.answered_device`), it is refused when the conversation or the
    /// caller has a live call ([`CallPlaced::Glare`] when that call rings
    /// from this callee to this caller, else [`CallPlaced::Conflict`]), and
    /// stored already ended with `busy` when the callee has one.
    async fn create_call(&self, new: &NewCall, busy: &CallEnd) -> StoreResult<CallPlaced>;
    /// The call with this id.
    async fn call(&self, id: &CallId) -> StoreResult<Option<Call>>;
    /// The answer: `ringing → active` only if still ringing and before its
    /// deadline, recording the accepting socket. `None` if another answer,
    /// an end or the deadline came first: exactly one of racing accepts wins.
    async fn accept_call(
        &self,
        id: &CallId,
        device: &str,
        answered_at: Timestamp,
    ) -> StoreResult<Option<Call>>;
    /// Ends a call only if its status is still `from`; `None` otherwise, so
    /// each call ends exactly once.
    async fn finish_call(
        &self,
        id: &CallId,
        from: CallStatus,
        end: &CallEnd,
    ) -> StoreResult<Option<Call>>;
    /// Ends up to `limit` ringing calls whose deadline is at or before
    /// `timeout.ended_at` with `timeout` and returns them; each is returned
    /// by exactly one caller, also across processes.
    async fn expire_ringing_calls(&self, timeout: &CallEnd, limit: i64) -> StoreResult<Vec<Call>>;
    /// Records the caller's signaling socket if none is recorded yet; true
    /// when `device` is (now) the recorded one.
    async fn bind_caller_device(&self, id: &CallId, device: &str) -> StoreResult<bool>;
    /// The user's ringing and active calls, either side.
    async fn live_calls_of(&self, user: &UserId) -> StoreResult<Vec<Call>>;
    /// The conversation's ringing or active call.
    async fn live_call_in(&self, conversation: &ConversationId) -> StoreResult<Option<Call>>;
    /// The conversation's calls, newest first, at most `limit`.
    async fn calls_in(&self, conversation: &ConversationId, limit: i64) -> StoreResult<Vec<Call>>;
    /// Stores one side's quality summary, once per side and only for a call
    /// that was answered; `None` otherwise (nothing stored).
    async fn set_call_stats(
        &self,
        id: &CallId,
        side: Side,
        stats: &CallStats,
    ) -> StoreResult<Option<Call>>;

    // ---- lifecycle ------------------------------------------------------

    /// Returns once every write begun before the call has committed or
    /// failed: reads after it see what [`Store::open_request`] announced
    /// early.
    async fn settle(&self) -> StoreResult<()>;
    /// Finishes in-flight writes and closes the connections.
    async fn close(&self);
}

/// Opens the store a database URL names (`sqlite://PATH`, `postgres://…`)
/// and brings its schema up to date.
pub async fn open(url: &str, options: &StoreOptions) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PostgresStore::open(url, options).await?))
    } else if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        Ok(Arc::new(sqlite::SqliteStore::open(path, options).await?))
    } else {
        Err(StoreError::Config(format!(
            "unsupported database URL scheme (use sqlite://PATH or postgres://…): {}",
            url.split(':').next().unwrap_or("")
        )))
    }
}
