//! Every event a client sends, as one type each: its wire name, who may
//! send it, its payload parsed into checked values, and the body of its
//! acknowledgement. The incoming twin of the server's `ServerEvent`
//! (crates/server/src/realtime/outbound.rs): a handler receives a parsed
//! event, never raw JSON, and answers with the event's own reply type.
//!
//! [`read`] turns a payload into an event, refusing it before anything
//! changes: `forbidden` for the wrong role, `invalid` for a payload that
//! is not an object, a field of the wrong type, length or range, a NUL
//! character; `forbidden` for a field naming someone other than the sender.

mod calls;
mod conversations;
mod messages;
mod requests;
mod safety;

pub use calls::{
    CallAccept, CallCancel, CallHangup, CallInvite, CallReject, CallReply, CallResume,
    CallStatsReport, WebrtcAnswer, WebrtcIce, WebrtcOffer,
};
pub use conversations::{
    ChatEnd, ConversationSettings, ConversationStart, ConversationStarted, TimerSet,
};
pub use messages::{
    MessageDelete, MessageDeleted, MessageEdit, MessageEdited, MessageReact, MessageRead,
    MessageSend, MessageSync, Reacted, ReadUpTo, SentMessage, SyncedMessages, TypingStart,
    TypingStop,
};
pub use requests::{
    AnsweredRequest, AvailabilitySet, RequestCancel, RequestClaimedByYou, RequestOpened,
    RequestStatusQuery, RequestWithdrawn, SeekerRequest, StatusOfRequest, VolunteerAccept,
    VolunteerAvailability, VolunteerReject, VolunteersWatch, Watching,
};
pub use safety::{AlertRaised, SafetyAlert};

use crate::error::DomainError;
use crate::input::Fields;
use crate::permissions::{RoleAction, require_role};
use crate::user::Role;
use serde::Serialize;
use serde_json::Value;

/// One kind of event a client sends.
pub trait ClientEvent: Sized + Send + 'static {
    /// The event's name on the wire.
    const NAME: &'static str;
    /// What the sender's role must allow, checked before the payload is
    /// read (a volunteer's `seeker:request` is `forbidden` whatever it holds).
    const ROLE: Option<RoleAction> = None;
    /// Payload fields that name the sender (`seniorId`, `senderId`, …):
    /// each must be absent or the sender's own id, because identity comes
    /// from the token alone.
    const SENDER_FIELDS: &'static [&'static str];
    /// The body of a successful acknowledgement, beside `"ok": true`.
    type Reply: Serialize + Send + 'static;

    /// Reads the event's own fields.
    fn parse(fields: &Fields<'_>) -> Result<Self, DomainError>;
}

/// Reads `payload` as event `E` from a sender with `role` and id `sender`:
/// the role rule, the payload's shape, the sender fields, then the fields.
pub fn read<E: ClientEvent>(payload: &Value, sender: &str, role: Role) -> Result<E, DomainError> {
    if let Some(action) = E::ROLE {
        require_role(role, action)?;
    }
    let fields = Fields::of(payload)?;
    for name in E::SENDER_FIELDS {
        fields.caller_field(name, sender)?;
    }
    E::parse(&fields)
}

/// Fields that name a seeker sending a request event.
const SEEKER_SELF: &[&str] = &["seniorId", "userId"];
/// Fields that name a volunteer answering one.
const VOLUNTEER_SELF: &[&str] = &["volunteerId", "userId"];
/// Fields that name a participant of a conversation.
const PARTICIPANT_SELF: &[&str] = &["senderId", "userId"];
/// The field that names the sender of other events.
const USER_SELF: &[&str] = &["userId"];

/// Declares a client event: its type, wire name, sender fields, reply
/// type and (optionally) role, with `parse` written beside it.
macro_rules! client_event {
    ($event:ty, $name:literal, $sender:expr, $reply:ty $(, role = $role:expr)?) => {
        impl $crate::inbound::ClientEvent for $event {
            const NAME: &'static str = $name;
            $(const ROLE: Option<$crate::permissions::RoleAction> = Some($role);)?
            const SENDER_FIELDS: &'static [&'static str] = $sender;
            type Reply = $reply;

            fn parse(
                fields: &$crate::input::Fields<'_>,
            ) -> Result<Self, $crate::error::DomainError> {
                Self::from_fields(fields)
            }
        }
    };
}
use client_event;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_role_is_checked_before_the_payload() {
        let volunteer = read::<SeekerRequest>(&json!(7), "v", Role::Volunteer);
        assert!(matches!(volunteer, Err(DomainError::Forbidden(_))));
        let seeker = read::<SeekerRequest>(&json!(7), "s", Role::Seeker);
        assert!(matches!(seeker, Err(DomainError::Invalid(_))));
    }

    #[test]
    fn sender_fields_must_name_the_sender() {
        let mine = json!({"conversationId": "c", "senderId": "me"});
        assert!(read::<TypingStart>(&mine, "me", Role::Seeker).is_ok());
        let theirs = json!({"conversationId": "c", "senderId": "you"});
        assert!(matches!(
            read::<TypingStart>(&theirs, "me", Role::Seeker),
            Err(DomainError::Forbidden(_))
        ));
        // Checked before the event's own fields.
        let both_wrong = json!({"userId": "you"});
        assert!(matches!(
            read::<TypingStart>(&both_wrong, "me", Role::Seeker),
            Err(DomainError::Forbidden(_))
        ));
    }

    #[test]
    fn names_are_the_protocol_names() {
        assert_eq!(SeekerRequest::NAME, "seeker:request");
        assert_eq!(MessageSend::NAME, "message:send");
        assert_eq!(CallStatsReport::NAME, "call:stats");
        assert_eq!(WebrtcIce::NAME, "webrtc:ice");
    }
}
