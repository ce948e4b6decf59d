//! Help requests: what a seeker asks for, the states a request moves
//! through, and the rules for each move.
//!
//! ```text
//! pending ──accept──▶ accepted ──chat:end──▶ completed
//!    │ ├──cancel──▶ cancelled
//!    │ ├──timeout─▶ expired
//!    │ └──targeted volunteer rejects─▶ rejected
//! ```
//! Every move out of `pending` is a conditional update in the database
//! (`… WHERE status = 'pending'`), so exactly one of several racing moves
//! wins, on any number of server processes.

use crate::error::DomainError;
use crate::ids::{ConversationId, RequestId, UserId};
use crate::input::Fields;
use crate::time::Timestamp;
use crate::wire::wire_enum;
use serde::Serialize;

wire_enum!(
    /// What kind of contact the seeker wants.
    RequestType { Chat = "chat", Voice = "voice", Video = "video" }
);
wire_enum!(
    /// What the seeker wants to talk about.
    Topic { Emotional = "emotional", Daily = "daily", Health = "health", Other = "other" }
);
wire_enum!(
    /// Where a request is in its life.
    RequestStatus {
        /// Waiting for a volunteer.
        Pending = "pending",
        /// A volunteer took it; a conversation is open.
        Accepted = "accepted",
        /// The seeker withdrew it.
        Cancelled = "cancelled",
        /// Nobody took it in time.
        Expired = "expired",
        /// The one volunteer it was meant for said no.
        Rejected = "rejected",
        /// The conversation it opened has ended.
        Completed = "completed",
    }
);

/// The longest note a seeker may attach, in characters.
pub const MAX_NOTE_CHARS: usize = 500;
/// The longest written feedback, in characters.
pub const MAX_FEEDBACK_CHARS: usize = 2000;

/// A help request as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HelpRequest {
    /// The request's id.
    pub id: RequestId,
    /// The seeker who asked (named `seniorId` on the wire, as in the original app).
    pub senior_id: UserId,
    /// The volunteer it was made to, when the seeker chose one.
    pub target_volunteer_id: Option<UserId>,
    /// The volunteer who accepted it.
    pub volunteer_id: Option<UserId>,
    /// The conversation it opened.
    pub conversation_id: Option<ConversationId>,
    /// Chat, voice or video.
    pub request_type: RequestType,
    /// What it is about, if the seeker said.
    pub topic: Option<Topic>,
    /// The seeker's note.
    pub note: Option<String>,
    /// Where it is in its life.
    pub status: RequestStatus,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it expires if still pending.
    pub expires_at: Timestamp,
    /// When it was escalated to support for waiting too long (**extension**).
    pub escalated_at: Option<Timestamp>,
    /// When a volunteer accepted it.
    pub accepted_at: Option<Timestamp>,
    /// When its conversation ended.
    pub completed_at: Option<Timestamp>,
    /// The seeker's 1–5 rating.
    pub rating: Option<i64>,
    /// The seeker's written feedback.
    pub feedback: Option<String>,
    /// Whether someone was told of it by push, so closing it takes the
    /// notices back (not part of the request's JSON).
    #[serde(skip)]
    pub pushed: bool,
}

/// A checked `seeker:request` payload.
#[derive(Debug, Clone)]
pub struct RequestDraft {
    /// Chat, voice or video.
    pub request_type: RequestType,
    /// Optional topic.
    pub topic: Option<Topic>,
    /// Optional note of at most 500 characters.
    pub note: Option<String>,
    /// Set when the request is for one chosen volunteer.
    pub target_volunteer_id: Option<UserId>,
}

impl RequestDraft {
    /// Parses a `seeker:request` payload.
    pub fn parse(fields: &Fields<'_>) -> Result<Self, DomainError> {
        let request_type = fields
            .opt_enum("requestType", RequestType::NAMES, RequestType::parse)?
            .ok_or_else(|| DomainError::invalid("requestType is required"))?;
        Ok(Self {
            request_type,
            topic: fields.opt_enum("topic", Topic::NAMES, Topic::parse)?,
            note: fields
                .opt_str("note", 0, MAX_NOTE_CHARS)?
                .map(str::to_owned),
            target_volunteer_id: fields.opt_id("volunteerId")?.map(UserId::from_trusted),
        })
    }
}

/// Everything needed to store a new pending request.
#[derive(Debug, Clone)]
pub struct NewHelpRequest {
    /// The fresh id.
    pub id: RequestId,
    /// The asking seeker.
    pub seeker_id: UserId,
    /// What was asked.
    pub draft: RequestDraft,
    /// Now.
    pub created_at: Timestamp,
    /// Now plus the configured timeout.
    pub expires_at: Timestamp,
    /// When the next batch is offered (batched dispatch, more eligible
    /// volunteers than the first batch); `None` once everyone may have it.
    pub widen_at: Option<Timestamp>,
}

