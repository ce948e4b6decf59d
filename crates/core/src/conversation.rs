//! Conversations: opened when a volunteer accepts a request, ended by either
//! participant with `chat:end`. Only participants may read or write in one.

use crate::ids::{ConversationId, RequestId, UserId};
use crate::message::Message;
use crate::request::wire_enum;
use crate::time::Timestamp;
use crate::user::Role;
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
    /// When it was opened.
    pub created_at: Timestamp,
    /// When it ended.
    pub ended_at: Option<Timestamp>,
}
