//! Safety alerts (issue 24): `safety:alert` from a seeker, or from a
//! volunteer for a seeker in danger, is stored and reaches every support
//! agent at once (`support:alert`, and a push to agents not connected);
//! while nobody acknowledges it, the sweeper raises it again every
//! `HELPLINE_ALERT_REPEAT_SECS` (a conditional update, so once across
//! nodes). When support acknowledges or resolves it over REST
//! ([`crate::http`]), the person who raised it hears so on every device
//! (`safety:acknowledged`, `safety:resolved`).

use super::ack::{Ack, Context, Handlers, Replied};
use super::outbound::{ServerEvent, SupportChange};
use crate::app::App;
use crate::push::notices;
use helpline_core::alerts::{Alert, AlertKind};
use helpline_core::inbound::{AlertRaised, SafetyAlert};
use helpline_core::{AlertId, DomainError, Timestamp};
use helpline_store::NewAlert;

/// Most alerts raised again per sweep; the rest wait for the next tick.
const SWEEP_BATCH: i64 = 100;

/// Adds `safety:alert` to the table.
pub(super) fn register(handlers: &mut Handlers) {
    handlers.on(safety_alert);
}

async fn safety_alert(
    ctx: Context,
    SafetyAlert { draft }: SafetyAlert,
    ack: Ack<AlertRaised>,
) -> Result<Replied, DomainError> {
    let app = &ctx.app;
    if let Some(conversation) = &draft.conversation_id {
        app.store
            .conversation(conversation)
            .await?
            .ok_or(DomainError::NotFound("no such conversation"))?;
        let participants = app
            .participants
            .of(app.store.as_ref(), conversation)
            .await?;
        if !participants.contains(&ctx.caller.id) {
            return Err(DomainError::Forbidden(
                "not a participant of that conversation",
            ));
        }
    }
    let new = NewAlert {
        id: AlertId::generate(),
        raised_by: ctx.caller.id.clone(),
        conversation_id: draft.conversation_id,
        note: draft.note,
        now: app.clock.now(),
    };
    let alert = app.store.raise_alert(&new).await?;
    tracing::warn!(alert = %alert.id, "safety alert raised");
    let replied = ack.send(AlertRaised {
        alert: alert.clone(),
    });
    tell_support(app, alert, false).await;
    Ok(replied)
}

/// Every support agent hears of `alert`: connected ones by event, the
/// others by push.
async fn tell_support(app: &App, alert: Alert, repeated: bool) {
    notices::alert_raised(app, &alert).await;
    app.fanout
        .to_support(&ServerEvent::SupportAlert { alert, repeated })
        .await;
    app.fanout.support_changed(SupportChange::Alerts).await;
}

/// The scam guard added evidence to `alert` ([`crate::scam_guard`]): a
/// new alert reaches every support agent like a person's; more evidence
/// on one they know of refreshes their screens.
pub async fn evidence_added(app: &App, alert: Alert, raised: bool) {
    if raised {
        tell_support(app, alert, false).await;
    } else {
        app.fanout.support_changed(SupportChange::Alerts).await;
    }
}

/// Support acknowledged or resolved `alert`: its raiser hears so on every
/// device, support's screens refresh, and once resolved the volunteers in
/// it are offered a debrief. A scam-guard alert was raised by nobody (its
/// seeker tapped nothing) and its volunteer is the one it was about: only
/// support's screens change.
pub async fn handled(app: &App, alert: Alert) {
    if alert.kind == AlertKind::ScamGuard {
        app.fanout.support_changed(SupportChange::Alerts).await;
        return;
    }
    let raiser = alert.raised_by.id.clone();
    let resolved = alert.status == helpline_core::alerts::AlertStatus::Resolved;
    if resolved {
        crate::wellbeing::alert_resolved(app, &alert).await;
    }
    let event = match resolved {
        true => ServerEvent::SafetyResolved { alert },
        false => ServerEvent::SafetyAcknowledged { alert },
    };
    app.fanout.to_user(&raiser, &event).await;
    app.fanout.support_changed(SupportChange::Alerts).await;
}

/// Raises again every alert nobody has acknowledged within
/// `HELPLINE_ALERT_REPEAT_SECS` of when support was last told.
pub async fn sweep(app: &App) {
    let every = app.settings.alert_repeat_secs;
    if every == 0 {
        return;
    }
    let now = app.clock.now();
    let wait = i64::try_from(every.saturating_mul(1000)).unwrap_or(i64::MAX);
    let due = Timestamp::from_millis(now.millis().saturating_sub(wait));
    let again = match app
        .store
        .raise_unacknowledged_again(due, now, SWEEP_BATCH)
        .await
    {
        Ok(again) => again,
        Err(error) => {
            tracing::error!(%error, "raising unacknowledged alerts again failed");
            return;
        }
    };
    for alert in again {
        tracing::warn!(alert = %alert.id, "safety alert still unacknowledged: raised again");
        tell_support(app, alert, true).await;
    }
}
