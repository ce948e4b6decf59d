//! Help-request events: a seeker asks (`seeker:request`), withdraws
//! (`request:cancel`) or asks after a request (`request:status`); a
//! volunteer accepts, declines, or says whether they take requests.

use super::{SEEKER_SELF, VOLUNTEER_SELF, client_event};
use crate::error::DomainError;
use crate::input::Fields;
use crate::permissions::RoleAction;
use crate::request::{HelpRequest, RequestDraft, RequestStatus};
use crate::user::Availability;
use crate::{ConversationId, RequestId, Timestamp, UserId};
use serde::Serialize;

/// `seeker:request`: ask for help.
#[derive(Debug, Clone)]
pub struct SeekerRequest {
    /// What is asked, and of whom.
    pub draft: RequestDraft,
}
client_event!(
    SeekerRequest,
    "seeker:request",
    SEEKER_SELF,
    RequestOpened,
    role = RoleAction::AskForHelp
);

impl SeekerRequest {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        Ok(Self {
            draft: RequestDraft::parse(fields)?,
        })
    }
}

/// The answer to `seeker:request`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestOpened {
    /// The new request.
    pub request_id: RequestId,
    /// Always `pending`.
    pub status: RequestStatus,
    /// How many volunteers it was offered to.
    pub online_volunteers: usize,
    /// How many on-call volunteers (available, app closed, notifications
    /// on, outside their quiet hours) are told of it by push.
    pub on_call_volunteers: usize,
    /// When the request was made (the server's clock).
    pub created_at: Timestamp,
    /// The server's clock when it answered, so a client can show how long
    /// the request has waited whatever its own clock says.
    pub server_time: Timestamp,
}

/// `request:cancel`: withdraw the named request, or the pending one.
#[derive(Debug, Clone)]
pub struct RequestCancel {
    /// The request; absent means the sender's pending request.
    pub request_id: Option<RequestId>,
}
client_event!(
    RequestCancel,
    "request:cancel",
    SEEKER_SELF,
    RequestWithdrawn,
    role = RoleAction::AskForHelp
);

impl RequestCancel {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        Ok(Self {
            request_id: optional_request(fields)?,
        })
    }
}

/// The optional `requestId` of a seeker's request events.
fn optional_request(fields: &Fields<'_>) -> Result<Option<RequestId>, DomainError> {
    Ok(fields.opt_id("requestId")?.map(RequestId::from_trusted))
}

/// The answer to `request:cancel`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestWithdrawn {
    /// The request.
    pub request_id: RequestId,
    /// Always `cancelled`.
    pub status: RequestStatus,
}

/// `request:status`: the named request, or the sender's latest.
#[derive(Debug, Clone)]
pub struct RequestStatusQuery {
    /// The request; absent means the sender's latest.
    pub request_id: Option<RequestId>,
}
client_event!(
    RequestStatusQuery,
    "request:status",
    SEEKER_SELF,
    StatusOfRequest,
    role = RoleAction::AskForHelp
);

impl RequestStatusQuery {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        Ok(Self {
            request_id: optional_request(fields)?,
        })
    }
}

/// The answer to `request:status`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusOfRequest {
    /// The request, or `null` when there is none.
    pub request: Option<HelpRequest>,
    /// The server's clock when it answered.
    pub server_time: Timestamp,
    /// A pending request's place in the waiting line, else `null`
    /// (**extension**; [`crate::queue`]).
    pub position: Option<u32>,
    /// About how much longer a pending request may wait, in seconds, or
    /// `null` (**extension**).
    pub estimated_wait_secs: Option<u64>,
}

/// How a volunteer names the request they accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnsweredRequest {
    /// By its id, and optionally its seeker, who must then match.
    Request {
        /// The request.
        id: RequestId,
        /// The seeker the volunteer believes made it.
        seeker: Option<UserId>,
    },
    /// A seeker's newest request.
    SeekersLatest(UserId),
}

/// `volunteer:accept`: take a request.
#[derive(Debug, Clone)]
pub struct VolunteerAccept {
    /// Which request.
    pub request: AnsweredRequest,
}
client_event!(
    VolunteerAccept,
    "volunteer:accept",
    VOLUNTEER_SELF,
    RequestClaimedByYou,
    role = RoleAction::TakeRequests
);

