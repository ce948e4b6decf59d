//! Calls: placing one (conflict, glare, busy), the accept and the end
//! decided once, ring timeouts, signaling devices, records and stats.

use crate::{CallPlaced, StoreResult};
use async_trait::async_trait;
use helpline_core::call::{Call, CallEnd, CallStats, CallStatus, NewCall, Side};
use helpline_core::{CallId, ConversationId, Timestamp, UserId};

/// Calls. Each decision (placing, the accept, the end) happens once,
/// also across processes.
#[async_trait]
pub trait Calls: Send + Sync {
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

    /// Moves one side's signaling to another socket of theirs (a device
    /// that reconnected, to any node, takes its call back): the caller's
    /// while the call rings or is active, the callee's once it is active.
    /// `None` when the call is not in such a state.
    async fn move_device(&self, id: &CallId, side: Side, device: &str)
    -> StoreResult<Option<Call>>;

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
}
