//! What is pushed: the kinds, the words and links of each notice, the
//! RFC 8030 headers' values, and a push as queued and as claimed.

use crate::ids::{AlertId, CallId, CheckinId, ConversationId, RequestId, WelfareId};
use crate::request::RequestType;
use crate::time::Timestamp;
use crate::wire::wire_enum;
use serde::Serialize;

wire_enum!(
    /// What a push tells of.
    PushKind {
        /// A help request offered to an on-call volunteer.
        Request = "request",
        /// That request was taken, cancelled or expired: take the notice away.
        RequestClosed = "request_closed",
        /// A seeker's request was accepted.
        Session = "session",
        /// New messages in a conversation.
        Message = "message",
        /// A call is ringing.
        Call = "call",
        /// That call was not answered.
        CallMissed = "call_missed",
        /// That call was answered or declined (on another device): take
        /// the ringing notice away.
        CallClosed = "call_closed",
        /// A safety alert or welfare check, to a support agent.
        Alert = "alert",
        /// A check-in is soon.
        Checkin = "checkin",
    }
);

wire_enum!(
    /// RFC 8030's `Urgency`: how soon the push service should wake the
    /// device (high for requests and calls, which someone is waiting on).
    Urgency { VeryLow = "very-low", Low = "low", Normal = "normal", High = "high" }
);

/// The JSON a service worker receives: `{"kind","title","body","url","tag"}`.
/// `tag` groups notices on the device (a later one with the same tag
/// replaces or closes it); `url` is the app screen a tap opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub kind: PushKind,
    pub title: String,
    pub body: String,
    pub url: String,
    pub tag: String,
}

impl Notice {
    /// A request offered to an on-call volunteer.
    pub fn request(request: &RequestId, wanted: RequestType, seeker: Option<&str>) -> Self {
        let what = match wanted {
            RequestType::Chat => "a chat",
            RequestType::Voice => "a voice call",
            RequestType::Video => "a video call",
        };
        Self {
            kind: PushKind::Request,
            title: match seeker {
                Some(name) => format!("{name} would like {what}"),
                None => format!("Someone would like {what}"),
            },
            body: "Open Helpline to answer.".to_owned(),
            url: format!("/?request={request}"),
            tag: request_tag(request),
        }
    }

    /// A request that waited too long, to a support agent. Of kind
    /// `request`, with the request's tag: it is taken back like the
    /// volunteers' notices when the request closes.
    pub fn escalation(request: &RequestId, seeker: Option<&str>) -> Self {
        Self {
            kind: PushKind::Request,
            title: match seeker {
                Some(name) => format!("{name} has been waiting a while"),
                None => "Someone has been waiting a while".to_owned(),
            },
            body: "Nobody has answered yet. Open Helpline to help.".to_owned(),
            url: "/".to_owned(),
            tag: request_tag(request),
        }
    }

    /// A safety alert, to a support agent (`name`: the person who raised
    /// it, when the agent allows names).
    pub fn alert(alert: &AlertId, name: Option<&str>) -> Self {
        Self {
            kind: PushKind::Alert,
            title: match name {
                Some(name) => format!("Safety alert from {name}"),
                None => "Safety alert".to_owned(),
            },
            body: "Someone needs help now. Open Helpline.".to_owned(),
            url: "/".to_owned(),
            tag: format!("alert-{alert}"),
        }
    }

    /// A scam-guard alert, to a support agent (`name`: the seeker the
    /// flagged messages were to, when the agent allows names).
    pub fn scam_alert(alert: &AlertId, name: Option<&str>) -> Self {
        Self {
            kind: PushKind::Alert,
            title: match name {
                Some(name) => format!("Scam warning: messages to {name}"),
                None => "Scam warning".to_owned(),
            },
            body: "Messages to a seeker look like a scam. Open Helpline.".to_owned(),
            url: "/".to_owned(),
            tag: format!("alert-{alert}"),
        }
    }

    /// A welfare check, to a support agent (`name`: the seeker, when the
    /// agent allows names).
    pub fn welfare(task: &WelfareId, name: Option<&str>) -> Self {
        Self {
            kind: PushKind::Alert,
            title: match name {
                Some(name) => format!("Welfare check: {name}"),
                None => "Welfare check".to_owned(),
            },
            body: "Someone may need a call from staff. Open Helpline.".to_owned(),
            url: "/".to_owned(),
            tag: format!("welfare-{task}"),
        }
    }

    /// A check-in soon, to either person (`name`: the other person, when
    /// names may show).
    pub fn checkin_soon(checkin: &CheckinId, name: Option<&str>) -> Self {
        Self {
            kind: PushKind::Checkin,
            title: "Your check-in is in 10 minutes".to_owned(),
            body: match name {
                Some(name) => format!("Your regular check-in with {name}. Open Helpline."),
                None => "Your regular check-in. Open Helpline.".to_owned(),
            },
            url: "/".to_owned(),
            tag: format!("checkin-{checkin}"),
        }
    }

