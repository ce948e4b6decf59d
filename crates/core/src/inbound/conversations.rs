//! Conversation events: start a direct conversation, set its
//! disappearing-message timer, end it.

use super::{PARTICIPANT_SELF, USER_SELF, client_event};
use crate::conversation::{ConversationSummary, SettingsChange};
use crate::error::DomainError;
use crate::input::Fields;
use crate::{ConversationId, UserId};
use serde::Serialize;

/// `conversation:start`: the active direct conversation with someone,
/// opened if there is none. `POST /api/conversations` takes the same body.
#[derive(Debug, Clone)]
pub struct ConversationStart {
    /// The other person.
    pub participant_id: UserId,
}
client_event!(
    ConversationStart,
    "conversation:start",
    USER_SELF,
    ConversationStarted
);

impl ConversationStart {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        Ok(Self {
            participant_id: UserId::from_trusted(fields.id("participantId")?),
        })
    }
}

/// The answer to `conversation:start`.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationStarted {
    /// The sender's summary of the conversation.
    pub conversation: ConversationSummary,
}

/// `conversation:settings`: set or clear the disappearing-message timer.
#[derive(Debug, Clone)]
pub struct ConversationSettings {
    /// Which conversation, and the new timer.
    pub change: SettingsChange,
}
client_event!(
    ConversationSettings,
    "conversation:settings",
    USER_SELF,
    TimerSet
);

impl ConversationSettings {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        Ok(Self {
            change: SettingsChange::parse(fields)?,
        })
    }
}

/// The answer to `conversation:settings`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimerSet {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// The timer now; `null` is off.
    pub auto_delete_secs: Option<i64>,
}

/// `chat:end`: a participant ends the conversation.
#[derive(Debug, Clone)]
pub struct ChatEnd {
    /// The conversation.
    pub conversation_id: ConversationId,
}
client_event!(ChatEnd, "chat:end", PARTICIPANT_SELF, ());

impl ChatEnd {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        Ok(Self {
            conversation_id: ConversationId::from_trusted(fields.id("conversationId")?),
        })
    }
}
