//! Caregivers: a seeker's one-time invitations, the links they make when
//! redeemed, and the looks a caregiver takes (recorded per seeker). Every
//! read a caregiver makes goes through the stored link, so removing one
//! holds at once on every node.

use crate::StoreResult;
use async_trait::async_trait;
use helpline_core::caregiving::{Caregiver, Invitation, Link, SeekerSummary};
use helpline_core::{InvitationId, Timestamp, UserId};

/// A new invitation's values.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    /// Its fresh id.
    pub id: InvitationId,
    /// The seeker inviting.
    pub seeker: UserId,
    /// The SHA-256 (hex) of the code; the code itself is never stored.
    pub code_hash: String,
    /// Now.
    pub now: Timestamp,
    /// When it can no longer be redeemed.
    pub expires_at: Timestamp,
}

/// What redeeming a code did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redeemed {
    /// The caregiver is now linked to the seeker.
    Linked(Link),
    /// No invitation has this code (never made, or cancelled).
    NoSuchCode,
    /// Its seven days are over.
    Expired,
    /// Someone redeemed it already.
    Used,
    /// The caregiver was linked to this seeker already; the code is left
    /// unused.
    AlreadyLinked,
}

/// Caregivers and their links. Redeeming is a conditional update, so of
/// two racing redeemers exactly one wins.
#[async_trait]
pub trait Caregivers: Send + Sync {
    /// Stores an invitation; `LimitReached` (nothing stored) when the
    /// seeker already has `max_pending` unexpired, unredeemed ones.
    async fn create_invitation(
        &self,
        new: &NewInvitation,
        max_pending: i64,
    ) -> StoreResult<Invitation>;

    /// The seeker's invitations not yet redeemed nor expired at `now`,
    /// newest first.
    async fn pending_invitations(
        &self,
        seeker: &UserId,
        now: Timestamp,
    ) -> StoreResult<Vec<Invitation>>;

    /// Deletes one of the seeker's unredeemed invitations; false if there
    /// is none such.
    async fn cancel_invitation(&self, seeker: &UserId, id: &InvitationId) -> StoreResult<bool>;

    /// Redeems the invitation whose code hashes to `code_hash` for
    /// `caregiver`, linking them to its seeker; nothing changes unless it
    /// returns [`Redeemed::Linked`].
    async fn redeem_invitation(
        &self,
        code_hash: &str,
        caregiver: &UserId,
        now: Timestamp,
    ) -> StoreResult<Redeemed>;

    /// The seeker's caregivers, longest linked first, each with their
    /// view count and their last `views` views, newest first.
    async fn caregivers_of(&self, seeker: &UserId, views: i64) -> StoreResult<Vec<Caregiver>>;

    /// Sets whether the caregiver sees volunteers' names; false if they are
    /// not linked to this seeker.
    async fn set_show_volunteer_names(
        &self,
        seeker: &UserId,
        caregiver: &UserId,
        show: bool,
    ) -> StoreResult<bool>;

    /// Removes the link (the recorded views stay, for the seeker's
    /// record); false if there was none.
    async fn remove_caregiver(&self, seeker: &UserId, caregiver: &UserId) -> StoreResult<bool>;

    /// What `caregiver` may see of each seeker linked to them at this
    /// moment (by seeker name), counting chats and calls since
    /// `window_start`; records one view at `now` for each seeker returned,
    /// in the same transaction that reads the links.
    async fn look_in(
        &self,
        caregiver: &UserId,
        now: Timestamp,
        window_start: Timestamp,
    ) -> StoreResult<Vec<SeekerSummary>>;
}