impl VolunteerAccept {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        let id = fields.opt_id("requestId")?.map(RequestId::from_trusted);
        let seeker = fields.opt_id("seniorId")?.map(UserId::from_trusted);
        let request = match (id, seeker) {
            (Some(id), seeker) => AnsweredRequest::Request { id, seeker },
            (None, Some(seeker)) => AnsweredRequest::SeekersLatest(seeker),
            (None, None) => return Err(DomainError::invalid("requestId or seniorId is required")),
        };
        Ok(Self { request })
    }
}

/// The answer to a winning `volunteer:accept`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestClaimedByYou {
    /// The request.
    pub request_id: RequestId,
    /// The conversation it opened.
    pub conversation_id: ConversationId,
}

/// `volunteer:reject`: decline a request.
#[derive(Debug, Clone)]
pub struct VolunteerReject {
    /// The request.
    pub request_id: RequestId,
}
client_event!(
    VolunteerReject,
    "volunteer:reject",
    VOLUNTEER_SELF,
    (),
    role = RoleAction::AnswerRequests
);

impl VolunteerReject {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        Ok(Self {
            request_id: RequestId::from_trusted(fields.id("requestId")?),
        })
    }
}

/// `volunteer:availability`: take requests, or not.
#[derive(Debug, Clone)]
pub struct VolunteerAvailability {
    /// `available` or `away`.
    pub status: Availability,
}
client_event!(
    VolunteerAvailability,
    "volunteer:availability",
    VOLUNTEER_SELF,
    AvailabilitySet,
    role = RoleAction::AnswerRequests
);

impl VolunteerAvailability {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        let status = fields
            .opt_enum("status", Availability::NAMES, Availability::parse)?
            .ok_or_else(|| DomainError::invalid("status is required"))?;
        Ok(Self { status })
    }
}

/// The answer to `volunteer:availability`.
#[derive(Debug, Clone, Serialize)]
pub struct AvailabilitySet {
    /// The availability now.
    pub status: Availability,
}

/// `volunteers:watch`: a seeker's screen that lists volunteers asks for
/// `volunteer:presence` (or stops). Opt-in, so a seeker who is not looking
/// at the list costs nothing when volunteers come and go.
#[derive(Debug, Clone)]
pub struct VolunteersWatch {
    /// Whether to hear `volunteer:presence` from now on.
    pub watching: bool,
}
client_event!(
    VolunteersWatch,
    "volunteers:watch",
    SEEKER_SELF,
    Watching,
    role = RoleAction::AskForHelp
);

impl VolunteersWatch {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        Ok(Self {
            watching: fields.opt_bool("watching")?.unwrap_or(true),
        })
    }
}

/// The answer to `volunteers:watch`.
#[derive(Debug, Clone, Serialize)]
pub struct Watching {
    /// Whether the socket hears `volunteer:presence` now.
    pub watching: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inbound::read;
    use crate::user::Role;
    use serde_json::json;

    fn accept(payload: serde_json::Value) -> Result<AnsweredRequest, DomainError> {
        read::<VolunteerAccept>(&payload, "v", Role::Volunteer).map(|e| e.request)
    }

    #[test]
    fn an_accept_names_a_request_or_a_seeker() {
        assert_eq!(
            accept(json!({"requestId": "r"})).expect("by id"),
            AnsweredRequest::Request {
                id: RequestId::from_trusted("r"),
                seeker: None
            }
        );
        assert_eq!(
            accept(json!({"seniorId": "s"})).expect("by seeker"),
            AnsweredRequest::SeekersLatest(UserId::from_trusted("s"))
        );
        assert!(matches!(accept(json!({})), Err(DomainError::Invalid(_))));
        assert!(matches!(
            accept(json!({"volunteerId": "x", "requestId": "r"})),
            Err(DomainError::Forbidden(_))
        ));
    }

    #[test]
    fn availability_is_one_of_two() {
        let away = read::<VolunteerAvailability>(&json!({"status": "away"}), "v", Role::Volunteer);
        assert_eq!(away.expect("away").status, Availability::Away);
        for bad in [json!({}), json!({"status": "busy"}), json!({"status": 1})] {
            assert!(matches!(
                read::<VolunteerAvailability>(&bad, "v", Role::Volunteer),
                Err(DomainError::Invalid(_))
            ));
        }
    }
}
