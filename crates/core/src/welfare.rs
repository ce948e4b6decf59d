//! Welfare checks: when a call with a seeker drops, or a seeker misses two
//! check-ins in a row, someone makes sure they are all right. A drop is
//! watched first (the volunteer is asked to call back); if the two are not
//! in touch within `HELPLINE_WELFARE_AFTER_SECS`, support gets a task.
//! Missed check-ins raise a task at once. Support resolves it with a note.

use crate::ids::{ConversationId, WelfareId};
use crate::safety::PersonRef;
use crate::time::Timestamp;
use crate::wire::wire_enum;
use serde::Serialize;

wire_enum!(
    /// Why a welfare check was started.
    WelfareCause {
        /// A call with the seeker ended because a device was lost.
        CallDropped = "call_dropped",
        /// The seeker missed two check-ins in a row.
        CheckinsMissed = "checkins_missed"
    }
);

wire_enum!(
    /// Where a welfare check stands.
    WelfareStatus {
        /// Waiting to see whether the two get back in touch (not a task yet).
        Watching = "watching",
        /// They were back in touch in time: nothing for support.
        Cleared = "cleared",
        /// A task for support.
        Open = "open",
        /// Support dealt with it, with a note.
        Resolved = "resolved"
    }
);

/// A welfare check, with the people it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WelfareTask {
    /// Its id.
    pub id: WelfareId,
    /// Why it was started.
    pub cause: WelfareCause,
    /// The seeker to check on.
    pub seeker: PersonRef,
    /// The volunteer they were with.
    pub volunteer: PersonRef,
    /// The conversation of the dropped call or of the check-ins, if any.
    pub conversation_id: Option<ConversationId>,
    /// When the call dropped, or the last check-in was missed.
    pub since: Timestamp,
    /// When it became a task for support.
    pub raised_at: Option<Timestamp>,
    /// Where it stands.
    pub status: WelfareStatus,
    /// When support resolved it.
    pub resolved_at: Option<Timestamp>,
    /// Who did.
    pub resolved_by: Option<PersonRef>,
    /// What they did.
    pub resolution: Option<String>,
}

/// The status a check's marks give it.
pub fn status_of(raised: bool, cleared: bool, resolved: bool) -> WelfareStatus {
    match (raised, cleared, resolved) {
        (_, _, true) => WelfareStatus::Resolved,
        (true, _, false) => WelfareStatus::Open,
        (false, true, false) => WelfareStatus::Cleared,
        (false, false, false) => WelfareStatus::Watching,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marks_give_the_status() {
        assert_eq!(status_of(false, false, false), WelfareStatus::Watching);
        assert_eq!(status_of(false, true, false), WelfareStatus::Cleared);
        assert_eq!(status_of(true, false, false), WelfareStatus::Open);
        assert_eq!(status_of(true, false, true), WelfareStatus::Resolved);
    }
}
