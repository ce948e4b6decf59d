//! Caregivers, with consent: a seeker invites a family member or carer
//! with a one-time code; the caregiver redeems it and from then on sees,
//! for that seeker, when they last had contact with the helpline, this
//! week's chats and calls (when, how long, and the volunteer's name only
//! if the seeker allows it) and any open safety alert — never what anyone
//! wrote or said, and nothing that would let them fetch it (no
//! conversation, message or call ids, no alert notes). Every look is
//! recorded and the seeker sees it; the seeker removes a caregiver at any
//! time.
//!
//! This module holds the rules (the code's alphabet and length, how a
//! typed code is read, how long things last) and the shapes that travel.

use crate::error::DomainError;
use crate::ids::{InvitationId, UserId};
use crate::input::Fields;
use crate::time::Timestamp;
use crate::user::Role;
use crate::wire::wire_enum;
use serde::Serialize;
use std::time::Duration;

/// The letters and digits a code is made of: no `0 O 1 I L`, which read
/// alike, so a code read out over the phone is typed right.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// Characters in a code (31^10, about 8 × 10^14 codes).
pub const CODE_LEN: usize = 10;

/// How long an invitation may be redeemed.
pub const INVITATION_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// How far back the caregiving summary counts chats and calls.
pub const SUMMARY_WINDOW: Duration = Duration::from_secs(7 * 24 * 3600);

/// Most unredeemed invitations a seeker may have at once.
pub const MAX_PENDING_INVITATIONS: i64 = 5;

/// Most recent views listed per caregiver (`viewCount` counts them all).
pub const VIEWS_LISTED: i64 = 100;

/// Reads a code as typed: case, spaces and dashes do not matter.
/// `invalid` unless what remains is [`CODE_LEN`] characters of
/// [`CODE_ALPHABET`].
pub fn read_code(typed: &str) -> Result<String, DomainError> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let ok = code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b));
    if ok {
        Ok(code)
    } else {
        Err(DomainError::invalid(format!(
            "a code is {CODE_LEN} letters and digits, like ABCDE-23456"
        )))
    }
}

/// A code as shown to people: two groups of five, `ABCDE-23456`.
pub fn display_code(code: &str) -> String {
    let (head, tail) = code.split_at(code.len().min(CODE_LEN / 2));
    if tail.is_empty() {
        head.to_owned()
    } else {
        format!("{head}-{tail}")
    }
}

/// Parses `POST /api/caregiving/redeem {"code"}`.
pub fn redeem_body(fields: &Fields<'_>) -> Result<String, DomainError> {
    read_code(fields.str("code", 1, 64)?)
}

/// Parses `PUT /api/caregivers/{id} {"showVolunteerNames"}`.
pub fn show_names_body(fields: &Fields<'_>) -> Result<bool, DomainError> {
    fields
        .opt_bool("showVolunteerNames")?
        .ok_or_else(|| DomainError::invalid("showVolunteerNames is required"))
}

/// An unredeemed invitation, as its seeker sees it (the code itself is
/// shown once, when it is made: only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invitation {
    /// Its id, to cancel it.
    pub id: InvitationId,
    /// When it was made.
    pub created_at: Timestamp,
    /// After this it can no longer be redeemed.
    pub expires_at: Timestamp,
}

/// A caregiver as the seeker who invited them sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Caregiver {
    /// The caregiver's user id.
    pub caregiver_id: UserId,
    /// Their display name.
    pub name: String,
    /// When they redeemed the invitation.
    pub since: Timestamp,
    /// Whether they see the names of the volunteers the seeker talked to.
    pub show_volunteer_names: bool,
    /// How many times they looked, ever.
    pub view_count: i64,
    /// When they looked, newest first (the last [`VIEWS_LISTED`]).
    pub views: Vec<Timestamp>,
}

/// The result of redeeming a code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Link {
    /// The seeker who invited the caregiver.
    pub seeker_id: UserId,
    /// Their display name.
    pub seeker_name: String,
    /// From now.
    pub since: Timestamp,
}

wire_enum!(
    /// What a contact was.
    ContactKind {
        /// A chat (a help request's conversation or a direct one).
        Chat = "chat",
        /// A voice or video call that was answered.
        Call = "call"
    }
);

/// One chat or call in the summary's window: when and how long, and with
/// whom only as far as the seeker allows. Nothing said in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    /// Chat or call.
    pub kind: ContactKind,
    /// When a chat began or a call was answered.
    pub at: Timestamp,
    /// A chat's last activity, a call's end; none while a call is live.
    pub until: Option<Timestamp>,
    /// A call's length in seconds, once it ended.
    pub duration_secs: Option<i64>,
    /// The other person's role: volunteer or support.
    pub with: Role,
    /// The volunteer's (or staff member's) name, only if the seeker allows
    /// names to be shown.
    pub volunteer_name: Option<String>,
}

/// An unresolved safety alert about the seeker, without its note (the
/// note is what someone wrote, so it is content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenAlert {
    /// Open or acknowledged.
    pub status: crate::alerts::AlertStatus,
    /// When it was raised.
    pub raised_at: Timestamp,
    /// When support said they were on it.
    pub acknowledged_at: Option<Timestamp>,
    /// Who raised it: the seeker, or a volunteer on their behalf (the
    /// seeker for the scam guard's).
    pub raised_by: Role,
    /// A person's alert, or the scam guard's about messages to the seeker.
    pub kind: crate::alerts::AlertKind,
}

