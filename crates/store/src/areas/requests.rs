//! Help requests: opening them with their first offers, later offers and
//! declines, the claim, the moves out of `pending`, expiry and feedback.

use crate::{ClaimOutcome, OfferableRequest, OnWritten, OpenedRequest, StoreResult};
use async_trait::async_trait;
use helpline_core::notice::SystemNote;
use helpline_core::queue::{Standing, WaitingLine};
use helpline_core::request::{ChatCap, Feedback, HelpRequest, NewHelpRequest};
use helpline_core::user::User;
use helpline_core::{ConversationId, RequestId, Timestamp, UserId};

/// Help requests, from opening to their end. Every move out of `pending`
/// is a conditional update, so exactly one of any racing callers wins.
#[async_trait]
pub trait Requests: Send + Sync {
    /// Stores a new pending request and, in the same transaction, its
    /// first offers: to each of `candidates` (once, in their order) with no
    /// block between them and the seeker, either way, and below `cap`
    /// active chats from requests. A request made to a
    /// volunteer on the other side of such a block is
    /// [`crate::StoreError::Blocked`], and a seeker who already has one pending
    /// gets [`crate::StoreError::PendingExists`] (a unique index decides); either
    /// way nothing is stored.
    ///
    /// Returns once the request is durable. `written` hears of it earlier,
    /// as soon as the transaction has run: on SQLite before the commit's
    /// sync (the single writer runs every write queued later after that
    /// commit, so whoever is told can act on it at once; a read on another
    /// connection sees it after [`crate::Lifecycle::settle`]), on PostgreSQL after the
    /// commit. If the commit then fails, this returns the error.
    async fn open_request(
        &self,
        new: &NewHelpRequest,
        candidates: &[UserId],
        cap: ChatCap,
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

    /// Records that these volunteers are told about a request after it was
    /// opened (one who became available while it was pending, or the next
    /// batch), and returns those recorded: anyone on the other side of a
    /// block with the seeker is left out, and nobody at all once the
    /// request is no longer pending, decided in the same transaction. Tell
    /// only them.
    async fn record_offers(
        &self,
        id: &RequestId,
        volunteers: &[UserId],
    ) -> StoreResult<Vec<UserId>>;

    /// Like [`Requests::record_offers`] for a batch of batched dispatch,
    /// but returns only the volunteers never offered the request before:
    /// two sweeps racing over one request (a decline brought its deadline
    /// forward while the batch was being offered) tell each volunteer
    /// once.
    async fn record_batch(&self, id: &RequestId, volunteers: &[UserId])
    -> StoreResult<Vec<UserId>>;

    /// Records that a volunteer declined an open request: it is not
    /// offered to them again, and, an answer, it starts their missed offers
    /// ([`crate::Volunteers::record_missed_offers`]) from zero.
    async fn record_decline(&self, id: &RequestId, volunteer: &UserId) -> StoreResult<()>;

    /// The volunteers the request was offered to, when it was opened or
    /// later, each once, less anyone now on the other side of a block with
    /// its seeker (they were told it was withdrawn, and hear no more of it).
    async fn offered_volunteers(&self, id: &RequestId) -> StoreResult<Vec<UserId>>;

    /// Whether the request was ever offered to this volunteer, blocks or
    /// not.
    async fn offered_to(&self, id: &RequestId, volunteer: &UserId) -> StoreResult<bool>;

    /// Pending, unexpired requests a volunteer may be offered now, oldest first:
    /// those made to them, and open ones they have not declined (one still
    /// widening in batches only if a batch reached them), never from
    /// a seeker on the other side of a block, whichever of them blocked;
    /// none while the volunteer is at `cap`.
    async fn offerable_requests(
        &self,
        volunteer: &UserId,
        now: Timestamp,
        cap: ChatCap,
    ) -> StoreResult<Vec<OfferableRequest>>;

    /// The volunteers with `cap` or more active chats from requests (none
    /// without a cap).
    async fn volunteers_at_cap(&self, cap: ChatCap) -> StoreResult<Vec<UserId>>;

    /// The claim: moves `pending → accepted` only if still pending and
    /// unexpired, and opens the conversation with `note` (by the volunteer)
    /// as its first message (seq 1), in one transaction. A pending request
    /// whose seeker and this volunteer are on the two sides of a block is
    /// [`ClaimOutcome::Blocked`], decided in that transaction: a block
    /// stored before the claim commits is never missed (on PostgreSQL
    /// [`crate::Safety::set_block`] locks the pair's pending requests for that).
    /// A volunteer who already has `cap` active chats from requests gets
    /// [`ClaimOutcome::AtCap`], decided in the same transaction (on
    /// PostgreSQL with the volunteer's row locked, so two claims by one
    /// volunteer never pass the cap together). Claiming, or losing the
    /// request to someone else (then recorded like a decline), is an
    /// answer: the volunteer's missed offers start from zero.
    async fn claim_request(
        &self,
        id: &RequestId,
        volunteer: &UserId,
        conversation: &ConversationId,
        note: &SystemNote,
        now: Timestamp,
        cap: ChatCap,
    ) -> StoreResult<ClaimOutcome>;

    /// Moves up to `limit` pending requests whose deadline passed to `expired`
    /// and returns them; each is returned by exactly one caller.
    async fn expire_due_requests(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<HelpRequest>>;

    /// Marks up to `limit` pending requests made at or before `made_by`
    /// and not escalated yet as escalated at `now`, oldest first, and
    /// returns them; each is returned by exactly one caller, once.
    async fn escalate_due_requests(
        &self,
        made_by: Timestamp,
        now: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<HelpRequest>>;

    /// Takes up to `limit` pending, unexpired requests whose next batch is
    /// due at `now` (batched dispatch), moving their deadline to `next`,
    /// and returns them; each due deadline is taken by exactly one caller.
    async fn widen_due_requests(
        &self,
        now: Timestamp,
        next: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<HelpRequest>>;

    /// Clears every pending request's widening deadline (the server runs
    /// ring_all now); returns how many there were.
    async fn stop_all_widening(&self) -> StoreResult<u64>;

    /// Everyone a request still widening was offered to has declined it:
    /// its next batch is due at `now` rather than at its deadline. Whether
    /// it was brought forward (never for a request not widening or no
    /// longer pending).
    async fn widen_when_declined(&self, id: &RequestId, now: Timestamp) -> StoreResult<bool>;

    /// Every eligible volunteer has the request now: no batch is due any
    /// more, and whoever becomes available may be offered it.
    async fn stop_widening(&self, id: &RequestId) -> StoreResult<()>;

    /// The waiting line at `now`: every unexpired pending request in the
    /// order they are served, and the mean wait of recent accepted ones
    /// ([`helpline_core::queue`]).
    async fn waiting_line(&self, now: Timestamp) -> StoreResult<WaitingLine>;

    /// Works out every pending request's standing at `now` and returns those
    /// that differ from what its seeker was last told, recording them as
    /// told, in one transaction serialised with every other caller: across
    /// nodes each change is told once, and in order.
    async fn standings_to_tell(&self, now: Timestamp) -> StoreResult<Vec<Standing>>;

    /// Stores the seeker's rating once the request is completed; `None` if
    /// it is not completed or already rated.
    async fn set_feedback(
        &self,
        id: &RequestId,
        feedback: &Feedback,
    ) -> StoreResult<Option<HelpRequest>>;
}
