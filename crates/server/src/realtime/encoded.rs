//! A message encoded to JSON once.
//!
//! A sent message travels twice: in the ack to its sender and in
//! `message:new` to its conversation, the same object both times. Encoding
//! it once into a [`RawValue`] spares the second encoding and the JSON
//! tree the ack was built from (`serde_json::Value`, an allocation per
//! field), which together were a visible share of a loaded server's
//! allocations (docs/performance.md).

use helpline_core::DomainError;
use helpline_core::message::Message;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

/// A [`Message`] as the JSON clients receive; serializes as that JSON.
#[derive(Debug, Clone)]
pub struct EncodedMessage(Box<RawValue>);

impl EncodedMessage {
    /// Encodes `message`. A failure (which a message's plain fields cannot
    /// cause) is logged and reported as internal.
    pub fn of(message: &Message) -> Result<Self, DomainError> {
        serde_json::value::to_raw_value(message)
            .map(Self)
            .map_err(|error| {
                tracing::error!(%error, message = %message.id, "encoding a message failed");
                DomainError::Internal
            })
    }
}

impl Serialize for EncodedMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// The acknowledgement of a stored message: `{"ok":true,"message":…}`.
#[derive(Serialize)]
pub struct MessageAck<'a> {
    ok: bool,
    message: &'a EncodedMessage,
}

impl<'a> MessageAck<'a> {
    /// The success ack carrying `message`.
    pub fn of(message: &'a EncodedMessage) -> Self {
        Self { ok: true, message }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use helpline_core::message::{MessageType, NewMessage};
    use helpline_core::{MessageId, Timestamp, UserId};

    fn message() -> Message {
        let new = NewMessage {
            id: MessageId::generate(),
            sender_id: UserId::from_trusted("u1"),
            draft: helpline_core::message::MessageDraft {
                conversation_id: helpline_core::ConversationId::from_trusted("c1"),
                content: "h\u{e9}llo \"there\"".into(),
                message_type: MessageType::Text,
                client_message_id: "k1".into(),
                reply_to_id: None,
                expires_in_secs: None,
                attachment_id: None,
            },
            created_at: Timestamp::from_millis(1_700_000_000_000),
        };
        new.stored(3, None, None, None)
    }

    #[test]
    fn encodes_as_the_message_itself() {
        let message = message();
        let encoded = EncodedMessage::of(&message).unwrap();
        assert_eq!(
            serde_json::to_value(&encoded).unwrap(),
            serde_json::to_value(&message).unwrap()
        );
        let ack = serde_json::to_value(MessageAck::of(&encoded)).unwrap();
        assert_eq!(
            ack,
            serde_json::json!({"ok": true, "message": serde_json::to_value(&message).unwrap()})
        );
    }
}
