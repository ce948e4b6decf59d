//! The waiting line's news: after anything that can move a pending
//! request's place or estimate (a request made, taken, withdrawn, refused
//! or expired), each seeker whose standing changed hears
//! `request:position`. The store decides what changed and records it as
//! told in one serialised transaction, so across nodes each change is told
//! once and in order (decision 0030);
//! the line itself is [`helpline_core::queue`].

use super::outbound::ServerEvent;
use crate::app::App;
use helpline_core::DomainError;
use helpline_core::queue::Standing;
use helpline_core::request::{HelpRequest, RequestStatus};

/// Tells every seeker whose standing changed. A failure is logged: the
/// line is news, and the next change (or `request:status`) catches up.
pub async fn tell_standings(app: &App) {
    let changed = match app.store.standings_to_tell(app.clock.now()).await {
        Ok(changed) => changed,
        Err(error) => {
            tracing::warn!(%error, "working out the waiting line failed");
            return;
        }
    };
    for standing in changed {
        let seeker = standing.seeker.clone();
        app.fanout
            .to_user(&seeker, &ServerEvent::RequestPosition(standing))
            .await;
    }
}

/// Where `request` stands now, if it is pending.
pub async fn standing_of(
    app: &App,
    request: &HelpRequest,
) -> Result<Option<Standing>, DomainError> {
    if request.status != RequestStatus::Pending {
        return Ok(None);
    }
    let line = app.store.waiting_line(app.clock.now()).await?;
    Ok(line.standing_of(&request.id))
}

/// The line changed (a request joined or left it): support's views and the
/// waiting seekers hear of it.
pub async fn line_changed(app: &App) {
    app.fanout
        .support_changed(super::outbound::SupportChange::Request)
        .await;
    tell_standings(app).await;
}
