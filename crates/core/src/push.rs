//! Web Push, the domain part: a browser's subscription as the server
//! accepts it, a user's notification settings (quiet hours, whether names
//! may show), and the notices that are pushed — their kinds, words and
//! links. A notice never carries what anyone wrote: no message text, no
//! request note, no file name; a display name only when the recipient
//! allows it (a lock screen is not private).

use crate::error::DomainError;
use crate::ids::{CallId, ConversationId, RequestId};
use crate::input::Fields;
use crate::request::RequestType;
use crate::time::Timestamp;
use crate::wire::wire_enum;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::Value;

/// Most subscriptions (devices) one user may have.
pub const MAX_SUBSCRIPTIONS_PER_USER: usize = 10;
/// Longest endpoint URL accepted (real ones are 150–500 characters).
pub const MAX_ENDPOINT_CHARS: usize = 2048;
/// Length of the browser's P-256 public key, uncompressed (`0x04 ‖ x ‖ y`).
pub const P256DH_BYTES: usize = 65;
/// Length of the browser's authentication secret.
pub const AUTH_BYTES: usize = 16;

/// A browser's `PushSubscription.toJSON()`, checked: an `https://`
/// endpoint (or `http://` on loopback when the operator allows it, for
/// tests), and keys of the right sizes. The key bytes are kept as the
/// browser sent them (base64url); whether `p256dh` is a point on the curve
/// is checked where the curve is known (the server's push module).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionDraft {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    /// When the browser says the subscription lapses, if it says.
    pub expiration_time: Option<Timestamp>,
}

impl SubscriptionDraft {
    /// Parses a subscription; `allow_insecure` also admits `http://`
    /// endpoints on a loopback address.
    pub fn parse(value: &Value, allow_insecure: bool) -> Result<Self, DomainError> {
        let fields = Fields::of(value)?;
        let endpoint = fields.str("endpoint", 1, MAX_ENDPOINT_CHARS)?;
        let endpoint = check_endpoint(endpoint, allow_insecure)?;
        let expiration_time = match value.get("expirationTime") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_f64() {
                Some(ms) if (0.0..1e15).contains(&ms) => Some(Timestamp::from_millis(ms as i64)),
                _ => return Err(DomainError::invalid("expirationTime must be a time in ms")),
            },
            Some(_) => {
                return Err(DomainError::invalid(
                    "expirationTime must be a number or null",
                ));
            }
        };
        let keys = Fields::of(
            value
                .get("keys")
                .ok_or_else(|| DomainError::invalid("keys is required"))?,
        )
        .map_err(|_| DomainError::invalid("keys must be an object"))?;
        let p256dh = key(&keys, "p256dh", P256DH_BYTES)?;
        if p256dh.first() != Some(&0x04) {
            return Err(DomainError::invalid(
                "keys.p256dh must be an uncompressed P-256 point",
            ));
        }
        key(&keys, "auth", AUTH_BYTES)?;
        Ok(Self {
            endpoint,
            p256dh: canonical(&keys, "p256dh")?,
            auth: canonical(&keys, "auth")?,
            expiration_time,
        })
    }
}

/// Decodes base64url, padded or not (browsers send it unpadded).
pub fn decode_key(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok()
}

fn key(keys: &Fields<'_>, name: &str, bytes: usize) -> Result<Vec<u8>, DomainError> {
    let text = keys
        .str(name, 1, 200)
        .map_err(|_| DomainError::invalid(format!("keys.{name} must be a base64url string")))?;
    match decode_key(text) {
        Some(decoded) if decoded.len() == bytes => Ok(decoded),
        Some(_) => Err(DomainError::invalid(format!(
            "keys.{name} must be {bytes} bytes"
        ))),
        None => Err(DomainError::invalid(format!(
            "keys.{name} must be base64url"
        ))),
    }
}

fn canonical(keys: &Fields<'_>, name: &str) -> Result<String, DomainError> {
    let text = keys.str(name, 1, 200)?;
    Ok(text.trim_end_matches('=').to_owned())
}

