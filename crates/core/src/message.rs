//! Messages: what a participant may send, and the stored shape every client
//! receives. `seq` is assigned by the store inside the insert transaction and
//! counts 1, 2, 3, … per conversation with no gaps.

use crate::error::DomainError;
use crate::ids::{ConversationId, MessageId, UserId};
use crate::input::Fields;
use crate::request::wire_enum;
use crate::time::Timestamp;
use serde::Serialize;

wire_enum!(
    /// What a message carries.
    MessageType {
        /// Plain text written by a participant.
        Text = "text",
        /// Written by the server (a request accepted, a chat ended, …).
        System = "system",
    }
);

/// Longest message text, in characters.
pub const MAX_CONTENT_CHARS: usize = 4000;
/// Longest `clientMessageId`, in characters.
pub const MAX_CLIENT_MESSAGE_ID_CHARS: usize = 64;
/// Most messages one `message:sync` returns.
pub const MAX_SYNC_LIMIT: i64 = 500;
/// Most messages one history page returns (also the default).
pub const MAX_HISTORY_LIMIT: i64 = 100;
/// The largest integer a JavaScript client can send exactly.
pub const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

/// A stored message as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// The message's id.
    pub id: MessageId,
    /// Where it was said.
    pub conversation_id: ConversationId,
    /// Its place in the conversation: 1, 2, 3, … without gaps.
    pub seq: i64,
    /// Who said it.
    pub sender_id: UserId,
    /// The text.
    pub content: String,
    /// Text or system.
    #[serde(rename = "type")]
    pub message_type: MessageType,
    /// The sender's idempotency key.
    pub client_message_id: String,
    /// When it was stored.
    pub created_at: Timestamp,
}

/// A checked `message:send` payload.
#[derive(Debug, Clone)]
pub struct MessageDraft {
    /// Where to send it.
    pub conversation_id: ConversationId,
    /// 1–4000 characters.
    pub content: String,
    /// Only `text` may come from a client.
    pub message_type: MessageType,
    /// 1–64 characters chosen by the client; a retry reuses it.
    pub client_message_id: String,
}

impl MessageDraft {
    /// Parses a `message:send` payload.
    pub fn parse(fields: &Fields<'_>) -> Result<Self, DomainError> {
        let message_type = fields
            .opt_enum("type", &["text"], |t| {
                (t == "text").then_some(MessageType::Text)
            })?
            .unwrap_or(MessageType::Text);
        Ok(Self {
            conversation_id: ConversationId::from_trusted(fields.id("conversationId")?),
            content: fields.str("content", 1, MAX_CONTENT_CHARS)?.to_owned(),
            message_type,
            client_message_id: fields
                .str("clientMessageId", 1, MAX_CLIENT_MESSAGE_ID_CHARS)?
                .to_owned(),
        })
    }
}

/// Everything needed to append a message.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// The fresh id (kept only if the message is new).
    pub id: MessageId,
    /// Who says it.
    pub sender_id: UserId,
    /// What and where.
    pub draft: MessageDraft,
    /// Now.
    pub created_at: Timestamp,
}

/// What appending a message did.
#[derive(Debug, Clone)]
pub struct Appended {
    /// The stored message (the first one, for a retry).
    pub message: Message,
    /// False when the same `clientMessageId` was stored before.
    pub created: bool,
}

/// A checked `message:sync` payload.
#[derive(Debug, Clone)]
pub struct SyncQuery {
    /// The conversation to catch up on.
    pub conversation_id: ConversationId,
    /// Messages with a larger seq are returned.
    pub after_seq: i64,
    /// At most this many (1–500, default 100).
    pub limit: i64,
}

impl SyncQuery {
    /// Parses a `message:sync` payload.
    pub fn parse(fields: &Fields<'_>) -> Result<Self, DomainError> {
        Ok(Self {
            conversation_id: ConversationId::from_trusted(fields.id("conversationId")?),
            after_seq: fields.int("afterSeq", 0, MAX_SAFE_INTEGER)?,
            limit: fields.opt_int("limit", 1, MAX_SYNC_LIMIT)?.unwrap_or(100),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn message_draft_rules() {
        let ok = json!({"conversationId":"c","content":"hi","clientMessageId":"m1"});
        assert!(MessageDraft::parse(&Fields::of(&ok).expect("obj")).is_ok());
        for bad in [
            json!({"conversationId":"c","content":"","clientMessageId":"m1"}),
            json!({"conversationId":"c","content":"x".repeat(4001),"clientMessageId":"m1"}),
            json!({"conversationId":"c","content":"hi"}),
            json!({"conversationId":"c","content":"hi","clientMessageId":"x".repeat(65)}),
            json!({"conversationId":"c","content":"hi","clientMessageId":"m","type":"system"}),
            json!({"conversationId":1,"content":"hi","clientMessageId":"m"}),
            json!({"conversationId":"c","content":["hi"],"clientMessageId":"m"}),
        ] {
            assert!(
                MessageDraft::parse(&Fields::of(&bad).expect("obj")).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn content_counts_code_points() {
        let emoji = "😀".repeat(4000);
        let ok = json!({"conversationId":"c","content":emoji,"clientMessageId":"m1"});
        assert!(MessageDraft::parse(&Fields::of(&ok).expect("obj")).is_ok());
    }

    #[test]
    fn sync_defaults_and_bounds() {
        let q = SyncQuery::parse(
            &Fields::of(&json!({"conversationId":"c","afterSeq":0})).expect("obj"),
        )
        .expect("valid");
        assert_eq!(q.limit, 100);
        let bad = json!({"conversationId":"c","afterSeq":-1});
        assert!(SyncQuery::parse(&Fields::of(&bad).expect("obj")).is_err());
        let big = json!({"conversationId":"c","afterSeq":0,"limit":501});
        assert!(SyncQuery::parse(&Fields::of(&big).expect("obj")).is_err());
    }
}
