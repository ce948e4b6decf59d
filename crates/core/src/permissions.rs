//! Who may do what. Every role and membership rule of the server is decided
//! here, so Socket.IO handlers and REST routes ask one place instead of
//! comparing roles themselves.
//!
//! Two kinds of rule:
//! - by role alone: asking for help is for seekers, answering for volunteers;
//!   starting a direct conversation depends on both people's roles
//!   ([`may_start_conversation`]).
//! - by membership: everything inside a conversation ([`ConversationAction`])
//!   is for its participants, whatever their role; writing needs it active;
//!   changing a message is for its sender.

use crate::error::DomainError;
use crate::ids::UserId;
use crate::user::Role;

/// An action whose permission depends on the caller's role alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleAction {
    /// `seeker:request`, `request:cancel`, `request:status`, feedback.
    AskForHelp,
    /// `volunteer:reject`, `volunteer:availability`.
    AnswerRequests,
    /// `volunteer:accept`: volunteers, and support for escalated requests
    /// only (checked on the request).
    TakeRequests,
    /// `GET /api/reports`, `POST /api/reports/{id}/resolve`.
    ModerateReports,
    /// `GET /api/support/overview`.
    SeeOverview,
    /// `PUT /api/volunteers/{id}/credentials`.
    ManageVolunteers,
    /// `safety:alert`: seekers, and volunteers for a seeker in danger.
    RaiseAlert,
    /// `POST /api/alerts/{id}/ack` and `/resolve`, every alert listed.
    HandleAlerts,
    /// Everything of the helpline itself: requests, conversations,
    /// messages, calls, attachments, reports, blocks, settings and the
    /// live connection. Every role but caregivers.
    UseHelpline,
    /// `POST /api/caregivers/invitations` and the rest of
    /// `/api/caregivers`: seekers choose who may look in on them.
    InviteCaregivers,
    /// `GET /api/caregiving`, `POST /api/caregiving/redeem`: caregivers
    /// only.
    GiveCare,
}

/// Whether `role` may perform `action`.
pub fn role_may(role: Role, action: RoleAction) -> bool {
    matches!(
        (role, action),
        (
            Role::Seeker,
            RoleAction::AskForHelp | RoleAction::RaiseAlert
        ) | (Role::Volunteer, RoleAction::RaiseAlert)
            | (
                Role::Volunteer,
                RoleAction::AnswerRequests | RoleAction::TakeRequests
            )
            | (Role::Support, RoleAction::TakeRequests)
            | (
                Role::Support,
                RoleAction::ModerateReports
                    | RoleAction::SeeOverview
                    | RoleAction::ManageVolunteers
                    | RoleAction::HandleAlerts
            )
            | (
                Role::Seeker | Role::Volunteer | Role::Support,
                RoleAction::UseHelpline
            )
            | (Role::Seeker, RoleAction::InviteCaregivers)
            | (Role::Caregiver, RoleAction::GiveCare)
    )
}

/// Refuses with `forbidden` unless `role` may perform `action`.
pub fn require_role(role: Role, action: RoleAction) -> Result<(), DomainError> {
    if role_may(role, action) {
        Ok(())
    } else {
        Err(DomainError::Forbidden(match action {
            RoleAction::AskForHelp => "only seekers can do this",
            RoleAction::AnswerRequests | RoleAction::TakeRequests => "only volunteers can do this",
            RoleAction::RaiseAlert => "only seekers and volunteers raise alerts",
            RoleAction::ModerateReports
            | RoleAction::SeeOverview
            | RoleAction::ManageVolunteers
            | RoleAction::HandleAlerts => "only support can do this",
            RoleAction::UseHelpline => "a caregiver account can only see the caregiving summary",
            RoleAction::InviteCaregivers => "only seekers invite caregivers",
            RoleAction::GiveCare => "only caregivers can do this",
        }))
    }
}

/// Whether someone of role `caller` may open a direct conversation with
/// someone of role `other`. Seekers may reach volunteers and support;
/// volunteers may reach support but never a seeker (they meet seekers
/// through requests only); support may reach anyone but a caregiver;
/// caregivers are in no conversation at all.
pub fn may_start_conversation(caller: Role, other: Role) -> bool {
    match caller {
        Role::Seeker => matches!(other, Role::Volunteer | Role::Support),
        Role::Volunteer => other == Role::Support,
        Role::Support => other != Role::Caregiver,
        Role::Caregiver => false,
    }
}

/// Refuses a direct conversation that [`may_start_conversation`] does not allow.
pub fn require_may_start(
    caller: &UserId,
    caller_role: Role,
    other: &UserId,
    other_role: Role,
) -> Result<(), DomainError> {
    if caller == other {
        return Err(DomainError::invalid(
            "you cannot start a conversation with yourself",
        ));
    }
    if may_start_conversation(caller_role, other_role) {
        Ok(())
    } else {
        Err(DomainError::Forbidden(
            "your role may not start a conversation with this person",
        ))
    }
}

