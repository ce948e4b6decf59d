//! Every event the server sends, as one typed enum: the variant fixes both
//! the event name and its payload, so no call site spells an event name or
//! builds a payload by hand. Sent only through [`super::fanout`].

use super::encoded::EncodedMessage;
use helpline_core::alerts::Alert;
use helpline_core::call::{Call, CallStatus, EndReason, Media};
use helpline_core::checkins::{Checkin, CheckinPerson};
use helpline_core::conversation::ConversationSummary;
use helpline_core::dispatch::Reason;
use helpline_core::inbound::StatusOfRequest;
use helpline_core::message::{Message, Reaction};
use helpline_core::queue::Standing;
use helpline_core::request::{HelpRequest, RequestType, Topic};
use helpline_core::safety::NamedReport;
use helpline_core::user::Availability;
use helpline_core::welfare::WelfareTask;
use helpline_core::{CallId, ConversationId, MessageId, RequestId, Timestamp, UserId};
use serde::Serialize;

/// The seeker as shown to a volunteer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeekerCard {
    /// The seeker's id.
    pub id: UserId,
    /// The seeker's display name.
    pub display_name: String,
}

/// `seeker:incoming`: a request offered to a volunteer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IncomingRequest {
    /// The request.
    pub request_id: RequestId,
    /// The seeker's id.
    pub senior_id: UserId,
    /// The volunteer the request was made to, or `null` for anyone.
    pub target_volunteer_id: Option<UserId>,
    /// The seeker.
    pub seeker: SeekerCard,
    /// Chat, voice or video.
    pub request_type: RequestType,
    /// What it is about.
    pub topic: Option<Topic>,
    /// The seeker's note.
    pub note: Option<String>,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it expires.
    pub expires_at: Timestamp,
    /// The server's clock when the offer was sent, so a client can show
    /// waiting times whatever its own clock says.
    pub server_time: Timestamp,
    /// Under batched dispatch, what put this volunteer in an early batch
    /// (a familiar companion, a shared language); absent under ring_all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<Vec<Reason>>,
}

impl IncomingRequest {
    /// The offer for `request`, made by a seeker called `seeker_name`,
    /// sent at `now`.
    pub fn new(request: &HelpRequest, seeker_name: &str, now: Timestamp) -> Self {
        Self {
            request_id: request.id.clone(),
            senior_id: request.senior_id.clone(),
            target_volunteer_id: request.target_volunteer_id.clone(),
            seeker: SeekerCard {
                id: request.senior_id.clone(),
                display_name: seeker_name.to_owned(),
            },
            request_type: request.request_type,
            topic: request.topic,
            note: request.note.clone(),
            created_at: request.created_at,
            expires_at: request.expires_at,
            server_time: now,
            why: None,
        }
    }

    /// The same offer, saying why it came to this volunteer.
    pub fn because(mut self, why: Vec<Reason>) -> Self {
        self.why = Some(why);
        self
    }
}

/// `request:cancelled`: to volunteers it carries `seniorId` (and `reason`
/// when it expired); to the seeker it carries `status`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestCancelled {
    /// The request.
    pub request_id: RequestId,
    /// The seeker (volunteers' copy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub senior_id: Option<UserId>,
    /// `"cancelled"` (seeker's copy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    /// `"expired"` when it timed out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

impl RequestCancelled {
    /// The volunteers' copy for `request`: it names the seeker, and
    /// `reason` says why when it is not a plain cancel.
    pub fn for_volunteers(request: &HelpRequest, reason: Option<&'static str>) -> Self {
        Self {
            request_id: request.id.clone(),
            senior_id: Some(request.senior_id.clone()),
            status: None,
            reason,
        }
    }
}

/// Why support's overview changed (`support:changed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SupportChange {
    /// A request was made, or left `pending` other than by a claim.
    Request,
    /// A request was claimed (a session began) or a chat ended.
    Session,
    /// A volunteer came online, left, or changed availability.
    Presence,
    /// Support changed a volunteer's credentials (**extension**).
    Credentials,
    /// A safety alert was raised, acknowledged or resolved (**extension**).
    Alerts,
    /// A welfare check was raised or resolved (**extension**).
    Welfare,
}

/// A volunteer's availability as seekers and support see it
/// (`volunteer:presence`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ShownAvailability {
    /// Online and taking requests.
    Available,
    /// Online, not taking requests.
    Away,
    /// Not connected anywhere.
    Offline,
}

