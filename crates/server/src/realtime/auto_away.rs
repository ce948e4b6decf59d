//! Auto-away: a volunteer who lets `HELPLINE_MAX_MISSED_OFFERS` offers in
//! a row pass (taken by someone else or expired while they were connected
//! and available) is set away, so seekers are not left waiting on someone
//! who has walked off, and told why (`volunteer:auto_away`). The count is
//! kept in the database and moved once per request, by whichever node
//! handles its claim or expiry (each happens exactly once); answering an
//! offer (accepting, declining, or trying to accept and losing: the store
//! records those with the claim or decline) or choosing to be available
//! starts it again (decision 0031).
//! The node that decides may not be the volunteer's: the change reaches
//! the others as presence news ([`crate::presence::Presence::set_availability`]).

use super::outbound::{ServerEvent, SupportChange};
use crate::app::App;
use helpline_core::user::Availability;
use helpline_core::{RequestId, UserId};

/// `request` was taken by `taker` (or expired, `None`): each of `offered`
/// still connected and available let it pass.
pub async fn offers_missed(
    app: &App,
    request: &RequestId,
    offered: &[UserId],
    taker: Option<&UserId>,
) {
    let limit = app.settings.max_missed_offers;
    if limit == 0 {
        return;
    }
    let missed: Vec<UserId> = offered
        .iter()
        .filter(|v| Some(*v) != taker && app.presence.is_available_volunteer(v))
        .cloned()
        .collect();
    let reached = match app
        .store
        .record_missed_offers(request, &missed, limit)
        .await
    {
        Ok(reached) => reached,
        Err(error) => {
            tracing::warn!(%error, "counting missed offers failed");
            return;
        }
    };
    for volunteer in reached {
        set_away(app, &volunteer, limit).await;
    }
}

/// Sets the volunteer away, kept for when they connect again, and tells
/// them why.
async fn set_away(app: &App, volunteer: &UserId, missed_offers: u32) {
    if let Err(error) = app
        .store
        .store_availability(volunteer, Availability::Away)
        .await
    {
        tracing::warn!(%error, "storing an automatic away failed");
        return;
    }
    tracing::info!(volunteer = %volunteer, missed_offers, "volunteer set away after missed offers");
    let changed = app.presence.set_availability(volunteer, Availability::Away);
    app.fanout
        .to_user(volunteer, &ServerEvent::VolunteerAutoAway { missed_offers })
        .await;
    if changed {
        app.fanout.support_changed(SupportChange::Presence).await;
    }
}

/// The volunteer chose to be available: their count starts again.
pub async fn chose_available(app: &App, volunteer: &UserId) {
    if app.settings.max_missed_offers == 0 {
        return;
    }
    if let Err(error) = app.store.reset_missed_offers(volunteer).await {
        tracing::warn!(%error, "resetting missed offers failed");
    }
}