    /// The request was taken, cancelled or expired.
    pub fn request_closed(request: &RequestId) -> Self {
        Self {
            kind: PushKind::RequestClosed,
            title: String::new(),
            body: String::new(),
            url: "/".to_owned(),
            tag: request_tag(request),
        }
    }

    /// A seeker's request was accepted.
    pub fn session(conversation: &ConversationId, volunteer: Option<&str>) -> Self {
        Self {
            kind: PushKind::Session,
            title: match volunteer {
                Some(name) => format!("{name} is ready to talk"),
                None => "A volunteer is ready to talk".to_owned(),
            },
            body: "Open Helpline to start.".to_owned(),
            url: chat_url(conversation),
            tag: format!("session-{conversation}"),
        }
    }

    /// New messages in a conversation.
    pub fn message(conversation: &ConversationId, sender: Option<&str>) -> Self {
        Self {
            kind: PushKind::Message,
            title: match sender {
                Some(name) => format!("New message from {name}"),
                None => "New message".to_owned(),
            },
            body: "Open Helpline to read it.".to_owned(),
            url: chat_url(conversation),
            tag: format!("conversation-{conversation}"),
        }
    }

    /// A call ringing for its callee.
    pub fn call(
        call: &CallId,
        conversation: &ConversationId,
        video: bool,
        caller: Option<&str>,
    ) -> Self {
        let what = if video { "video call" } else { "voice call" };
        Self {
            kind: PushKind::Call,
            title: match caller {
                Some(name) => format!("{name} is calling you"),
                None => format!("Incoming {what}"),
            },
            body: format!("A {what}. Open Helpline to answer."),
            url: format!("{}?call={call}", chat_url(conversation)),
            tag: format!("call-{call}"),
        }
    }

    /// A call its callee did not answer.
    pub fn call_missed(call: &CallId, conversation: &ConversationId, caller: Option<&str>) -> Self {
        Self {
            kind: PushKind::CallMissed,
            title: match caller {
                Some(name) => format!("Missed call from {name}"),
                None => "Missed call".to_owned(),
            },
            body: "Open Helpline to call back or send a message.".to_owned(),
            url: chat_url(conversation),
            tag: format!("call-{call}"),
        }
    }

    /// A call that was answered or declined: the ringing notice goes.
    pub fn call_closed(call: &CallId, conversation: &ConversationId) -> Self {
        Self {
            kind: PushKind::CallClosed,
            title: String::new(),
            body: String::new(),
            url: chat_url(conversation),
            tag: format!("call-{call}"),
        }
    }

    /// The payload as sent (before encryption).
    pub fn to_json(&self) -> String {
        // A struct of strings and a wire enum always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }
}

fn request_tag(request: &RequestId) -> String {
    format!("request-{request}")
}

fn chat_url(conversation: &ConversationId) -> String {
    format!("/chats/{conversation}")
}

/// RFC 8030 `Topic` for pushes about one thing (a conversation, a request,
/// a call): at most 32 characters of the base64url alphabet, so a uuid's
/// 32 hex digits. A newer push with the same topic replaces one the push
/// service still holds.
pub fn topic_of(id: &str) -> String {
    id.chars()
        .filter(char::is_ascii_alphanumeric)
        .take(32)
        .collect()
}

/// One push to queue for every device of `user` (the store writes one row
/// per subscription the user has when it is queued).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingPush {
    pub user: crate::ids::UserId,
    pub notice: Notice,
    pub urgency: Urgency,
    pub topic: Option<String>,
    /// After this the push is not worth delivering (the `TTL` counts down
    /// to it; a request's expiry, a call's ring deadline).
    pub expires_at: Timestamp,
    /// Queued only if this request is still pending when the push is
    /// written (a request push must not outlive its request).
    pub while_pending: Option<RequestId>,
}

/// A queued push claimed for sending, with its device's keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedPush {
    pub id: i64,
    pub endpoint: String,
    pub user: crate::ids::UserId,
    pub p256dh: String,
    pub auth: String,
    pub kind: PushKind,
    /// The notice's JSON, as it is encrypted.
    pub payload: String,
    pub urgency: Urgency,
    pub topic: Option<String>,
    pub expires_at: Timestamp,
    /// Attempts so far, this one included.
    pub attempts: i32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn notices_name_people_only_when_given_names() {
        let request = RequestId::generate();
        let anonymous = Notice::request(&request, RequestType::Voice, None);
        assert_eq!(anonymous.title, "Someone would like a voice call");
        assert_eq!(anonymous.tag, format!("request-{request}"));
        assert_eq!(Notice::request_closed(&request).tag, anonymous.tag);
        let named = Notice::request(&request, RequestType::Chat, Some("Margaret"));
        assert_eq!(named.title, "Margaret would like a chat");
        let json: Value = serde_json::from_str(&named.to_json()).expect("json");
        assert_eq!(json["kind"], "request");
        assert_eq!(
            json.as_object().map(|o| o.len()),
            Some(5),
            "kind, title, body, url, tag"
        );
    }

    #[test]
    fn topics_fit_rfc_8030() {
        let id = ConversationId::generate();
        let topic = topic_of(id.as_str());
        assert!(topic.len() <= 32);
        assert!(topic.chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
