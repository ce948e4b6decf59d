//! Messages the server writes itself (type `system`), in the same
//! transaction as the change they tell of: "… accepted the request" opens a
//! conversation a claim creates, "… ended the chat" closes an ended one.
//! (The disappearing-messages notice is an ordinary append of a `system`
//! draft, see `conversation::describe_timer`.)

use crate::ids::{ConversationId, MessageId, UserId};
use crate::message::{Message, MessageType};
use crate::time::Timestamp;

/// A message the server writes itself, type `system`, in the same
/// transaction as the change it tells of: "request accepted" as the first
/// message of a conversation a claim opens, "chat ended" as the last one.
/// The store inserts [`SystemNote::message`], so the server can announce the
/// very message that was stored without reading it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemNote {
    /// The message's id.
    pub id: MessageId,
    /// What it says.
    pub content: String,
}

impl SystemNote {
    /// The first message of a conversation `volunteer` opened by accepting a request.
    pub fn request_accepted(volunteer: &str) -> Self {
        Self::new(format!("{volunteer} accepted the request"))
    }

    /// The last message of a conversation `who` ended.
    pub fn chat_ended(who: &str) -> Self {
        Self::new(format!("{who} ended the chat"))
    }

    fn new(content: String) -> Self {
        Self {
            id: MessageId::generate(),
            content,
        }
    }

    /// The stored message: by `sender` (whose action it tells of), at
    /// `seq`, never disappearing, with `system:{id}` as its client key.
    pub fn message(
        &self,
        conversation: &ConversationId,
        sender: &UserId,
        seq: i64,
        at: Timestamp,
    ) -> Message {
        Message {
            id: self.id.clone(),
            conversation_id: conversation.clone(),
            seq,
            sender_id: sender.clone(),
            content: self.content.clone(),
            message_type: MessageType::System,
            client_message_id: format!("system:{}", self.id),
            created_at: at,
            reply_to: None,
            edited_at: None,
            deleted_at: None,
            reactions: Vec::new(),
            expires_at: None,
            view_once: false,
            attachment: None,
            flags: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_system_messages_that_never_disappear() {
        let note = SystemNote::request_accepted("Tom");
        let (conversation, tom) = (ConversationId::from_trusted("c"), UserId::from_trusted("t"));
        let m = note.message(&conversation, &tom, 1, Timestamp::from_millis(5));
        assert_eq!(m.content, "Tom accepted the request");
        assert_eq!(
            (m.seq, m.message_type, m.sender_id),
            (1, MessageType::System, tom)
        );
        assert_eq!(m.client_message_id, format!("system:{}", note.id));
        assert_eq!(
            (m.expires_at, m.view_once, m.attachment),
            (None, false, None)
        );
        assert_eq!(SystemNote::chat_ended("Ann").content, "Ann ended the chat");
    }
}
