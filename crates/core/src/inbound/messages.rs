//! Message events: send, edit, delete, react, catch up, read, and typing.

use super::{PARTICIPANT_SELF, client_event};
use crate::error::DomainError;
use crate::input::Fields;
use crate::message::{
    MAX_CONTENT_CHARS, MAX_EMOJI_CHARS, MAX_SAFE_INTEGER, Message, MessageDraft, MessageRef,
    Reaction, SyncQuery,
};
use crate::{ConversationId, MessageId, Timestamp};
use serde::Serialize;

/// `message:send`: a new message in a conversation.
#[derive(Debug, Clone)]
pub struct MessageSend {
    /// The message as the client wrote it.
    pub draft: MessageDraft,
}
client_event!(MessageSend, "message:send", PARTICIPANT_SELF, SentMessage);

impl MessageSend {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        Ok(Self {
            draft: MessageDraft::parse(fields)?,
        })
    }
}

/// The answer to `message:send`: the message as stored.
#[derive(Debug, Clone, Serialize)]
pub struct SentMessage {
    /// The stored message, with its seq.
    pub message: Message,
}

/// `message:edit`: new text for the sender's own message.
#[derive(Debug, Clone)]
pub struct MessageEdit {
    /// The message.
    pub target: MessageRef,
    /// 1–4000 characters.
    pub content: String,
}
client_event!(MessageEdit, "message:edit", PARTICIPANT_SELF, MessageEdited);

impl MessageEdit {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        Ok(Self {
            target: MessageRef::parse(fields)?,
            content: fields.str("content", 1, MAX_CONTENT_CHARS)?.to_owned(),
        })
    }
}

/// The answer to `message:edit`.
#[derive(Debug, Clone, Serialize)]
pub struct MessageEdited {
    /// The message with its new text.
    pub message: Message,
}

/// `message:delete`: the sender deletes a message for everyone.
#[derive(Debug, Clone)]
pub struct MessageDelete {
    /// The message.
    pub target: MessageRef,
}
client_event!(
    MessageDelete,
    "message:delete",
    PARTICIPANT_SELF,
    MessageDeleted
);

impl MessageDelete {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        Ok(Self {
            target: MessageRef::parse(fields)?,
        })
    }
}

/// The answer to `message:delete`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageDeleted {
    /// The message.
    pub message_id: MessageId,
    /// Its seq, which stays taken.
    pub seq: i64,
}

/// `message:react`: toggle the sender's reaction on a message.
#[derive(Debug, Clone)]
pub struct MessageReact {
    /// The message.
    pub target: MessageRef,
    /// 1–16 characters, no whitespace, controls or ASCII letters and digits.
    pub emoji: String,
}
client_event!(MessageReact, "message:react", PARTICIPANT_SELF, Reacted);

impl MessageReact {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        let emoji = fields.str("emoji", 1, MAX_EMOJI_CHARS)?;
        if emoji
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c.is_ascii_alphanumeric())
        {
            return Err(DomainError::invalid("emoji must be an emoji"));
        }
        Ok(Self {
            target: MessageRef::parse(fields)?,
            emoji: emoji.to_owned(),
        })
    }
}

/// The answer to `message:react`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reacted {
    /// The message.
    pub message_id: MessageId,
    /// All its reactions now.
    pub reactions: Vec<Reaction>,
}

/// `message:sync`: the messages after a seq.
#[derive(Debug, Clone)]
pub struct MessageSync {
    /// Which conversation, from where, how many.
    pub query: SyncQuery,
}
client_event!(
    MessageSync,
    "message:sync",
    PARTICIPANT_SELF,
    SyncedMessages
);

impl MessageSync {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        Ok(Self {
            query: SyncQuery::parse(fields)?,
        })
    }
}

/// The answer to `message:sync`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncedMessages {
    /// Ascending by seq.
    pub messages: Vec<Message>,
    /// Whether more follow the last one.
    pub has_more: bool,
}

/// `message:read`: the sender read up to a seq.
#[derive(Debug, Clone)]
pub struct MessageRead {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// The last seq read (the store never moves the mark backwards).
    pub up_to_seq: i64,
}
client_event!(MessageRead, "message:read", PARTICIPANT_SELF, ReadUpTo);

impl MessageRead {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        Ok(Self {
            conversation_id: ConversationId::from_trusted(fields.id("conversationId")?),
            up_to_seq: fields.int("upToSeq", 0, MAX_SAFE_INTEGER)?,
        })
    }
}

/// The answer to `message:read`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadUpTo {
    /// The sender's read mark now.
    pub up_to_seq: i64,
    /// When.
    pub read_at: Timestamp,
}

/// `typing:start`: the sender started typing.
#[derive(Debug, Clone)]
pub struct TypingStart {
    /// The conversation.
    pub conversation_id: ConversationId,
}
client_event!(TypingStart, "typing:start", PARTICIPANT_SELF, ());

/// `typing:stop`: the sender stopped typing.
#[derive(Debug, Clone)]
pub struct TypingStop {
    /// The conversation.
    pub conversation_id: ConversationId,
}
client_event!(TypingStop, "typing:stop", PARTICIPANT_SELF, ());

impl TypingStart {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        Ok(Self {
            conversation_id: ConversationId::from_trusted(fields.id("conversationId")?),
        })
    }
}

impl TypingStop {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        TypingStart::from_fields(fields).map(|start| Self {
            conversation_id: start.conversation_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inbound::read;
    use crate::user::Role;
    use serde_json::{Value, json};

    fn read_as<E: crate::inbound::ClientEvent>(payload: Value) -> Result<E, DomainError> {
        read::<E>(&payload, "me", Role::Seeker)
    }

    #[test]
    fn edits_need_text() {
        let edit = json!({"conversationId":"c","messageId":"m","content":"new"});
        assert_eq!(read_as::<MessageEdit>(edit).expect("valid").content, "new");
        let empty = json!({"conversationId":"c","messageId":"m","content":""});
        assert!(read_as::<MessageEdit>(empty).is_err());
    }

    #[test]
    fn reactions_are_emoji() {
        for (emoji, ok) in [
            ("👍", true),
            ("❤️", true),
            ("👩‍👩‍👧‍👦", true),
            ("", false),
            ("a", false),
            (" ", false),
            ("👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍", false),
        ] {
            let v = json!({"conversationId":"c","messageId":"m","emoji":emoji});
            assert_eq!(read_as::<MessageReact>(v).is_ok(), ok, "{emoji:?}");
        }
    }

    #[test]
    fn read_marks_are_safe_integers() {
        let ok = json!({"conversationId":"c","upToSeq":MAX_SAFE_INTEGER});
        assert!(read_as::<MessageRead>(ok).is_ok());
        for bad in [
            json!(-1),
            json!(1.5),
            json!("3"),
            json!(MAX_SAFE_INTEGER + 1),
        ] {
            let v = json!({"conversationId":"c","upToSeq":bad});
            assert!(matches!(
                read_as::<MessageRead>(v),
                Err(DomainError::Invalid(_))
            ));
        }
    }
}
