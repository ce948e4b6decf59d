//! Check-ins: proposed, accepted, paused, cancelled; each occurrence
//! reminded, announced and settled once across nodes (conditional updates
//! on the stored next time).

use crate::StoreResult;
use async_trait::async_trait;
use helpline_core::checkins::{Checkin, CheckinKind, CheckinOutcome, CheckinStatus, Schedule};
use helpline_core::{CheckinId, Timestamp, UserId};

/// A proposed check-in's values.
#[derive(Debug, Clone)]
pub struct NewCheckin {
    /// Its fresh id.
    pub id: CheckinId,
    /// The seeker.
    pub seeker: UserId,
    /// The volunteer.
    pub volunteer: UserId,
    /// Which of the two proposed it.
    pub proposed_by: UserId,
    /// When.
    pub schedule: Schedule,
    /// How.
    pub kind: CheckinKind,
    /// Now.
    pub now: Timestamp,
}

/// One step of an occurrence, taken once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckinStep {
    /// Both reminded ahead of it.
    Reminded,
    /// Both told it is time.
    Announced,
}

/// Check-ins between a seeker and a volunteer.
#[async_trait]
pub trait Checkins: Send + Sync {
    /// Stores a proposed check-in and returns it.
    async fn propose_checkin(&self, new: &NewCheckin) -> StoreResult<Checkin>;

    /// The check-in with this id.
    async fn checkin(&self, id: &CheckinId) -> StoreResult<Option<Checkin>>;

    /// `user`'s check-ins that are not cancelled, soonest first.
    async fn checkins_of(&self, user: &UserId) -> StoreResult<Vec<Checkin>>;

    /// Moves a check-in whose status is one of `from` to `to`, with its
    /// next time (`None` unless active); `None` if its status was not one
    /// of `from`.
    async fn move_checkin(
        &self,
        id: &CheckinId,
        from: &[CheckinStatus],
        to: CheckinStatus,
        next_at: Option<Timestamp>,
    ) -> StoreResult<Option<Checkin>>;

    /// Active check-ins with a step outstanding, soonest first, up to
    /// `limit`: next time at or before `until` and not yet reminded or
    /// announced for it, or at or before `settle_by` (to be settled).
    async fn checkins_due(
        &self,
        until: Timestamp,
        settle_by: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<Checkin>>;

    /// Marks `step` done for the occurrence at `at`; true for exactly one
    /// caller, and only while `at` is still the check-in's next time.
    async fn mark_checkin_step(
        &self,
        id: &CheckinId,
        at: Timestamp,
        step: CheckinStep,
    ) -> StoreResult<bool>;

    /// Records the occurrence at `at` as `outcome` and moves the check-in
    /// on to `next_at`; the check-in as it now is for exactly one caller
    /// (`None` for the others, or if `at` is no longer its next time).
    async fn settle_checkin(
        &self,
        id: &CheckinId,
        at: Timestamp,
        outcome: CheckinOutcome,
        next_at: Option<Timestamp>,
    ) -> StoreResult<Option<Checkin>>;

    /// Starts counting missed occurrences again (after a welfare check).
    async fn reset_checkin_misses(&self, id: &CheckinId) -> StoreResult<()>;

    /// Whether `a` and `b` share a conversation (have talked before).
    async fn have_talked(&self, a: &UserId, b: &UserId) -> StoreResult<bool>;
}
