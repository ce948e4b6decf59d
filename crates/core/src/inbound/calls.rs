//! Call events: invite, accept, reject, cancel, hang up, report quality;
//! and WebRTC signaling, relayed between the call's two devices.

use super::{USER_SELF, client_event};
use crate::call::{Call, CallStats, IceCandidate, Media, SessionDescription};
use crate::error::DomainError;
use crate::input::Fields;
use crate::{CallId, ConversationId};
use serde::Serialize;

/// `call:invite`: ring the other participant of a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallInvite {
    /// Where to call.
    pub conversation_id: ConversationId,
    /// Voice or video.
    pub media: Media,
}
client_event!(CallInvite, "call:invite", USER_SELF, CallReply);

impl CallInvite {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        let conversation_id = ConversationId::from_trusted(fields.id("conversationId")?);
        let media = fields
            .opt_enum("media", &["voice", "video"], Media::parse)?
            .ok_or_else(|| DomainError::invalid("media is required"))?;
        Ok(Self {
            conversation_id,
            media,
        })
    }
}

/// The answer to every call event but signaling: the call as it is now.
#[derive(Debug, Clone, Serialize)]
pub struct CallReply {
    /// The call.
    pub call: Call,
}

/// Declares a call event whose payload is only `{"callId"}`.
macro_rules! call_id_event {
    ($(#[$doc:meta])* $event:ident = $name:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $event {
            /// The call.
            pub call_id: CallId,
        }
        client_event!($event, $name, USER_SELF, CallReply);

        impl $event {
            fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
                Ok(Self {
                    call_id: CallId::from_trusted(fields.id("callId")?),
                })
            }
        }
    };
}

call_id_event!(
    /// `call:accept`: a callee device answers a ringing call.
    CallAccept = "call:accept"
);
call_id_event!(
    /// `call:reject`: the callee declines a ringing call.
    CallReject = "call:reject"
);
call_id_event!(
    /// `call:cancel`: the caller withdraws a ringing call.
    CallCancel = "call:cancel"
);
call_id_event!(
    /// `call:hangup`: either participant ends an active call.
    CallHangup = "call:hangup"
);
/// `call:resume`: a device of a participant that reconnected (to any node,
/// or after a reload) takes the call's signaling over from the device that
/// was lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallResume {
    /// The call.
    pub call_id: CallId,
    /// Whether a fresh connection follows (default). `false`: the device's
    /// media connection survived its reconnect and only signaling moves.
    pub renegotiate: bool,
}
client_event!(CallResume, "call:resume", USER_SELF, CallReply);

impl CallResume {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        Ok(Self {
            call_id: CallId::from_trusted(fields.id("callId")?),
            renegotiate: fields.opt_bool("renegotiate")?.unwrap_or(true),
        })
    }
}

/// `call:stats`: one side's report of the call's quality.
#[derive(Debug, Clone, PartialEq)]
pub struct CallStatsReport {
    /// The call.
    pub call_id: CallId,
    /// At least one metric.
    pub stats: CallStats,
}
client_event!(CallStatsReport, "call:stats", USER_SELF, CallReply);

impl CallStatsReport {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        let (call_id, stats) = CallStats::parse(fields)?;
        Ok(Self { call_id, stats })
    }
}

/// `webrtc:offer`: an SDP offer for the other device of the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebrtcOffer(pub SessionDescription);
client_event!(WebrtcOffer, "webrtc:offer", USER_SELF, ());

impl WebrtcOffer {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        SessionDescription::parse(fields).map(Self)
    }
}

/// `webrtc:answer`: an SDP answer for the other device of the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebrtcAnswer(pub SessionDescription);
client_event!(WebrtcAnswer, "webrtc:answer", USER_SELF, ());

impl WebrtcAnswer {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        SessionDescription::parse(fields).map(Self)
    }
}

/// `webrtc:ice`: an ICE candidate for the other device of the call.
#[derive(Debug, Clone, PartialEq)]
pub struct WebrtcIce(pub IceCandidate);
client_event!(WebrtcIce, "webrtc:ice", USER_SELF, ());

impl WebrtcIce {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        IceCandidate::parse(fields).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inbound::read;
    use crate::user::Role;
    use serde_json::json;

    #[test]
    fn invites() {
        let ok = read::<CallInvite>(
            &json!({"conversationId":"c","media":"video"}),
            "me",
            Role::Seeker,
        )
        .expect("ok");
        assert_eq!(ok.media, Media::Video);
        for bad in [
            json!({"conversationId":"c"}),
            json!({"media":"voice"}),
            json!({"conversationId":"c","media":"fax"}),
            json!({"conversationId":7,"media":"voice"}),
        ] {
            assert!(matches!(
                read::<CallInvite>(&bad, "me", Role::Seeker),
                Err(DomainError::Invalid(_))
            ));
        }
    }

    #[test]
    fn call_ids_are_required() {
        assert!(read::<CallHangup>(&json!({"callId":"k"}), "me", Role::Volunteer).is_ok());
        assert!(matches!(
            read::<CallHangup>(&json!({"callId":""}), "me", Role::Volunteer),
            Err(DomainError::Invalid(_))
        ));
    }
}
