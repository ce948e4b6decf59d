//! Voice and video calls: the stored record ([`Call`]), its wire names, the
//! parsed client input, the system message a finished call leaves in its
//! conversation, and (in [`machine`]) the state machine that decides every
//! transition. Pure values; the store makes each transition happen once.

pub mod machine;
mod signal;
mod stats;

pub use machine::{CallEvent, Phase, Side, Step, transition};
pub use signal::{IceCandidate, MAX_CANDIDATE_BYTES, MAX_SDP_BYTES, SessionDescription};
pub use stats::CallStats;

use crate::time::Timestamp;
use crate::{CallId, ConversationId, UserId};
use serde::{Deserialize, Serialize};

/// What the call was placed as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Media {
    /// Audio only.
    Voice,
    /// Audio and video.
    Video,
}

impl Media {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Voice => "voice",
            Self::Video => "video",
        }
    }

    /// Parses the wire name.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "voice" => Some(Self::Voice),
            "video" => Some(Self::Video),
            _ => None,
        }
    }
}

/// Where a call is in its life. `Ringing` and `Active` are live; the rest
/// are terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CallStatus {
    /// Placed, not yet answered.
    Ringing,
    /// Accepted by one callee device.
    Active,
    /// Answered, then finished.
    Ended,
    /// Declined by the callee (or the callee was busy).
    Rejected,
    /// Nobody answered in time.
    Missed,
    /// Withdrawn before an answer.
    Cancelled,
    /// Lost: a participant's devices went away.
    Failed,
}

impl CallStatus {
    /// Every status, for tables and tests.
    pub const ALL: [CallStatus; 7] = [
        Self::Ringing,
        Self::Active,
        Self::Ended,
        Self::Rejected,
        Self::Missed,
        Self::Cancelled,
        Self::Failed,
    ];

    /// The wire (and stored) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ringing => "ringing",
            Self::Active => "active",
            Self::Ended => "ended",
            Self::Rejected => "rejected",
            Self::Missed => "missed",
            Self::Cancelled => "cancelled",
            Self::Failed => "failed",
        }
    }

    /// Parses the stored name.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Whether the call is still ringing or active.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Ringing | Self::Active)
    }
}

/// Why a call reached its terminal status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// A participant hung up an active call.
    Hangup,
    /// The callee declined.
    Rejected,
    /// The callee was already in a call.
    Busy,
    /// Nobody answered before the ring deadline.
    Timeout,
    /// The caller withdrew it.
    Cancelled,
    /// A participant had no connected device for longer than the grace period.
    Disconnected,
    /// The conversation ended.
    ConversationEnded,
    /// The other person's simultaneous invite won.
    Glare,
}

impl EndReason {
    /// Every reason, for tables and tests.
    pub const ALL: [EndReason; 8] = [
        Self::Hangup,
        Self::Rejected,
        Self::Busy,
        Self::Timeout,
        Self::Cancelled,
        Self::Disconnected,
        Self::ConversationEnded,
        Self::Glare,
    ];

    /// The wire (and stored) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hangup => "hangup",
            Self::Rejected => "rejected",
            Self::Busy => "busy",
            Self::Timeout => "timeout",
            Self::Cancelled => "cancelled",
            Self::Disconnected => "disconnected",
            Self::ConversationEnded => "conversation_ended",
            Self::Glare => "glare",
        }
    }

    /// Parses the stored name.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == value)
    }
}

/// A terminal transition: what the store writes when a call ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallEnd {
    /// The terminal status.
    pub status: CallStatus,
    /// Why.
    pub reason: EndReason,
    /// When.
    pub ended_at: Timestamp,
    /// Whole seconds since the answer; `None` if never answered.
    pub duration_secs: Option<i64>,
}

/// Each side's reported quality summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StatsPair {
    /// What the caller's device reported.
    pub caller: Option<CallStats>,
    /// What the callee's device reported.
    pub callee: Option<CallStats>,
}

/// A call as stored and as sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Call {
    /// Its id.
    pub id: CallId,
    /// The conversation it belongs to.
    pub conversation_id: ConversationId,
    /// Who placed it.
    pub caller_id: UserId,
    /// Who was called.
    pub callee_id: UserId,
    /// Voice or video.
    pub media: Media,
    /// Where it is now.
    pub status: CallStatus,
    /// Why it ended (`None` while live).
    pub reason: Option<EndReason>,
    /// When it was placed.
    pub created_at: Timestamp,
    /// The ring deadline.
    pub rings_until: Timestamp,
    /// When it was accepted.
    pub answered_at: Option<Timestamp>,
    /// When it ended.
    pub ended_at: Option<Timestamp>,
    /// Whole seconds from answer to end; only for answered calls.
    pub duration_secs: Option<i64>,
    /// Quality reported by each side.
    pub stats: StatsPair,
    /// The caller's signaling socket (never sent).
    #[serde(skip)]
    pub caller_device: Option<String>,
    /// The accepting socket (never sent).
    #[serde(skip)]
    pub answered_device: Option<String>,
}

