//! Blocking and reporting: the checked inputs and the report shape.
//! A block stops the blocked person from reaching the blocker (no offers
//! of their requests, no new conversations, no messages); a report asks
//! support to look at a message or a person.

use crate::error::DomainError;
use crate::ids::{ConversationId, MessageId, ReportId, UserId};
use crate::input::Fields;
use crate::time::Timestamp;
use crate::user::{Role, User};
use crate::wire::wire_enum;
use serde::Serialize;

/// Longest report reason, in characters.
pub const MAX_REASON_CHARS: usize = 1000;

wire_enum!(
    /// Whether support has dealt with a report.
    ReportStatus { Open = "open", Resolved = "resolved" }
);

/// What is reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportTarget {
    /// A message (and so its sender and conversation).
    Message(MessageId),
    /// A person.
    User(UserId),
}

/// A checked `POST /api/reports` body.
#[derive(Debug, Clone)]
pub struct ReportDraft {
    /// The message or the person.
    pub target: ReportTarget,
    /// Why, 1–1000 characters.
    pub reason: String,
}

impl ReportDraft {
    /// Parses `{"messageId"|"userId","reason"}` (exactly one of the ids).
    pub fn parse(fields: &Fields<'_>) -> Result<Self, DomainError> {
        let target = match (fields.opt_id("messageId")?, fields.opt_id("userId")?) {
            (Some(message), None) => ReportTarget::Message(MessageId::from_trusted(message)),
            (None, Some(user)) => ReportTarget::User(UserId::from_trusted(user)),
            _ => {
                return Err(DomainError::invalid(
                    "give exactly one of messageId and userId",
                ));
            }
        };
        let reason = fields.str("reason", 1, MAX_REASON_CHARS)?.trim().to_owned();
        if reason.is_empty() {
            return Err(DomainError::invalid("reason must not be blank"));
        }
        Ok(Self { target, reason })
    }
}

/// A stored report, as support sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Its id.
    pub id: ReportId,
    /// Who reported.
    pub reporter_id: UserId,
    /// The reported person (the sender, for a message).
    pub user_id: UserId,
    /// The reported message, if a message was reported.
    pub message_id: Option<MessageId>,
    /// Its conversation; exempt from auto-deletion while the report is open.
    pub conversation_id: Option<ConversationId>,
    /// The message's text when it was reported, kept as evidence for support.
    pub message_excerpt: Option<String>,
    /// Why.
    pub reason: String,
    /// Open or resolved.
    pub status: ReportStatus,
    /// When it was made.
    pub created_at: Timestamp,
    /// When support resolved it.
    pub resolved_at: Option<Timestamp>,
    /// Who resolved it.
    pub resolved_by: Option<UserId>,
}

/// Someone the caller has blocked, as `GET /api/blocks` lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockedPerson {
    /// Their id.
    pub id: UserId,
    /// Their display name.
    pub display_name: String,
    /// When the caller blocked them.
    pub blocked_at: Timestamp,
}

/// A person named in a report: `{"id","displayName","role"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonRef {
    /// Their id.
    pub id: UserId,
    /// Their display name.
    pub display_name: String,
    /// Their role.
    pub role: Role,
}

impl From<&User> for PersonRef {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.clone(),
            display_name: user.display_name.clone(),
            role: user.role,
        }
    }
}

/// A report with the people it names, as clients receive it: every field
/// of [`Report`] plus `reporter` and `reported`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedReport {
    /// The report itself (its fields are inlined).
    #[serde(flatten)]
    pub report: Report,
    /// Who reported.
    pub reporter: PersonRef,
    /// The reported person.
    pub reported: PersonRef,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_target_and_a_reason() {
        let ok = json!({"messageId": "m", "reason": " rude "});
        let draft = ReportDraft::parse(&Fields::of(&ok).expect("obj")).expect("valid");
        assert_eq!(
            (draft.target, draft.reason.as_str()),
            (ReportTarget::Message(MessageId::from_trusted("m")), "rude")
        );
        for bad in [
            json!({"reason": "x"}),
            json!({"messageId": "m", "userId": "u", "reason": "x"}),
            json!({"userId": "u", "reason": "   "}),
            json!({"userId": "u", "reason": "x".repeat(1001)}),
            json!({"userId": 5, "reason": "x"}),
        ] {
            assert!(
                ReportDraft::parse(&Fields::of(&bad).expect("obj")).is_err(),
                "{bad}"
            );
        }
    }
}