/// Refuses when any of `counterparts` is among `caller_blockers` (the people
/// who blocked the caller): a block stops the blocked person from starting
/// conversations with, or messaging, the blocker.
pub fn require_not_blocked(
    caller_blockers: &[UserId],
    counterparts: &[UserId],
) -> Result<(), DomainError> {
    if counterparts.iter().any(|c| caller_blockers.contains(c)) {
        Err(blocked())
    } else {
        Ok(())
    }
}

/// The refusal when a counterpart has blocked the caller.
pub fn blocked() -> DomainError {
    DomainError::Forbidden("this person does not accept messages from you")
}

/// The refusal when two people are on the two sides of a block, whichever
/// of them blocked the other: a request between them, a direct
/// conversation or a call. It does not say who blocked whom.
pub fn blocked_pair() -> DomainError {
    DomainError::Forbidden("you cannot be in contact with this person")
}

/// Something done inside a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationAction {
    /// Send a message.
    Send,
    /// Read history, sync, receipts.
    ReadHistory,
    /// Search its messages.
    Search,
    /// Upload an attachment to it.
    Upload,
    /// Download one of its attachments.
    Download,
    /// Edit one's own message.
    Edit,
    /// Delete one's own message.
    Delete,
    /// React to a message.
    React,
    /// Report a message to support.
    Report,
}

impl ConversationAction {
    /// Every action, for tables.
    pub const ALL: [ConversationAction; 9] = [
        Self::Send,
        Self::ReadHistory,
        Self::Search,
        Self::Upload,
        Self::Download,
        Self::Edit,
        Self::Delete,
        Self::React,
        Self::Report,
    ];

    /// Whether the action writes, so needs an active conversation.
    pub fn needs_active(self) -> bool {
        matches!(self, Self::Send | Self::Upload | Self::Edit | Self::React)
    }
}

/// What the rules need to know about a conversation.
#[derive(Debug, Clone, Copy)]
pub struct ConversationFacts<'a> {
    /// Everyone in it.
    pub participants: &'a [UserId],
    /// Whether it is still active.
    pub active: bool,
}

/// Decides `action` by `caller` in a conversation. `author` is the sender
/// of the message acted on, for edit and delete.
pub fn check_conversation_action(
    action: ConversationAction,
    caller: &UserId,
    conversation: ConversationFacts<'_>,
    author: Option<&UserId>,
) -> Result<(), DomainError> {
    require_participant(caller, conversation.participants)?;
    if matches!(
        action,
        ConversationAction::Edit | ConversationAction::Delete
    ) && author != Some(caller)
    {
        return Err(DomainError::Forbidden(
            "only the sender can change a message",
        ));
    }
    if action.needs_active() && !conversation.active {
        return Err(DomainError::ConversationEnded);
    }
    Ok(())
}