impl Call {
    /// The state the machine works on.
    pub fn phase(&self) -> Phase {
        match (self.status, self.answered_at) {
            (CallStatus::Ringing, _) => Phase::Ringing {
                rings_until: self.rings_until,
            },
            (CallStatus::Active, Some(answered_at)) => Phase::Active { answered_at },
            // An active row always has its answer time; be safe anyway.
            (CallStatus::Active, None) => Phase::Active {
                answered_at: self.created_at,
            },
            _ => Phase::Finished,
        }
    }

    /// Which side `user` is on, if a participant.
    pub fn side_of(&self, user: &UserId) -> Option<Side> {
        if *user == self.caller_id {
            Some(Side::Caller)
        } else if *user == self.callee_id {
            Some(Side::Callee)
        } else {
            None
        }
    }

    /// The other participant of `side`.
    pub fn other(&self, side: Side) -> &UserId {
        match side {
            Side::Caller => &self.callee_id,
            Side::Callee => &self.caller_id,
        }
    }
}

/// Everything needed to store a new call.
#[derive(Debug, Clone)]
pub struct NewCall {
    /// The fresh id.
    pub id: CallId,
    /// Where.
    pub conversation_id: ConversationId,
    /// Who calls.
    pub caller_id: UserId,
    /// Who is called.
    pub callee_id: UserId,
    /// Voice or video.
    pub media: Media,
    /// The caller's signaling socket, when it invited from one.
    pub caller_device: Option<String>,
    /// Now.
    pub created_at: Timestamp,
    /// The ring deadline.
    pub rings_until: Timestamp,
    /// Already accepted by this callee socket (help requests, glare): the
    /// call is stored `active` and skips the busy and live-call checks.
    pub answered_device: Option<String>,
}

/// The system message a finished call leaves in its conversation:
/// "Missed voice call", "Video call · 4 min", "Voice call declined", …
pub fn describe_call(
    media: Media,
    status: CallStatus,
    reason: Option<EndReason>,
    duration_secs: Option<i64>,
) -> String {
    let (kind, lower) = match media {
        Media::Voice => ("Voice call", "voice call"),
        Media::Video => ("Video call", "video call"),
    };
    match (status, reason, duration_secs) {
        (CallStatus::Failed, _, Some(secs)) => {
            format!("{kind} · {} (connection lost)", describe_duration(secs))
        }
        (CallStatus::Failed, _, None) => format!("{kind} failed (connection lost)"),
        (_, _, Some(secs)) => format!("{kind} · {}", describe_duration(secs)),
        (CallStatus::Missed, _, None) => format!("Missed {lower}"),
        (CallStatus::Rejected, Some(EndReason::Busy), None) => format!("{kind} · line busy"),
        (CallStatus::Rejected, _, None) => format!("{kind} declined"),
        (CallStatus::Cancelled, _, None) => format!("Cancelled {lower}"),
        (_, _, None) => kind.to_owned(),
    }
}

/// "45 s", "4 min", "1 h 5 min".
pub fn describe_duration(secs: i64) -> String {
    let secs = secs.max(0);
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs / 60),
        _ if (secs % 3600) / 60 == 0 => format!("{} h", secs / 3600),
        _ => format!("{} h {} min", secs / 3600, (secs % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for status in CallStatus::ALL {
            assert_eq!(CallStatus::parse(status.as_str()), Some(status));
            assert_eq!(
                serde_json::to_value(status).expect("json"),
                serde_json::json!(status.as_str())
            );
        }
        for reason in EndReason::ALL {
            assert_eq!(EndReason::parse(reason.as_str()), Some(reason));
            assert_eq!(
                serde_json::to_value(reason).expect("json"),
                serde_json::json!(reason.as_str())
            );
        }
        assert_eq!(Media::parse("video"), Some(Media::Video));
        assert_eq!(Media::parse("Video"), None);
    }

    #[test]
    fn system_texts() {
        use CallStatus::*;
        let d = describe_call;
        assert_eq!(
            d(Media::Voice, Missed, Some(EndReason::Timeout), None),
            "Missed voice call"
        );
        assert_eq!(
            d(Media::Video, Ended, Some(EndReason::Hangup), Some(245)),
            "Video call · 4 min"
        );
        assert_eq!(
            d(Media::Voice, Ended, Some(EndReason::Hangup), Some(45)),
            "Voice call · 45 s"
        );
        assert_eq!(
            d(Media::Voice, Ended, Some(EndReason::Hangup), Some(3900)),
            "Voice call · 1 h 5 min"
        );
        assert_eq!(
            d(Media::Voice, Ended, Some(EndReason::Hangup), Some(7200)),
            "Voice call · 2 h"
        );
        assert_eq!(
            d(Media::Voice, Rejected, Some(EndReason::Rejected), None),
            "Voice call declined"
        );
        assert_eq!(
            d(Media::Video, Rejected, Some(EndReason::Busy), None),
            "Video call · line busy"
        );
        assert_eq!(
            d(Media::Voice, Cancelled, Some(EndReason::Cancelled), None),
            "Cancelled voice call"
        );
        assert_eq!(
            d(Media::Voice, Failed, Some(EndReason::Disconnected), None),
            "Voice call failed (connection lost)"
        );
        assert_eq!(
            d(
                Media::Voice,
                Failed,
                Some(EndReason::Disconnected),
                Some(61)
            ),
            "Voice call · 1 min (connection lost)"
        );
    }
}
