//! A message encoded to JSON once.
//!
//! A sent message travels twice: in the ack to its sender and in
//! `message:new` to its conversation, the same object both times. It is
//! encoded once into a [`RawValue`], and both wire bodies are put together
//! from that text around it, with no second encoding and no JSON tree
//! (`serde_json::Value`, an allocation per field), which together were a
//! visible share of a loaded server's allocations (decision 0013).

use bytes::Bytes;
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

    /// The ack of its `message:send`: `[{"ok":true,"message":…}]`.
    pub fn ack_body(&self) -> Bytes {
        helpline_socketio::encode_ack_json(&[r#"{"ok":true,"message":"#, self.0.get(), "}"])
    }

    /// The body of its `message:new`.
    pub fn event_body(&self) -> Option<Bytes> {
        helpline_socketio::encode_event_json("message:new", self.0.get()).ok()
    }
}

impl Serialize for EncodedMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::realtime::outbound::ServerEvent;
    use helpline_core::message::{MessageType, NewMessage};
    use helpline_core::{MessageId, Timestamp, UserId};
    use serde_json::{Value, json};

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
            flags: Vec::new(),
        };
        new.stored(3, None, None, None)
    }

    #[test]
    fn both_bodies_carry_the_message_itself() {
        let message = message();
        let plain = serde_json::to_value(&message).unwrap();
        let encoded = EncodedMessage::of(&message).unwrap();
        assert_eq!(serde_json::to_value(&encoded).unwrap(), plain);
        let ack: Value = serde_json::from_slice(&encoded.ack_body()).unwrap();
        assert_eq!(ack, json!([{"ok": true, "message": plain}]));
        let event: Value = serde_json::from_slice(&encoded.event_body().unwrap()).unwrap();
        let name = ServerEvent::MessageNew(encoded).name();
        assert_eq!(event, json!([name, plain]));
    }
}
