//! Outcomes of call operations shared by both backends.

use helpline_core::call::Call;

/// What placing a call did.
#[derive(Debug, Clone)]
pub enum CallPlaced {
    /// Stored: ringing, or active when it came already answered.
    Placed(Call),
    /// The callee was already in a live call: stored and ended at once
    /// (the busy end the caller passed).
    Busy(Call),
    /// Glare: the conversation's live call is ringing the other way, from
    /// this callee to this caller. Nothing was stored.
    Glare(Call),
    /// The conversation, or the caller, already has this live call (not
    /// glare). Nothing was stored.
    Conflict(Call),
}