/// Refuses with `forbidden` unless `user` is one of `participants`.
pub fn require_participant(user: &UserId, participants: &[UserId]) -> Result<(), DomainError> {
    if participants.contains(user) {
        Ok(())
    } else {
        Err(DomainError::Forbidden(
            "you are not a participant of this conversation",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_table() {
        let table = [
            (Role::Seeker, RoleAction::AskForHelp, true),
            (Role::Seeker, RoleAction::AnswerRequests, false),
            (Role::Volunteer, RoleAction::AskForHelp, false),
            (Role::Volunteer, RoleAction::AnswerRequests, true),
            (Role::Support, RoleAction::AskForHelp, false),
            (Role::Support, RoleAction::AnswerRequests, false),
            (Role::Seeker, RoleAction::TakeRequests, false),
            (Role::Volunteer, RoleAction::TakeRequests, true),
            (Role::Support, RoleAction::TakeRequests, true),
            (Role::Seeker, RoleAction::ModerateReports, false),
            (Role::Volunteer, RoleAction::ModerateReports, false),
            (Role::Support, RoleAction::ModerateReports, true),
            (Role::Seeker, RoleAction::SeeOverview, false),
            (Role::Volunteer, RoleAction::SeeOverview, false),
            (Role::Support, RoleAction::SeeOverview, true),
            (Role::Seeker, RoleAction::UseHelpline, true),
            (Role::Volunteer, RoleAction::UseHelpline, true),
            (Role::Support, RoleAction::UseHelpline, true),
            (Role::Caregiver, RoleAction::UseHelpline, false),
            (Role::Seeker, RoleAction::InviteCaregivers, true),
            (Role::Volunteer, RoleAction::InviteCaregivers, false),
            (Role::Support, RoleAction::InviteCaregivers, false),
            (Role::Caregiver, RoleAction::InviteCaregivers, false),
            (Role::Seeker, RoleAction::GiveCare, false),
            (Role::Volunteer, RoleAction::GiveCare, false),
            (Role::Support, RoleAction::GiveCare, false),
            (Role::Caregiver, RoleAction::GiveCare, true),
        ];
        for (role, action, allowed) in table {
            assert_eq!(role_may(role, action), allowed, "{role:?} {action:?}");
            assert_eq!(require_role(role, action).is_ok(), allowed);
        }
    }

    /// A caregiver may do nothing of the helpline itself: every action
    /// but giving care is refused.
    #[test]
    fn a_caregiver_may_only_give_care() {
        let table = [
            (RoleAction::AskForHelp, false),
            (RoleAction::AnswerRequests, false),
            (RoleAction::TakeRequests, false),
            (RoleAction::ModerateReports, false),
            (RoleAction::SeeOverview, false),
            (RoleAction::ManageVolunteers, false),
            (RoleAction::RaiseAlert, false),
            (RoleAction::HandleAlerts, false),
            (RoleAction::UseHelpline, false),
            (RoleAction::InviteCaregivers, false),
            (RoleAction::GiveCare, true),
        ];
        for (action, allowed) in table {
            assert_eq!(role_may(Role::Caregiver, action), allowed, "{action:?}");
            let refused = require_role(Role::Caregiver, action).err();
            assert_eq!(refused.is_none(), allowed, "{action:?}");
            assert!(refused.is_none_or(|e| e.code() == "forbidden"));
        }
    }

    #[test]
    fn who_may_start_a_conversation_with_whom() {
        use Role::{Caregiver, Seeker, Support, Volunteer};
        let table = [
            (Seeker, Caregiver, false),
            (Volunteer, Caregiver, false),
            (Support, Caregiver, false),
            (Caregiver, Caregiver, false),
            (Caregiver, Seeker, false),
            (Caregiver, Volunteer, false),
            (Caregiver, Support, false),
            (Seeker, Seeker, false),
            (Seeker, Volunteer, true),
            (Seeker, Support, true),
            (Volunteer, Seeker, false),
            (Volunteer, Volunteer, false),
            (Volunteer, Support, true),
            (Support, Seeker, true),
            (Support, Volunteer, true),
            (Support, Support, true),
        ];
        let (me, other) = (UserId::from_trusted("me"), UserId::from_trusted("other"));
        for (caller, target, allowed) in table {
            assert_eq!(
                may_start_conversation(caller, target),
                allowed,
                "{caller:?} → {target:?}"
            );
            let decided = require_may_start(&me, caller, &other, target);
            assert_eq!(decided.is_ok(), allowed);
            if !allowed {
                assert_eq!(decided.err().map(|e| e.code()), Some("forbidden"));
            }
            assert!(
                require_may_start(&me, caller, &me, target).is_err(),
                "never with yourself"
            );
        }
    }

    /// Every role pair × every action inside a conversation: membership
    /// decides, never role; writes need an active conversation; edits and
    /// deletes need authorship.
    #[test]
    fn conversation_action_table() {
        let (me, them, stranger) = (
            UserId::from_trusted("me"),
            UserId::from_trusted("them"),
            UserId::from_trusted("x"),
        );
        let both = [me.clone(), them.clone()];
        for action in ConversationAction::ALL {
            for active in [true, false] {
                let facts = ConversationFacts {
                    participants: &both,
                    active,
                };
                let own = check_conversation_action(action, &me, facts, Some(&me));
                let theirs = check_conversation_action(action, &me, facts, Some(&them));
                let outsider = check_conversation_action(action, &stranger, facts, Some(&stranger));
                let needs_author = matches!(
                    action,
                    ConversationAction::Edit | ConversationAction::Delete
                );
                let expect_own = active || !action.needs_active();
                assert_eq!(own.is_ok(), expect_own, "{action:?} active={active}");
                if !expect_own {
                    assert_eq!(own, Err(DomainError::ConversationEnded));
                }
                assert_eq!(
                    theirs.is_ok(),
                    expect_own && !needs_author,
                    "{action:?} on another's message"
                );
                assert_eq!(
                    outsider.map_err(|e| e.code()),
                    Err("forbidden"),
                    "{action:?} by a stranger"
                );
            }
        }
    }

    #[test]
    fn blocks_stop_the_blocked() {
        let blockers = [UserId::from_trusted("them")];
        let (other, them) = (UserId::from_trusted("o"), UserId::from_trusted("them"));
        assert!(require_not_blocked(&blockers, std::slice::from_ref(&other)).is_ok());
        assert_eq!(
            require_not_blocked(&blockers, &[other, them]).map_err(|e| e.code()),
            Err("forbidden")
        );
        assert!(require_not_blocked(&[], &[UserId::from_trusted("me")]).is_ok());
    }

    #[test]
    fn participants_only() {
        let a = UserId::from_trusted("a");
        let b = UserId::from_trusted("b");
        assert!(require_participant(&a, &[a.clone(), b.clone()]).is_ok());
        assert!(require_participant(&UserId::from_trusted("c"), &[a, b]).is_err());
    }
}
