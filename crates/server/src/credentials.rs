//! Credentials where requests meet volunteers: with
//! `HELPLINE_REQUIRE_CREDENTIALS` on, a request on a credentialed topic
//! (health, emotional: [`helpline_core::credentials`]) is offered, pushed
//! and given only to volunteers credentialed for it. Credentials are read
//! from the database each time, so support's change holds at once on every
//! node. The check comes just before the claim: an accept already past it
//! when support removes the credential still goes through.

use crate::app::App;
use helpline_core::credentials::needs_credential;
use helpline_core::request::{HelpRequest, Topic};
use helpline_core::{DomainError, UserId};
use std::collections::HashSet;

/// The credential a request on `topic` needs here, if any.
pub fn required(app: &App, topic: Option<Topic>) -> Option<Topic> {
    needs_credential(topic).filter(|_| app.settings.require_credentials)
}

/// Of `volunteers`, those who may be offered a request on `topic`, in
/// their order.
pub async fn eligible(
    app: &App,
    topic: Option<Topic>,
    volunteers: Vec<UserId>,
) -> Result<Vec<UserId>, DomainError> {
    let Some(topic) = required(app, topic) else {
        return Ok(volunteers);
    };
    let credentialed: HashSet<UserId> = app
        .store
        .credentialed_for(topic)
        .await?
        .into_iter()
        .collect();
    Ok(volunteers
        .into_iter()
        .filter(|v| credentialed.contains(v))
        .collect())
}

/// Refuses (`forbidden`) a volunteer not credentialed for the request's topic.
pub async fn check_may_take(
    app: &App,
    volunteer: &UserId,
    request: &HelpRequest,
) -> Result<(), DomainError> {
    let allowed = eligible(app, request.topic, vec![volunteer.clone()]).await?;
    if allowed.is_empty() {
        return Err(not_credentialed(request.topic));
    }
    Ok(())
}

/// The refusal for a volunteer without the credential `topic` needs.
pub fn not_credentialed(topic: Option<Topic>) -> DomainError {
    DomainError::Forbidden(match topic {
        Some(Topic::Health) => "this request needs a volunteer credentialed for health",
        _ => "this request needs a volunteer credentialed for emotional support",
    })
}
