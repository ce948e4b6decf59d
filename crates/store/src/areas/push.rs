//! Web Push: devices (subscriptions), notification settings, a volunteer's
//! remembered availability, and the outbox the push worker drains.
//!
//! The outbox holds one row per push and device. A worker claims due rows
//! with a lease (a conditional update, so two nodes never both take a row),
//! sends them, and deletes them, or sets when to try again. A push is
//! queued after the change it tells of has committed.

use crate::StoreResult;
use async_trait::async_trait;
use helpline_core::push::{
    OutgoingPush, PushKind, QueuedPush, SubscriptionDraft, SubscriptionInfo, UserSettings,
};
use helpline_core::user::Availability;
use helpline_core::{RequestId, Timestamp, UserId};
use std::time::Duration;

/// What became of a throttled message push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageSlot {
    /// The user has no device: nothing queued.
    NoDevice,
    /// Queued to be sent now.
    Now,
    /// The last one was less than the gap ago: one is queued for when the
    /// gap is over.
    Deferred(Timestamp),
    /// One is queued for this time already, and this message is in it.
    Covered(Timestamp),
}

/// A volunteer who can be told of a request by push, with their settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnCall {
    pub volunteer: UserId,
    pub settings: UserSettings,
}

/// Web Push and what it needs.
#[async_trait]
pub trait Push: Send + Sync {
    /// Saves `user`'s subscription, renewable with the secret hashed to
    /// `renew_hash`. An endpoint seen before is updated and becomes
    /// `user`'s (its queued pushes for someone else are dropped). Refused
    /// with [`crate::StoreError::LimitReached`] when `user` has `max` other
    /// subscriptions already.
    async fn save_subscription(
        &self,
        user: &UserId,
        draft: &SubscriptionDraft,
        renew_hash: &str,
        max: usize,
        now: Timestamp,
    ) -> StoreResult<SubscriptionInfo>;

    /// `user`'s subscriptions, oldest first.
    async fn subscriptions_of(&self, user: &UserId) -> StoreResult<Vec<SubscriptionInfo>>;

    /// Deletes a subscription (with its queued pushes): `user`'s only, or
    /// whoever's when `None` (a push service said it is gone). True when
    /// one was deleted.
    async fn delete_subscription(&self, user: Option<&UserId>, endpoint: &str)
    -> StoreResult<bool>;

    /// Whether a subscription at `endpoint` with `renew_hash` exists (a
    /// read, so a wrong guess costs no write).
    async fn may_renew(&self, endpoint: &str, renew_hash: &str) -> StoreResult<bool>;

    /// Replaces the subscription at `old_endpoint` whose renewal secret
    /// hashes to `old_hash` with `draft` and `new_hash` (the browser renewed
    /// it), keeping its owner and its queued pushes; `None` when there is
    /// no such subscription.
    async fn renew_subscription(
        &self,
        old_endpoint: &str,
        old_hash: &str,
        draft: &SubscriptionDraft,
        new_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<(UserId, SubscriptionInfo)>>;

    /// `user`'s notification settings (the defaults until they save any).
    async fn user_settings(&self, user: &UserId) -> StoreResult<UserSettings>;

    /// Saves `user`'s notification settings.
    async fn save_user_settings(&self, user: &UserId, settings: &UserSettings) -> StoreResult<()>;

    /// Remembers a volunteer's chosen availability (read back with the
    /// account, [`helpline_core::user::User::availability`]).
    async fn store_availability(
        &self,
        user: &UserId,
        availability: Availability,
    ) -> StoreResult<()>;

    /// Volunteers who could be told of `seeker`'s request by push: chose
    /// to be available, have a device subscribed, and are not on either
    /// side of a block with the seeker; only `target` if given. Whether
    /// they are connected or in their quiet hours is the caller's to check.
    async fn on_call_volunteers(
        &self,
        seeker: &UserId,
        target: Option<&UserId>,
    ) -> StoreResult<Vec<OnCall>>;

    /// Queues each push for every device of its user, due now; returns
    /// how many rows were queued.
    async fn queue_pushes(&self, pushes: &[OutgoingPush], now: Timestamp) -> StoreResult<usize>;

    /// Queues a push about new messages at most once per `gap` a user, on
    /// any node (the slot is stored and taken with a conditional update):
    /// now if the last one was at least `gap` ago, else one for when the
    /// gap is over, unless one is queued for then already.
    async fn queue_throttled_push(
        &self,
        push: &OutgoingPush,
        now: Timestamp,
        gap: Duration,
    ) -> StoreResult<MessageSlot>;

    /// Whether any push is due and unclaimed (a read: an idle worker polls
    /// without writing).
    async fn has_due_pushes(&self, now: Timestamp) -> StoreResult<bool>;

    /// Claims up to `limit` due pushes until `lease_until`: nobody else
    /// claims them before then. Each claim counts as an attempt.
    async fn claim_pushes(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<QueuedPush>>;

    /// Removes a push from the outbox (sent, or given up on).
    async fn push_done(&self, id: i64) -> StoreResult<()>;

    /// Puts a claimed push back, due at `due_at`.
    async fn push_later(&self, id: i64, due_at: Timestamp) -> StoreResult<()>;

    /// Remembers that `users` were pushed about `subject` (a request or a
    /// call), so a notice can be taken back when it closes; for a request,
    /// `request` is flagged [`helpline_core::request::HelpRequest::pushed`]
    /// in the same transaction.
    async fn mark_pushed(
        &self,
        subject: &str,
        request: Option<&RequestId>,
        users: &[UserId],
    ) -> StoreResult<()>;

    /// Takes the users pushed about `subject` (only `only`, if given):
    /// each is returned once, to one caller, even across nodes. Their
    /// pushes of kind `unsent.0` with topic `unsent.1` not sent yet (queued,
    /// or waiting for a retry) are dropped.
    async fn take_pushed(
        &self,
        subject: &str,
        only: Option<&UserId>,
        unsent: Option<(PushKind, &str)>,
    ) -> StoreResult<Vec<UserId>>;
}
