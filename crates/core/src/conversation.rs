//! Conversations: opened when a volunteer accepts a request, ended by either
//! participant with `chat:end`. Only participants may read or write in one.

use crate::ids::{ConversationId, RequestId, UserId};
use crate::message::Message;
use crate::time::Timestamp;
use crate::user::Role;
use crate::wire::wire_enum;
use serde::Serialize;

wire_enum!(
    /// Whether messages may still be sent.
    ConversationStatus { Active = "active", Ended = "ended" }
);
wire_enum!(
    /// How a conversation came to be.
    ConversationKind {
        /// Opened by a volunteer accepting a help request.
        Request = "request",
        /// Started directly by one participant (`conversation:start`).
        Direct = "direct",
    }
);

/// A checked `conversation:settings` payload.
#[derive(Debug, Clone)]
pub struct SettingsChange {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// The new timer (`None`: off).
    pub auto_delete_secs: Option<i64>,
}

impl SettingsChange {
    /// Parses `{"conversationId","autoDeleteSecs"}`; the timer field must be present (null turns it off).
    pub fn parse(fields: &crate::input::Fields<'_>) -> Result<Self, crate::DomainError> {
        Ok(Self {
            conversation_id: ConversationId::from_trusted(fields.id("conversationId")?),
            auto_delete_secs: crate::message::parse_timer(fields, "autoDeleteSecs")?,
        })
    }
}

/// How a timer reads in a system message: "30 seconds", "1 hour", "view once".
pub fn describe_timer(secs: Option<i64>) -> String {
    match secs {
        None => "off".into(),
        Some(0) => "view once".into(),
        Some(s) if s % 604_800 == 0 => plural(s / 604_800, "week"),
        Some(s) if s % 86_400 == 0 => plural(s / 86_400, "day"),
        Some(s) if s % 3_600 == 0 => plural(s / 3_600, "hour"),
        Some(s) if s % 60 == 0 => plural(s / 60, "minute"),
        Some(s) => plural(s, "second"),
    }
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// The key that makes "one active direct conversation per pair" a unique
/// index: the two ids in sorted order.
pub fn direct_key(a: &UserId, b: &UserId) -> String {
    let (low, high) = if a <= b { (a, b) } else { (b, a) };
    format!("{low}|{high}")
}

/// A conversation's stored state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    /// Its id.
    pub id: ConversationId,
    /// Active or ended.
    pub status: ConversationStatus,
    /// Opened by a request or started directly.
    pub kind: ConversationKind,
    /// The request that opened it.
    pub request_id: Option<RequestId>,
    /// Its disappearing-message timer (`Some(0)`: view once).
    pub auto_delete_secs: Option<i64>,
    /// The seq of its newest message (0 when empty).
    pub last_seq: i64,
    /// When it was opened.
    pub created_at: Timestamp,
    /// When it ended.
    pub ended_at: Option<Timestamp>,
    /// Who ended it.
    pub ended_by: Option<UserId>,
}

/// A participant as listed in a conversation summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Participant {
    /// The user's id.
    pub id: UserId,
    /// The user's display name.
    pub display_name: String,
    /// The user's role.
    pub role: Role,
    /// The highest seq this participant has read.
    pub read_seq: i64,
    /// The highest seq one of this participant's devices has received.
    pub delivered_seq: i64,
}

/// One entry of `GET /api/conversations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationSummary {
    /// Its id.
    pub id: ConversationId,
    /// Active or ended.
    pub status: ConversationStatus,
    /// Opened by a request or started directly.
    pub kind: ConversationKind,
    /// The request that opened it.
    pub request_id: Option<RequestId>,
    /// Everyone in it.
    pub participants: Vec<Participant>,
    /// The newest message.
    pub last_message: Option<Message>,
    /// Messages from others after the caller's read mark.
    pub unread_count: i64,
    /// The caller's read mark (the highest seq the caller has read).
    pub last_read_seq: i64,
    /// Whether the caller archived it (it comes back with the next message).
    pub archived: bool,
    /// Its disappearing-message timer (`Some(0)`: view once).
    pub auto_delete_secs: Option<i64>,
    /// When it was opened.
    pub created_at: Timestamp,
    /// When it ended.
    pub ended_at: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Fields;
    use serde_json::json;

    #[test]
    fn timers_are_presets_or_off() {
        for (value, ok) in [
            (json!(null), true),
            (json!(0), true),
            (json!(3600), true),
            (json!(60), false),
            (json!(-1), false),
            (json!("1h"), false),
        ] {
            let v = json!({"conversationId": "c", "autoDeleteSecs": value});
            assert_eq!(
                SettingsChange::parse(&Fields::of(&v).expect("obj")).is_ok(),
                ok,
                "{value}"
            );
        }
        assert_eq!(describe_timer(Some(28_800)), "8 hours");
        assert_eq!(describe_timer(Some(2_419_200)), "4 weeks");
        assert_eq!(describe_timer(Some(30)), "30 seconds");
        assert_eq!(describe_timer(Some(0)), "view once");
        assert_eq!(describe_timer(None), "off");
    }
}