/// Checks an endpoint and returns it normalized (as the `url` crate
/// writes it: ASCII, lower-case host, no default port), which is how it is
/// stored and looked up. It must be an absolute `https://` URL with a host
/// and no credentials, naming a public host: the server POSTs to it, so an
/// address inside the operator's network (loopback, private, link-local,
/// …) is refused. With `allow_insecure` (tests), loopback is allowed, over
/// `http://` too.
pub fn check_endpoint(endpoint: &str, allow_insecure: bool) -> Result<String, DomainError> {
    let url = url::Url::parse(endpoint)
        .map_err(|_| DomainError::invalid("endpoint must be an absolute URL"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(DomainError::invalid("endpoint must not carry credentials"));
    }
    let (loopback, public) = match url.host() {
        Some(url::Host::Ipv4(ip)) => (ip.is_loopback(), is_public(ip.into())),
        Some(url::Host::Ipv6(ip)) => (ip.is_loopback(), is_public(ip.into())),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.');
            let local = name == "localhost" || name.ends_with(".localhost");
            (local, !local)
        }
        None => return Err(DomainError::invalid("endpoint must have a host")),
    };
    if !(public || (allow_insecure && loopback)) {
        return Err(DomainError::invalid(
            "endpoint must be on a public host (a push service)",
        ));
    }
    let normalized = url.as_str().to_owned();
    if normalized.len() > MAX_ENDPOINT_CHARS {
        return Err(DomainError::invalid(format!(
            "endpoint must be at most {MAX_ENDPOINT_CHARS} bytes"
        )));
    }
    match url.scheme() {
        "https" => Ok(normalized),
        "http" if allow_insecure && loopback => Ok(normalized),
        _ => Err(DomainError::invalid("endpoint must be an https:// URL")),
    }
}

/// An endpoint as it is stored ([`check_endpoint`]'s normal form), for
/// looking one up; text that is not a URL is kept as it is (it matches
/// nothing).
pub fn normalize_endpoint(endpoint: &str) -> String {
    url::Url::parse(endpoint).map_or_else(|_| endpoint.to_owned(), |url| url.as_str().to_owned())
}

/// Whether an address is on the public internet: not loopback, private,
/// link-local, shared (CGNAT), documentation, benchmarking, multicast,
/// broadcast, reserved or unspecified. The server connects to push
/// services only at such addresses.
pub fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            let segments = v6.segments();
            // Addresses that carry an IPv4 one: mapped (::ffff:a.b.c.d),
            // compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4
            // (2002:aabb:ccdd::) are as public as the address they carry.
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let embedded = |hi: u16, lo: u16| {
                std::net::Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8)
            };
            if segments[..6] == [0, 0, 0, 0, 0, 0] && !v6.is_loopback() && !v6.is_unspecified() {
                return is_public(IpAddr::V4(embedded(segments[6], segments[7])));
            }
            if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                return is_public(IpAddr::V4(embedded(segments[6], segments[7])));
            }
            if segments[0] == 0x2002 {
                return is_public(IpAddr::V4(embedded(segments[1], segments[2])));
            }
            let first = segments[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first == 0x2001 && v6.segments()[1] == 0x0db8))
        }
    }
}

/// What a subscription looks like to its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionInfo {
    pub endpoint: String,
    pub expiration_time: Option<i64>,
    pub created_at: Timestamp,
}

/// A time of day, in minutes after midnight (`"HH:MM"` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeOfDay(u16);

impl TimeOfDay {
    /// Parses `"HH:MM"`, 24-hour.
    pub fn parse(text: &str) -> Option<Self> {
        let (h, m) = text.split_once(':')?;
        let digits = |part: &str| part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit());
        if !digits(h) || !digits(m) {
            return None;
        }
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60).then_some(Self(h * 60 + m))
    }

    /// Minutes after midnight.
    pub fn minutes(self) -> u16 {
        self.0
    }
}

impl std::fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// Hours in which a volunteer is not offered requests by push, in their
/// own time zone; `from` after `to` spans midnight (22:00–08:00).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuietHours {
    pub from: TimeOfDay,
    pub to: TimeOfDay,
    /// An IANA time zone name (`Europe/London`), checked to exist.
    pub time_zone: String,
}

impl QuietHours {
    /// Builds quiet hours from stored or wire parts.
    pub fn new(from: &str, to: &str, time_zone: &str) -> Result<Self, DomainError> {
        let from = TimeOfDay::parse(from)
            .ok_or_else(|| DomainError::invalid("quietHours.from must be a time HH:MM"))?;
        let to = TimeOfDay::parse(to)
            .ok_or_else(|| DomainError::invalid("quietHours.to must be a time HH:MM"))?;
        if from == to {
            return Err(DomainError::invalid(
                "quietHours must not start and end at the same time",
            ));
        }
        if time_zone.len() > 64 || jiff::tz::TimeZone::get(time_zone).is_err() {
            return Err(DomainError::invalid(
                "quietHours.timeZone must be a time zone such as Europe/London",
            ));
        }
        Ok(Self {
            from,
            to,
            time_zone: time_zone.to_owned(),
        })
    }

