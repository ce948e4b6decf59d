//! Escalation: a request still pending `HELPLINE_ESCALATE_AFTER_SECS`
//! after it was made is escalated once. The sweeper marks it in the
//! database (a conditional update, so exactly one process escalates each
//! request), then every support agent hears `support:escalation` (and a
//! push if not connected) and the seeker `request:escalated`. A support
//! agent may then take it with `volunteer:accept`
//! ([`super::requests`]).

use super::outbound::{ServerEvent, SupportChange};
use crate::app::App;
use crate::push::notices;
use helpline_core::Timestamp;
use helpline_core::request::HelpRequest;

/// Most requests escalated per sweep; the rest wait for the next tick.
const BATCH: i64 = 200;

/// Escalates the requests that have waited long enough, and tells of each.
pub async fn sweep(app: &App) {
    let after = app.settings.escalate_after_secs;
    if after == 0 {
        return;
    }
    let now = app.clock.now();
    let wait = i64::try_from(after.saturating_mul(1000)).unwrap_or(i64::MAX);
    let made_by = Timestamp::from_millis(now.millis().saturating_sub(wait));
    let escalated = match app.store.escalate_due_requests(made_by, now, BATCH).await {
        Ok(escalated) => escalated,
        Err(error) => {
            tracing::error!(%error, "escalation sweep failed");
            return;
        }
    };
    for request in &escalated {
        tracing::info!(request = %request.id, "request escalated to support");
        announce(app, request).await;
    }
    if !escalated.is_empty() {
        app.fanout.support_changed(SupportChange::Request).await;
    }
}

/// Tells support and the seeker of an escalated request.
async fn announce(app: &App, request: &HelpRequest) {
    let seeker_display_name = match app.store.user(&request.senior_id).await {
        Ok(Some(seeker)) => seeker.display_name,
        Ok(None) => return,
        Err(error) => {
            tracing::warn!(%error, "reading an escalated request's seeker failed");
            return;
        }
    };
    let to_support = ServerEvent::SupportEscalation {
        request: request.clone(),
        seeker_display_name: seeker_display_name.clone(),
    };
    app.fanout.to_support(&to_support).await;
    let to_seeker = ServerEvent::RequestEscalated {
        request_id: request.id.clone(),
    };
    app.fanout.to_user(&request.senior_id, &to_seeker).await;
    notices::request_escalated(app, request, &seeker_display_name).await;
}