impl From<Option<Availability>> for ShownAvailability {
    fn from(availability: Option<Availability>) -> Self {
        match availability {
            Some(Availability::Available) => Self::Available,
            Some(Availability::Away) => Self::Away,
            None => Self::Offline,
        }
    }
}

/// An event and its payload.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged, rename_all_fields = "camelCase")]
pub enum ServerEvent {
    /// A request is offered to a volunteer.
    SeekerIncoming(IncomingRequest),
    /// Nobody could be offered the seeker's request yet.
    SeekerQueued {
        /// The request.
        request_id: RequestId,
    },
    /// A request was withdrawn or timed out.
    RequestCancelled(RequestCancelled),
    /// The seeker's request timed out.
    RequestExpired {
        /// The request.
        request_id: RequestId,
    },
    /// The seeker's request waited long enough that support was told
    /// (**extension**).
    RequestEscalated {
        /// The request.
        request_id: RequestId,
    },
    /// A request waited too long: to every support agent, who may take it
    /// (**extension**).
    SupportEscalation {
        /// The request, escalated.
        request: HelpRequest,
        /// Its seeker's display name.
        seeker_display_name: String,
    },
    /// Another volunteer took the request.
    RequestClaimed {
        /// The request.
        request_id: RequestId,
        /// The seeker.
        senior_id: UserId,
        /// The winner.
        volunteer_id: UserId,
    },
    /// The chosen volunteer declined.
    RequestRejected {
        /// The request.
        request_id: RequestId,
    },
    /// A request was accepted; the conversation is open.
    SessionStarted {
        /// The new conversation.
        conversation_id: ConversationId,
        /// The request.
        request_id: RequestId,
        /// The seeker.
        senior_id: UserId,
        /// The volunteer.
        volunteer_id: UserId,
        /// Chat, voice or video.
        request_type: RequestType,
        /// The call already accepted for a voice or video request.
        #[serde(skip_serializing_if = "Option::is_none")]
        call_id: Option<CallId>,
    },
    /// The answer to `request:status`, also sent as an event.
    RequestStatusResponse(StatusOfRequest),
    /// The volunteer let this many offers in a row pass and was set away
    /// (**extension**).
    VolunteerAutoAway {
        /// How many (`HELPLINE_MAX_MISSED_OFFERS`).
        missed_offers: u32,
    },
    /// A safety alert, to every support agent: raised, or raised again
    /// while nobody acknowledged it (**extension**).
    SupportAlert {
        /// The alert.
        alert: Alert,
        /// Whether it was raised before and nobody acknowledged it.
        repeated: bool,
    },
    /// Support is on the caller's alert (**extension**).
    SafetyAcknowledged {
        /// The alert, acknowledged.
        alert: Alert,
    },
    /// Support resolved the caller's alert (**extension**).
    SafetyResolved {
        /// The alert, resolved.
        alert: Alert,
    },
    /// A call with a seeker dropped: the volunteer is asked to call back
    /// (**extension**).
    WelfareCallBack {
        /// The dropped call.
        call_id: CallId,
        /// Its conversation (where to call back).
        conversation_id: ConversationId,
        /// The seeker.
        seeker: CheckinPerson,
        /// Voice or video, as the call was.
        media: Media,
    },
    /// A welfare check for support: nobody was in touch after a dropped
    /// call, or a seeker missed two check-ins (**extension**).
    SupportWelfare {
        /// The task.
        task: WelfareTask,
    },
    /// A check-in was proposed, accepted, paused, resumed or cancelled, to
    /// both people (**extension**).
    CheckinChanged {
        /// The check-in as it is now.
        checkin: Checkin,
    },
    /// A check-in is in [`helpline_core::checkins::REMIND_BEFORE`], to both
    /// (**extension**).
    CheckinReminder {
        /// The check-in.
        checkin: Checkin,
    },
    /// It is time for a check-in, to both (**extension**).
    CheckinDue {
        /// The check-in.
        checkin: Checkin,
    },
    /// A check-in passed with no contact, to both (**extension**).
    CheckinMissed {
        /// The check-in, moved on to its next time.
        checkin: Checkin,
    },
    /// A hard session is over: the volunteer may talk it over with staff
    /// (`POST /api/me/debrief`) (**extension**).
    WellbeingDebrief {
        /// `emotional` (an emotional-support chat ended) or `alert` (a
        /// safety alert they were part of was resolved).
        reason: &'static str,
        /// The conversation it was about.
        conversation_id: Option<ConversationId>,
    },
    /// Where the seeker's pending request stands in the waiting line, sent
    /// whenever its position or estimate changes (**extension**).
    RequestPosition(Standing),
    /// A stored message, encoded once (see [`super::encoded`]).
    MessageNew(EncodedMessage),
    /// A message's text was edited (the whole message, as stored now).
    MessageEdited(Message),
    /// A message was deleted for everyone; its seq stays as a tombstone.
    MessageDeleted {
        /// Where.
        conversation_id: ConversationId,
        /// Which.
        message_id: MessageId,
        /// Its seq.
        seq: i64,
    },
    /// A message's reactions changed.
    MessageReaction {
        /// Where.
        conversation_id: ConversationId,
        /// Which.
        message_id: MessageId,
        /// All its reactions now.
        reactions: Vec<Reaction>,
    },
    /// A participant's devices have received messages up to a seq.
    MessageDelivered {
        /// Where.
        conversation_id: ConversationId,
        /// Who received them.
        user_id: UserId,
        /// Their delivered mark now.
        up_to_seq: i64,
    },
    /// The receiver's unread counts after they read on one of their devices.
    UnreadUpdated {
        /// The conversation read.
        conversation_id: ConversationId,
        /// Its unread messages now.
        unread_count: i64,
        /// Unread messages across all their conversations.
        total: i64,
    },
    /// The receiver archived or brought back a conversation (on any device).
    ConversationArchived {
        /// Which.
        conversation_id: ConversationId,
        /// Archived now or not.
        archived: bool,
    },
    /// A conversation's disappearing-message timer changed.
    ConversationSettings {
        /// Which.
        conversation_id: ConversationId,
        /// The timer now (`null` off, `0` view once).
        auto_delete_secs: Option<i64>,
        /// Who changed it.
        changed_by: UserId,
    },
    /// A new report for support, with the people it names.
    ReportNew(NamedReport),
    /// Someone started or stopped typing.
    Typing {
        /// Where.
        conversation_id: ConversationId,
        /// Who.
        user_id: UserId,
        /// Started (true) or stopped.
        is_typing: bool,
    },
    /// Someone read up to a seq.
    MessageRead {
        /// Where.
        conversation_id: ConversationId,
        /// Who.
        user_id: UserId,
        /// The read mark.
        up_to_seq: i64,
        /// When.
        read_at: Timestamp,
    },
    /// Someone started a direct conversation with this user.
    ConversationStarted {
        /// The conversation as the receiver sees it.
        conversation: ConversationSummary,
    },
    /// Support's overview changed; support refetches it.
    SupportChanged {
        /// What changed.
        reason: SupportChange,
    },
    /// A volunteer came online, went offline everywhere, or changed
    /// availability: to every seeker and support agent.
    VolunteerPresence {
        /// The volunteer.
        volunteer_id: UserId,
        /// Connected anywhere.
        online: bool,
        /// `offline` when not online.
        availability: ShownAvailability,
    },
    /// The socket's token expired; the server disconnects it next.
    AuthExpired {},
    /// The conversation ended.
    ChatEnded {
        /// Which.
        conversation_id: ConversationId,
        /// Who ended it.
        ended_by: UserId,
    },
    /// A call rings on every device of the callee.
    CallIncoming {
        /// The call.
        call_id: CallId,
        /// Where.
        conversation_id: ConversationId,
        /// Who calls.
        caller_id: UserId,
        /// Voice or video.
        media: Media,
    },
    /// A callee device answered: to the caller's devices and that device.
    CallAccepted {
        /// The call.
        call_id: CallId,
        /// The callee.
        accepted_by: UserId,
        /// The call as stored now.
        call: Box<Call>,
    },
    /// Another device of the callee answered; stop ringing.
    CallAnsweredElsewhere {
        /// The call.
        call_id: CallId,
    },
    /// The other side's device changed (it reconnected and took the call
    /// back with `call:resume`); a new `webrtc:offer` follows from it.
    CallResumed {
        /// The call.
        call_id: CallId,
        /// Who moved.
        user_id: UserId,
        /// Whether a fresh offer follows (else the media connection
        /// survived and only signaling moved).
        renegotiate: bool,
    },
    /// Another device of the same person took this device's call over.
    CallMoved {
        /// The call.
        call_id: CallId,
    },
    /// The call reached its terminal status (once per call).
    CallEnded {
        /// The call.
        call_id: CallId,
        /// The terminal status.
        status: CallStatus,
        /// Why.
        reason: Option<EndReason>,
        /// Whole seconds answered; `null` if never answered.
        duration_secs: Option<i64>,
    },
    /// A relayed WebRTC offer.
    WebrtcOffer {
        /// The call.
        call_id: CallId,
        /// The SDP.
        sdp: String,
    },
    /// A relayed WebRTC answer.
    WebrtcAnswer {
        /// The call.
        call_id: CallId,
        /// The SDP.
        sdp: String,
    },
    /// A relayed ICE candidate.
    WebrtcIce {
        /// The call.
        call_id: CallId,
        /// `RTCIceCandidate.toJSON()`, as sent.
        candidate: serde_json::Map<String, serde_json::Value>,
    },
}

