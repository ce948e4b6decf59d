//! Limits that protect volunteers (issue 24): a volunteer who has taken
//! `HELPLINE_MAX_EMOTIONAL_SESSIONS_PER_DAY` requests on the emotional
//! topic in the last 24 hours is not offered, pushed or given another
//! until the oldest of them is a day old; one made to them by name is
//! refused with `conflict`. Counted from the database (accepted requests)
//! each time, so the limit holds on every node at once.

use crate::app::App;
use helpline_core::request::Topic;
use helpline_core::{DomainError, Timestamp, UserId};
use std::collections::HashSet;

/// The window the cap counts over.
const DAY_MS: i64 = 24 * 3600 * 1000;

/// Whether offering a request on `topic` reads anything beyond presence:
/// a credential it needs, or the wellbeing cap.
pub fn concerns(app: &App, topic: Option<Topic>) -> bool {
    crate::credentials::required(app, topic).is_some() || capped(app, topic).is_some()
}

/// The cap that applies to a request on `topic`, if any.
fn capped(app: &App, topic: Option<Topic>) -> Option<u32> {
    let cap = app.settings.max_emotional_sessions_per_day;
    (topic == Some(Topic::Emotional) && cap > 0).then_some(cap)
}

/// Of `volunteers`, those not resting after the day's emotional sessions
/// (all of them for other topics), in their order.
pub async fn not_resting(
    app: &App,
    topic: Option<Topic>,
    volunteers: Vec<UserId>,
) -> Result<Vec<UserId>, DomainError> {
    let Some(cap) = capped(app, topic) else {
        return Ok(volunteers);
    };
    if volunteers.is_empty() {
        return Ok(volunteers);
    }
    let since = Timestamp::from_millis(app.clock.now().millis().saturating_sub(DAY_MS));
    let resting: HashSet<UserId> = app
        .store
        .volunteers_resting(since, cap)
        .await?
        .into_iter()
        .collect();
    Ok(volunteers
        .into_iter()
        .filter(|v| !resting.contains(v))
        .collect())
}

/// The refusal for a volunteer who has done the day's emotional sessions.
pub fn resting_refusal() -> DomainError {
    DomainError::Conflict(
        "you have taken as many emotional support sessions as you should in a day: time to rest",
    )
}