    /// Whether `at` falls inside the quiet hours, on the wall clock of the
    /// time zone (so they follow daylight-saving changes).
    pub fn contains(&self, at: Timestamp) -> bool {
        let Ok(zone) = jiff::tz::TimeZone::get(&self.time_zone) else {
            return false;
        };
        let Ok(instant) = jiff::Timestamp::from_millisecond(at.millis()) else {
            return false;
        };
        let local = zone.to_datetime(instant);
        let now = local.hour() as u16 * 60 + local.minute() as u16;
        let (from, to) = (self.from.0, self.to.0);
        if from < to {
            from <= now && now < to
        } else {
            now >= from || now < to
        }
    }
}

impl Serialize for QuietHours {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde_json::json!({
            "from": self.from.to_string(),
            "to": self.to.to_string(),
            "timeZone": self.time_zone,
        })
        .serialize(serializer)
    }
}

/// A user's notification settings (`GET/PUT /api/me/settings`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserSettings {
    pub quiet_hours: Option<QuietHours>,
    /// Whether notices may name people (off by default: lock screens).
    pub push_show_names: bool,
}

/// A `PUT /api/me/settings` body: only the keys given change;
/// `"quietHours": null` clears them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsPatch {
    pub quiet_hours: Option<Option<QuietHours>>,
    pub push_show_names: Option<bool>,
}