impl ServerEvent {
    /// The event name on the wire.
    pub fn name(&self) -> &'static str {
        match self {
            Self::SeekerIncoming(_) => "seeker:incoming",
            Self::SeekerQueued { .. } => "seeker:queued",
            Self::RequestCancelled(_) => "request:cancelled",
            Self::RequestExpired { .. } => "request:expired",
            Self::RequestClaimed { .. } => "request:claimed",
            Self::RequestEscalated { .. } => "request:escalated",
            Self::SupportEscalation { .. } => "support:escalation",
            Self::RequestRejected { .. } => "request:rejected",
            Self::SessionStarted { .. } => "session:started",
            Self::RequestStatusResponse(_) => "request:status:response",
            Self::RequestPosition(_) => "request:position",
            Self::VolunteerAutoAway { .. } => "volunteer:auto_away",
            Self::SupportAlert { .. } => "support:alert",
            Self::WellbeingDebrief { .. } => "wellbeing:debrief",
            Self::WelfareCallBack { .. } => "welfare:call_back",
            Self::SupportWelfare { .. } => "support:welfare",
            Self::CheckinChanged { .. } => "checkin:changed",
            Self::CheckinReminder { .. } => "checkin:reminder",
            Self::CheckinDue { .. } => "checkin:due",
            Self::CheckinMissed { .. } => "checkin:missed",
            Self::SafetyAcknowledged { .. } => "safety:acknowledged",
            Self::SafetyResolved { .. } => "safety:resolved",
            Self::MessageNew(_) => "message:new",
            Self::MessageEdited(_) => "message:edited",
            Self::MessageDeleted { .. } => "message:deleted",
            Self::MessageReaction { .. } => "message:reaction",
            Self::MessageDelivered { .. } => "message:delivered",
            Self::UnreadUpdated { .. } => "unread:updated",
            Self::ConversationArchived { .. } => "conversation:archived",
            Self::ConversationSettings { .. } => "conversation:settings",
            Self::ReportNew(_) => "report:new",
            Self::Typing { .. } => "typing",
            Self::MessageRead { .. } => "message:read",
            Self::ConversationStarted { .. } => "conversation:started",
            Self::SupportChanged { .. } => "support:changed",
            Self::VolunteerPresence { .. } => "volunteer:presence",
            Self::AuthExpired {} => "auth:expired",
            Self::ChatEnded { .. } => "chat:ended",
            Self::CallIncoming { .. } => "call:incoming",
            Self::CallAccepted { .. } => "call:accepted",
            Self::CallAnsweredElsewhere { .. } => "call:answered_elsewhere",
            Self::CallResumed { .. } => "call:resumed",
            Self::CallMoved { .. } => "call:moved",
            Self::CallEnded { .. } => "call:ended",
            Self::WebrtcOffer { .. } => "webrtc:offer",
            Self::WebrtcAnswer { .. } => "webrtc:answer",
            Self::WebrtcIce { .. } => "webrtc:ice",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn payloads_are_camel_case_objects() {
        let event = ServerEvent::RequestClaimed {
            request_id: RequestId::from_trusted("r"),
            senior_id: UserId::from_trusted("s"),
            volunteer_id: UserId::from_trusted("v"),
        };
        assert_eq!(event.name(), "request:claimed");
        assert_eq!(
            serde_json::to_value(&event).expect("json"),
            json!({"requestId":"r","seniorId":"s","volunteerId":"v"})
        );
        let cancelled = ServerEvent::RequestCancelled(RequestCancelled {
            request_id: RequestId::from_trusted("r"),
            senior_id: None,
            status: Some("cancelled"),
            reason: None,
        });
        assert_eq!(
            serde_json::to_value(&cancelled).expect("json"),
            json!({"requestId":"r","status":"cancelled"})
        );
        let changed = ServerEvent::SupportChanged {
            reason: SupportChange::Presence,
        };
        assert_eq!(changed.name(), "support:changed");
        assert_eq!(
            serde_json::to_value(&changed).expect("json"),
            json!({"reason":"presence"})
        );
    }
}