/// An open welfare check on the seeker, as a caregiver sees it: why and
/// since when (no names, no conversation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenWelfare {
    /// A dropped call nobody followed up, or missed check-ins.
    pub cause: crate::welfare::WelfareCause,
    /// When the call dropped or the check-in was missed.
    pub since: Timestamp,
    /// When staff were told.
    pub raised_at: Timestamp,
}

/// What a caregiver sees of one seeker who invited them. New lists (such
/// as open welfare tasks) join as further fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeekerSummary {
    /// The seeker's id.
    pub seeker_id: UserId,
    /// Their display name.
    pub name: String,
    /// Since when this caregiver may look.
    pub since: Timestamp,
    /// The latest chat activity or answered call, ever; none if they never
    /// had contact.
    pub last_contact_at: Option<Timestamp>,
    /// Chats with activity in the last seven days.
    pub chats_this_week: usize,
    /// Answered calls in the last seven days.
    pub calls_this_week: usize,
    /// Those chats and calls, newest first.
    pub contacts: Vec<Contact>,
    /// Unresolved safety alerts raised by the seeker or about their chats,
    /// newest first.
    pub open_alerts: Vec<OpenAlert>,
    /// Welfare checks on them that staff have not resolved, newest first.
    pub open_welfare: Vec<OpenWelfare>,
}

impl SeekerSummary {
    /// Counts the chats and calls among `contacts`.
    pub fn counted(mut self) -> Self {
        self.chats_this_week = self
            .contacts
            .iter()
            .filter(|c| c.kind == ContactKind::Chat)
            .count();
        self.calls_this_week = self
            .contacts
            .iter()
            .filter(|c| c.kind == ContactKind::Call)
            .count();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn codes_are_read_forgivingly_but_exactly() {
        assert_eq!(read_code("abcde-23456").ok(), Some("ABCDE23456".into()));
        assert_eq!(read_code(" AbC de 2345 6 ").ok(), Some("ABCDE23456".into()));
        for bad in [
            "",
            "ABCDE2345",
            "ABCDE234567",
            "ABCDO23456",
            "ABCDE2345I",
            "ÄBCDE23456",
        ] {
            assert_eq!(
                read_code(bad).map_err(|e| e.code()),
                Err("invalid"),
                "{bad}"
            );
        }
        assert_eq!(display_code("ABCDE23456"), "ABCDE-23456");
        assert!(CODE_ALPHABET.iter().all(|b| !b"01OIL".contains(b)));
    }

    #[test]
    fn bodies() {
        let ok = json!({"code": "abcde 23456"});
        assert_eq!(
            redeem_body(&Fields::of(&ok).expect("object")).ok(),
            Some("ABCDE23456".into())
        );
        for bad in [json!({}), json!({"code": 5}), json!({"code": "x"})] {
            assert!(redeem_body(&Fields::of(&bad).expect("object")).is_err());
        }
        let on = json!({"showVolunteerNames": true});
        assert_eq!(
            show_names_body(&Fields::of(&on).expect("o")).ok(),
            Some(true)
        );
        for bad in [json!({}), json!({"showVolunteerNames": "yes"})] {
            assert!(show_names_body(&Fields::of(&bad).expect("o")).is_err());
        }
    }

    #[test]
    fn a_summary_never_carries_content_or_ids_to_it() {
        let summary = SeekerSummary {
            seeker_id: UserId::from_trusted("s"),
            name: "Ann".into(),
            since: Timestamp::from_millis(0),
            last_contact_at: None,
            chats_this_week: 0,
            calls_this_week: 0,
            contacts: vec![
                Contact {
                    kind: ContactKind::Chat,
                    at: Timestamp::from_millis(1),
                    until: None,
                    duration_secs: None,
                    with: Role::Volunteer,
                    volunteer_name: None,
                },
                Contact {
                    kind: ContactKind::Call,
                    at: Timestamp::from_millis(2),
                    until: None,
                    duration_secs: Some(60),
                    with: Role::Volunteer,
                    volunteer_name: None,
                },
            ],
            open_alerts: vec![OpenAlert {
                status: crate::alerts::AlertStatus::Open,
                raised_at: Timestamp::from_millis(3),
                acknowledged_at: None,
                raised_by: Role::Seeker,
                kind: crate::alerts::AlertKind::ScamGuard,
            }],
            open_welfare: vec![OpenWelfare {
                cause: crate::welfare::WelfareCause::CallDropped,
                since: Timestamp::from_millis(4),
                raised_at: Timestamp::from_millis(5),
            }],
        }
        .counted();
        assert_eq!((summary.chats_this_week, summary.calls_this_week), (1, 1));
        let text = serde_json::to_string(&summary).expect("json");
        for never in [
            "conversationId",
            "content",
            "note",
            "callId",
            "messageId",
            "evidence",
            "excerpt",
        ] {
            assert!(!text.contains(never), "{never} in {text}");
        }
    }
}
