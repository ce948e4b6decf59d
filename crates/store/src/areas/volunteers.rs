//! What dispatch knows of volunteers beyond their accounts: the topics
//! each is credentialed for, each one's load (active chats from requests),
//! the offers each let pass in a row, and what dispatch ranks them by.

use crate::StoreResult;
use async_trait::async_trait;
use helpline_core::dispatch::{CandidateFacts, SeekerFacts};
use helpline_core::request::{ChatCap, Topic};
use helpline_core::{RequestId, Timestamp, UserId};

/// Volunteers' credentials, load and missed offers.
#[async_trait]
pub trait Volunteers: Send + Sync {
    /// Replaces the volunteer's credentials with `topics` (in one
    /// transaction) and returns them as stored; `None`, changing nothing,
    /// when no volunteer has this id.
    async fn set_credentials(
        &self,
        volunteer: &UserId,
        topics: &[Topic],
    ) -> StoreResult<Option<Vec<Topic>>>;

    /// Every volunteer's credentials, each volunteer's in
    /// [`helpline_core::credentials::CREDENTIALED_TOPICS`] order; those with
    /// none are left out.
    async fn all_credentials(&self) -> StoreResult<Vec<(UserId, Vec<Topic>)>>;

    /// The volunteers credentialed for `topic`.
    async fn credentialed_for(&self, topic: Topic) -> StoreResult<Vec<UserId>>;

    /// Each volunteer's active chats from requests; those with none are left out.
    async fn volunteer_loads(&self) -> StoreResult<Vec<(UserId, i64)>>;

    /// Counts request `request` as one more offer in a row that each of
    /// `volunteers` let pass (one who declined it is left out), in one
    /// transaction, and returns those whose count reached `limit`; their
    /// count starts again at zero, so each is returned once per `limit`
    /// misses. Call it once per request, when it was taken or expired.
    async fn record_missed_offers(
        &self,
        request: &RequestId,
        volunteers: &[UserId],
        limit: u32,
    ) -> StoreResult<Vec<UserId>>;

    /// The volunteers who accepted at least `limit` requests on the
    /// emotional topic at or after `since` (the wellbeing cap).
    async fn volunteers_resting(&self, since: Timestamp, limit: u32) -> StoreResult<Vec<UserId>>;

    /// The requests `volunteer` accepted at or after `since`: how many,
    /// how many on the emotional topic, and the milliseconds from each
    /// acceptance to its end (or `now` while it lasts).
    async fn week_of(
        &self,
        volunteer: &UserId,
        since: Timestamp,
        now: Timestamp,
    ) -> StoreResult<(i64, i64, i64)>;

    /// What batched dispatch ranks by ([`helpline_core::dispatch::rank`]):
    /// the seeker's languages and choice, and, for each of `candidates` the
    /// seeker may be offered to (no block between them either way, below
    /// `cap`), whether the seeker rated them well, their languages and when
    /// they last helped. One read, in no particular order.
    async fn dispatch_facts(
        &self,
        seeker: &UserId,
        candidates: &[UserId],
        cap: ChatCap,
    ) -> StoreResult<(SeekerFacts, Vec<CandidateFacts>)>;

    /// The volunteer answered an offer or chose to be available: their
    /// missed offers count from zero again.
    async fn reset_missed_offers(&self, volunteer: &UserId) -> StoreResult<()>;
}