impl SettingsPatch {
    /// Parses the body; unknown keys are refused, so a typo is not a
    /// silent no-op.
    pub fn parse(value: &Value) -> Result<Self, DomainError> {
        let fields = Fields::of(value)?;
        if let Value::Object(map) = value
            && let Some(unknown) = map
                .keys()
                .find(|k| !matches!(k.as_str(), "quietHours" | "pushShowNames"))
        {
            return Err(DomainError::invalid(format!("unknown setting {unknown}")));
        }
        let quiet_hours = match value.get("quietHours") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::Object(_)) => {
                let quiet = Fields::of(&value["quietHours"])?;
                Some(Some(QuietHours::new(
                    quiet
                        .str("from", 5, 5)
                        .map_err(|_| DomainError::invalid("quietHours.from must be HH:MM"))?,
                    quiet
                        .str("to", 5, 5)
                        .map_err(|_| DomainError::invalid("quietHours.to must be HH:MM"))?,
                    quiet.str("timeZone", 1, 64).map_err(|_| {
                        DomainError::invalid("quietHours.timeZone must be a time zone name")
                    })?,
                )?))
            }
            Some(_) => {
                return Err(DomainError::invalid("quietHours must be an object or null"));
            }
        };
        Ok(Self {
            quiet_hours,
            push_show_names: fields.opt_bool("pushShowNames")?,
        })
    }

    /// The settings after this change.
    pub fn apply(self, mut settings: UserSettings) -> UserSettings {
        if let Some(quiet) = self.quiet_hours {
            settings.quiet_hours = quiet;
        }
        if let Some(show) = self.push_show_names {
            settings.push_show_names = show;
        }
        settings
    }
}

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
    use serde_json::json;

    fn subscription(endpoint: &str) -> Value {
        json!({
            "endpoint": endpoint,
            "expirationTime": null,
            "keys": {
                "p256dh": URL_SAFE_NO_PAD.encode([4u8; 65]),
                "auth": URL_SAFE_NO_PAD.encode([7u8; 16]),
            }
        })
    }

    #[test]
    fn endpoints_must_be_https_unless_loopback_is_allowed() {
        let ok = subscription("https://push.example.net/send/abc");
        assert!(SubscriptionDraft::parse(&ok, false).is_ok());
        let plain = subscription("http://127.0.0.1:9000/push/abc");
        assert!(SubscriptionDraft::parse(&plain, false).is_err());
        assert!(SubscriptionDraft::parse(&plain, true).is_ok());
        let remote = subscription("http://push.example.net/abc");
        assert!(SubscriptionDraft::parse(&remote, true).is_err());
        let normal =
            SubscriptionDraft::parse(&subscription("https://PUSH.Example.net:443/a"), false)
                .expect("valid");
        assert_eq!(normal.endpoint, "https://push.example.net/a");
        assert_eq!(
            normalize_endpoint("https://PUSH.example.net:443/a"),
            normal.endpoint
        );
        let nat64 = subscription("https://[64:ff9b::808:808]/a");
        assert!(
            SubscriptionDraft::parse(&nat64, false).is_ok(),
            "8.8.8.8 through NAT64"
        );
        for bad in [
            "ftp://x/y",
            "not a url",
            "https://user:pw@push.example.net/a",
            "https://127.0.0.1/a",
            "https://localhost/a",
            "https://10.1.2.3/a",
            "https://169.254.169.254/latest",
            "https://[::1]/a",
            "https://[fd00::1]/a",
            "https://[::ffff:192.168.0.1]/a",
            "https://100.64.0.1/a",
            "https://localhost./a",
            "https://[64:ff9b::a00:1]/a",
            "https://[2002:c0a8:1::]/a",
            "https://[::10.0.0.1]/a",
        ] {
            assert!(
                SubscriptionDraft::parse(&subscription(bad), false).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn keys_must_have_their_sizes() {
        let mut value = subscription("https://push.example.net/a");
        value["keys"]["auth"] = json!(URL_SAFE_NO_PAD.encode([1u8; 15]));
        assert!(SubscriptionDraft::parse(&value, false).is_err());
        let mut value = subscription("https://push.example.net/a");
        value["keys"]["p256dh"] = json!(URL_SAFE_NO_PAD.encode([2u8; 65]));
        assert!(SubscriptionDraft::parse(&value, false).is_err());
        let mut value = subscription("https://push.example.net/a");
        value["keys"]["p256dh"] = json!("***");
        assert!(SubscriptionDraft::parse(&value, false).is_err());
        let mut value = subscription("https://push.example.net/a");
        value["keys"] = json!(null);
        assert!(SubscriptionDraft::parse(&value, false).is_err());
        let mut value = subscription("https://push.example.net/a");
        value["keys"]["auth"] = json!(format!("{}==", URL_SAFE_NO_PAD.encode([1u8; 16])));
        let parsed = SubscriptionDraft::parse(&value, false).expect("padded is fine");
        assert!(!parsed.auth.ends_with('='));
    }

    #[test]
    fn quiet_hours_span_midnight_on_the_local_clock() {
        let quiet = QuietHours::new("22:00", "08:00", "Europe/London").expect("valid");
        // 2026-07-01 21:30 UTC is 22:30 in London (BST): quiet.
        let summer_evening = Timestamp::from_millis(1_782_941_400_000);
        assert!(quiet.contains(summer_evening));
        // 2026-12-01 21:30 UTC is 21:30 in London (GMT): not yet quiet.
        let winter_evening = Timestamp::from_millis(1_796_160_600_000);
        assert!(!quiet.contains(winter_evening));
        // 07:59 local is quiet, 08:00 is not.
        let day = QuietHours::new("09:00", "17:00", "UTC").expect("valid");
        assert!(day.contains(Timestamp::from_millis(1_796_115_600_000))); // 09:00 UTC
        assert!(!day.contains(Timestamp::from_millis(1_796_144_400_000))); // 17:00 UTC
    }

    #[test]
    fn bad_quiet_hours_are_refused() {
        assert!(QuietHours::new("24:00", "08:00", "UTC").is_err());
        assert!(QuietHours::new("8:00", "09:00", "UTC").is_err());
        assert!(QuietHours::new("+9:05", "09:00", "UTC").is_err());
        assert!(QuietHours::new("08:00", "08:00", "UTC").is_err());
        assert!(QuietHours::new("22:00", "08:00", "Mars/Olympus").is_err());
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let start = UserSettings {
            quiet_hours: Some(QuietHours::new("22:00", "07:00", "UTC").expect("valid")),
            push_show_names: false,
        };
        let names = SettingsPatch::parse(&json!({"pushShowNames": true})).expect("valid");
        let after = names.apply(start.clone());
        assert!(after.push_show_names);
        assert_eq!(after.quiet_hours, start.quiet_hours);
        let clear = SettingsPatch::parse(&json!({"quietHours": null})).expect("valid");
        assert_eq!(clear.apply(after).quiet_hours, None);
        assert!(SettingsPatch::parse(&json!({"quietHour": null})).is_err());
        assert!(SettingsPatch::parse(&json!({"pushShowNames": "yes"})).is_err());
        assert!(SettingsPatch::parse(&json!([])).is_err());
    }

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
