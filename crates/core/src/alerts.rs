//! Safety alerts: one tap from a seeker (or a volunteer, for a seeker in
//! danger) that reaches every support agent at once. The checked inputs,
//! the alert as everyone sees it, and its status, which follows from what
//! support did: open until someone acknowledges it, acknowledged until it
//! is resolved with a note.

use crate::error::DomainError;
use crate::ids::{AlertId, ConversationId, MessageId};
use crate::input::Fields;
use crate::safety::PersonRef;
use crate::scam::ScamSign;
use crate::time::Timestamp;
use crate::wire::wire_enum;
use serde::Serialize;

/// Longest note on an alert or its resolution, in characters.
pub const MAX_NOTE_CHARS: usize = 1000;

wire_enum!(
    /// Where an alert stands.
    AlertStatus {
        /// Nobody from support has said they are on it.
        Open = "open",
        /// A support agent is on it.
        Acknowledged = "acknowledged",
        /// Dealt with, with a note.
        Resolved = "resolved"
    }
);

wire_enum!(
    /// Who or what raised an alert.
    AlertKind {
        /// A person tapped "I need help" (`safety:alert`).
        Person = "person",
        /// The scam guard flagged messages to a seeker ([`crate::scam`]);
        /// `raisedBy` is the seeker it protects, who tapped nothing.
        ScamGuard = "scam_guard"
    }
);

/// One flagged message behind a scam-guard alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScamEvidence {
    /// The flagged message.
    pub message_id: MessageId,
    /// Who wrote it.
    pub sender: PersonRef,
    /// What the guard saw in it.
    pub signs: Vec<ScamSign>,
    /// Its text when flagged (the first [`EVIDENCE_CHARS`] characters),
    /// kept with the alert even if the message is later edited or deleted.
    pub excerpt: String,
    /// When it was flagged.
    pub created_at: Timestamp,
}

/// Most characters of a flagged message kept as evidence.
pub const EVIDENCE_CHARS: usize = 500;

/// The evidence kept of a flagged message's `text`.
pub fn evidence_excerpt(text: &str) -> String {
    text.chars().take(EVIDENCE_CHARS).collect()
}

/// A checked `safety:alert` payload.
#[derive(Debug, Clone, Default)]
pub struct AlertDraft {
    /// The chat or call it is about, if any.
    pub conversation_id: Option<ConversationId>,
    /// What is happening, in the person's words.
    pub note: Option<String>,
}

impl AlertDraft {
    /// Parses `{"conversationId"?, "note"?}`; a blank note is none.
    pub fn parse(fields: &Fields<'_>) -> Result<Self, DomainError> {
        let conversation_id = fields
            .opt_id("conversationId")?
            .map(ConversationId::from_trusted);
        let note = fields
            .opt_str("note", 0, MAX_NOTE_CHARS)?
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        Ok(Self {
            conversation_id,
            note,
        })
    }
}

/// A checked resolution note (`POST /api/alerts/{id}/resolve {"note"}`).
pub fn resolution_note(fields: &Fields<'_>) -> Result<String, DomainError> {
    let note = fields.str("note", 1, MAX_NOTE_CHARS)?.trim();
    if note.is_empty() {
        return Err(DomainError::invalid("note must not be blank"));
    }
    Ok(note.to_owned())
}

/// A safety alert, with the people it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    /// Its id.
    pub id: AlertId,
    /// Who raised it.
    pub raised_by: PersonRef,
    /// The chat or call it is about; kept from auto-deletion until the
    /// alert is resolved.
    pub conversation_id: Option<ConversationId>,
    /// What the person said is happening.
    pub note: Option<String>,
    /// When it was raised.
    pub created_at: Timestamp,
    /// When support was last told of it (raised, or raised again because
    /// nobody acknowledged it).
    pub last_raised_at: Timestamp,
    /// Open, acknowledged or resolved.
    pub status: AlertStatus,
    /// When a support agent said they were on it.
    pub acknowledged_at: Option<Timestamp>,
    /// Who.
    pub acknowledged_by: Option<PersonRef>,
    /// When it was resolved.
    pub resolved_at: Option<Timestamp>,
    /// Who resolved it.
    pub resolved_by: Option<PersonRef>,
    /// What support did about it.
    pub resolution: Option<String>,
    /// Raised by a person or by the scam guard.
    pub kind: AlertKind,
    /// The scam guard's flagged messages, oldest first (empty for a
    /// person's alert, and then left out of the JSON).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<ScamEvidence>,
}

/// The status an alert's marks give it.
pub fn status_of(acknowledged: bool, resolved: bool) -> AlertStatus {
    match (acknowledged, resolved) {
        (_, true) => AlertStatus::Resolved,
        (true, false) => AlertStatus::Acknowledged,
        (false, false) => AlertStatus::Open,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_draft_takes_an_optional_conversation_and_note() {
        let empty = json!({});
        let draft = AlertDraft::parse(&Fields::of(&empty).expect("object")).expect("valid");
        assert!(draft.conversation_id.is_none() && draft.note.is_none());
        let full = json!({"conversationId": "c1", "note": "  He is asking for my bank card  "});
        let draft = AlertDraft::parse(&Fields::of(&full).expect("object")).expect("valid");
        assert_eq!(
            draft.conversation_id.map(|c| c.to_string()),
            Some("c1".into())
        );
        assert_eq!(draft.note.as_deref(), Some("He is asking for my bank card"));
        let blank = json!({"note": "   "});
        let draft = AlertDraft::parse(&Fields::of(&blank).expect("object")).expect("valid");
        assert!(draft.note.is_none());
        for bad in [
            json!({"note": 5}),
            json!({"note": "x".repeat(MAX_NOTE_CHARS + 1)}),
            json!({"conversationId": ""}),
        ] {
            assert!(
                AlertDraft::parse(&Fields::of(&bad).expect("object")).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_resolution_needs_words() {
        let ok = json!({"note": "Called her daughter"});
        assert_eq!(
            resolution_note(&Fields::of(&ok).expect("object")).expect("valid"),
            "Called her daughter"
        );
        for bad in [json!({}), json!({"note": "  "}), json!({"note": ""})] {
            assert!(
                resolution_note(&Fields::of(&bad).expect("object")).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn resolved_wins_over_acknowledged() {
        assert_eq!(status_of(false, false), AlertStatus::Open);
        assert_eq!(status_of(true, false), AlertStatus::Acknowledged);
        assert_eq!(status_of(true, true), AlertStatus::Resolved);
        assert_eq!(status_of(false, true), AlertStatus::Resolved);
    }
}
