//! Safety events: a seeker, or a volunteer for a seeker in danger, raises
//! an alert to staff (`safety:alert`).

use super::{USER_SELF, client_event};
use crate::alerts::{Alert, AlertDraft};
use crate::error::DomainError;
use crate::input::Fields;
use crate::permissions::RoleAction;
use serde::Serialize;

/// `safety:alert`: tell staff now.
#[derive(Debug, Clone)]
pub struct SafetyAlert {
    /// The conversation it is about and the note.
    pub draft: AlertDraft,
}
client_event!(
    SafetyAlert,
    "safety:alert",
    USER_SELF,
    AlertRaised,
    role = RoleAction::RaiseAlert
);

impl SafetyAlert {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, DomainError> {
        Ok(Self {
            draft: AlertDraft::parse(fields)?,
        })
    }
}

/// The answer to `safety:alert`: the alert as stored.
#[derive(Debug, Clone, Serialize)]
pub struct AlertRaised {
    /// The alert.
    pub alert: Alert,
}