/// A checked feedback body.
#[derive(Debug, Clone)]
pub struct Feedback {
    /// 1–5.
    pub rating: i64,
    /// At most 2000 characters.
    pub text: Option<String>,
}

impl Feedback {
    /// Parses `{"rating","feedback"?}`.
    pub fn parse(fields: &Fields<'_>) -> Result<Self, DomainError> {
        Ok(Self {
            rating: fields.int("rating", 1, 5)?,
            text: fields
                .opt_str("feedback", 0, MAX_FEEDBACK_CHARS)?
                .map(str::to_owned),
        })
    }
}

/// Why an accept lost, given the status the request has now.
pub fn claim_refusal(status_now: RequestStatus) -> DomainError {
    match status_now {
        RequestStatus::Accepted | RequestStatus::Completed => DomainError::AlreadyClaimed,
        _ => DomainError::NotPending,
    }
}

/// Whether `volunteer` may accept or reject `request`: a request made to
/// one volunteer is for that volunteer alone.
pub fn check_addressed_to(request: &HelpRequest, volunteer: &UserId) -> Result<(), DomainError> {
    match &request.target_volunteer_id {
        Some(target) if target != volunteer => Err(DomainError::Forbidden(
            "this request was made to another volunteer",
        )),
        _ => Ok(()),
    }
}

/// How many conversations from accepted requests a volunteer may have
/// open at once (`HELPLINE_MAX_ACTIVE_CHATS`). A volunteer at the cap is
/// offered no new request, and their accept is refused; the store decides
/// both, so the cap holds across server processes (decision 0029).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChatCap(Option<std::num::NonZeroU32>);

impl ChatCap {
    /// A cap of `max` chats; 0 is no cap.
    pub fn new(max: u32) -> Self {
        Self(std::num::NonZeroU32::new(max))
    }

    /// No cap.
    pub fn none() -> Self {
        Self(None)
    }

    /// The cap as SQL compares it: 0 when there is none.
    pub fn as_sql(self) -> i64 {
        self.0.map_or(0, |max| i64::from(max.get()))
    }

    /// Whether there is a cap.
    pub fn is_set(self) -> bool {
        self.0.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_request_payloads() {
        let v = json!({"requestType":"voice","topic":"health","note":"hi"});
        let d = RequestDraft::parse(&Fields::of(&v).expect("obj")).expect("valid");
        assert_eq!(d.request_type, RequestType::Voice);
        assert_eq!(d.topic, Some(Topic::Health));
        for bad in [
            json!({}),
            json!({"requestType":"fax"}),
            json!({"requestType":"chat","topic":"politics"}),
            json!({"requestType":"chat","note":"x".repeat(501)}),
            json!({"requestType":"chat","volunteerId":7}),
        ] {
            assert!(
                RequestDraft::parse(&Fields::of(&bad).expect("obj")).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn refusal_depends_on_current_status() {
        assert_eq!(
            claim_refusal(RequestStatus::Accepted),
            DomainError::AlreadyClaimed
        );
        assert_eq!(
            claim_refusal(RequestStatus::Completed),
            DomainError::AlreadyClaimed
        );
        assert_eq!(
            claim_refusal(RequestStatus::Cancelled),
            DomainError::NotPending
        );
        assert_eq!(
            claim_refusal(RequestStatus::Expired),
            DomainError::NotPending
        );
    }

    #[test]
    fn feedback_bounds() {
        assert!(Feedback::parse(&Fields::of(&json!({"rating":5})).expect("obj")).is_ok());
        assert!(Feedback::parse(&Fields::of(&json!({"rating":0})).expect("obj")).is_err());
        assert!(Feedback::parse(&Fields::of(&json!({"rating":"5"})).expect("obj")).is_err());
    }
}

/// A volunteer's last seven days (`GET /api/me/week`): what they took on,
/// so the app can suggest rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VolunteerWeek {
    /// Requests they accepted.
    pub sessions: i64,
    /// Of those, on the emotional topic.
    pub emotional_sessions: i64,
    /// Minutes from each acceptance to its chat's end (or now).
    pub minutes: i64,
    /// `HELPLINE_WEEKLY_HOURS_HINT`; `null` when there is none.
    pub weekly_hours_hint: Option<u32>,
    /// Whether they are past it.
    pub rest_suggested: bool,
}
