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
/// their order: credentialed when the topic needs it, and, for the
/// emotional topic, below the wellbeing cap ([`crate::wellbeing`]).
pub async fn eligible(
    app: &App,
    topic: Option<Topic>,
    volunteers: Vec<UserId>,
) -> Result<Vec<UserId>, DomainError> {
    let volunteers = credentialed(app, topic, volunteers).await?;
    crate::wellbeing::not_resting(app, topic, volunteers).await
}

/// Of `volunteers`, those credentialed for `topic` when it needs it.
async fn credentialed(
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

/// Why `volunteer` may not take a request on `topic` (made to them, or
/// offered): not credentialed (`forbidden`), or resting after the day's
/// emotional sessions (`conflict`); `None` if they may.
pub async fn refusal(
    app: &App,
    topic: Option<Topic>,
    volunteer: &UserId,
) -> Result<Option<DomainError>, DomainError> {
    if credentialed(app, topic, vec![volunteer.clone()])
        .await?
        .is_empty()
    {
        return Ok(Some(not_credentialed(topic)));
    }
    if crate::wellbeing::not_resting(app, topic, vec![volunteer.clone()])
        .await?
        .is_empty()
    {
        return Ok(Some(crate::wellbeing::resting_refusal()));
    }
    Ok(None)
}

/// Refuses a volunteer who may not take the request ([`refusal`]).
pub async fn check_may_take(
    app: &App,
    volunteer: &UserId,
    request: &HelpRequest,
) -> Result<(), DomainError> {
    match refusal(app, request.topic, volunteer).await? {
        Some(refused) => Err(refused),
        None => Ok(()),
    }
}

/// The refusal for a volunteer without the credential `topic` needs.
pub fn not_credentialed(topic: Option<Topic>) -> DomainError {
    DomainError::Forbidden(match topic {
        Some(Topic::Health) => "this request needs a volunteer credentialed for health",
        _ => "this request needs a volunteer credentialed for emotional support",
    })
}
