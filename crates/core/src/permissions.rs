//! Who may do what. Every role rule of the server is decided here, so the
//! Socket.IO handlers and REST routes ask one place instead of comparing
//! roles themselves.

use crate::error::DomainError;
use crate::ids::UserId;
use crate::user::Role;

/// An action whose permission depends on the caller's role alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleAction {
    /// `seeker:request`, `request:cancel`, `request:status`, feedback.
    AskForHelp,
    /// `volunteer:accept`, `volunteer:reject`, `volunteer:availability`.
    AnswerRequests,
}

/// Whether `role` may perform `action`.
pub fn role_may(role: Role, action: RoleAction) -> bool {
    matches!(
        (role, action),
        (Role::Seeker, RoleAction::AskForHelp) | (Role::Volunteer, RoleAction::AnswerRequests)
    )
}

/// Refuses with `forbidden` unless `role` may perform `action`.
pub fn require_role(role: Role, action: RoleAction) -> Result<(), DomainError> {
    if role_may(role, action) {
        Ok(())
    } else {
        Err(DomainError::Forbidden(match action {
            RoleAction::AskForHelp => "only seekers can do this",
            RoleAction::AnswerRequests => "only volunteers can do this",
        }))
    }
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
        ];
        for (role, action, allowed) in table {
            assert_eq!(role_may(role, action), allowed, "{role:?} {action:?}");
            assert_eq!(require_role(role, action).is_ok(), allowed);
        }
    }

    #[test]
    fn participants_only() {
        let a = UserId::from_trusted("a");
        let b = UserId::from_trusted("b");
        assert!(require_participant(&a, &[a.clone(), b.clone()]).is_ok());
        assert!(require_participant(&UserId::from_trusted("c"), &[a, b]).is_err());
    }
}
