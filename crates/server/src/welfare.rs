//! Welfare checks (issue 24). When a call between a seeker and a volunteer
//! drops (it ends `failed`/`disconnected`: a device was lost, not a
//! hang-up), the volunteer is asked to call back (`welfare:call_back`) and
//! a check is stored, due `HELPLINE_WELFARE_AFTER_SECS` later. The sweeper
//! settles due checks once across nodes (the store's conditional updates):
//! if the two were in touch since (a message or an answered call), it is
//! cleared; otherwise every support agent gets `support:welfare` (and a
//! push when not connected). Two missed check-ins in a row raise one at
//! once ([`crate::checkins`]). Support lists and resolves them over REST
//! ([`crate::http`]).

use crate::app::App;
use crate::push::notices;
use crate::realtime::outbound::{ServerEvent, SupportChange};
use helpline_core::call::{Call, CallStatus, EndReason};
use helpline_core::checkins::CheckinPerson;
use helpline_core::user::Role;
use helpline_core::welfare::{WelfareCause, WelfareTask};
use helpline_core::{ConversationId, Timestamp, UserId, WelfareId};
use helpline_store::NewWelfare;
use std::time::Duration;

/// Most checks settled per sweep; the rest wait for the next tick.
const SWEEP_BATCH: i64 = 100;

/// Whether `call` ended by a drop rather than by someone's choice.
pub fn dropped(call: &Call) -> bool {
    call.status == CallStatus::Failed
        && call.reason == Some(EndReason::Disconnected)
        && call.answered_at.is_some()
}

/// A call ended: if it dropped between a seeker and a volunteer, asks the
/// volunteer to call back and starts watching.
pub async fn call_ended(app: &App, call: &Call) {
    if !dropped(call) {
        return;
    }
    let Some((seeker, volunteer)) = pair(app, &call.caller_id, &call.callee_id).await else {
        return;
    };
    let since = call.ended_at.unwrap_or_else(|| app.clock.now());
    let new = NewWelfare {
        id: WelfareId::generate(),
        cause: WelfareCause::CallDropped,
        seeker: seeker.id.clone(),
        volunteer: volunteer.clone(),
        conversation_id: Some(call.conversation_id.clone()),
        since,
        due_at: Some(since.plus(Duration::from_secs(app.settings.welfare_after_secs))),
        now: app.clock.now(),
    };
    if let Err(error) = app.store.watch_welfare(&new).await {
        tracing::error!(%error, call = %call.id, "storing a welfare check failed");
    }
    app.fanout
        .to_user(
            &volunteer,
            &ServerEvent::WelfareCallBack {
                call_id: call.id.clone(),
                conversation_id: call.conversation_id.clone(),
                seeker,
                media: call.media,
            },
        )
        .await;
}

/// The seeker and the volunteer among `a` and `b`, if they are one of each.
async fn pair(app: &App, a: &UserId, b: &UserId) -> Option<(CheckinPerson, UserId)> {
    let (a, b) = match (app.store.user(a).await, app.store.user(b).await) {
        (Ok(Some(a)), Ok(Some(b))) => (a, b),
        (Err(error), _) | (_, Err(error)) => {
            tracing::error!(%error, "reading a dropped call's people failed");
            return None;
        }
        _ => return None,
    };
    let (seeker, volunteer) = match (a.role, b.role) {
        (Role::Seeker, Role::Volunteer) => (a, b),
        (Role::Volunteer, Role::Seeker) => (b, a),
        _ => return None,
    };
    Some((
        CheckinPerson {
            id: seeker.id,
            display_name: seeker.display_name,
        },
        volunteer.id,
    ))
}

/// Raises a check for two missed check-ins at once.
pub async fn checkins_missed(
    app: &App,
    seeker: &UserId,
    volunteer: &UserId,
    conversation: Option<ConversationId>,
    since: Timestamp,
) {
    let new = NewWelfare {
        id: WelfareId::generate(),
        cause: WelfareCause::CheckinsMissed,
        seeker: seeker.clone(),
        volunteer: volunteer.clone(),
        conversation_id: conversation,
        since,
        due_at: None,
        now: app.clock.now(),
    };
    match app.store.watch_welfare(&new).await {
        Ok(task) => raised(app, task).await,
        Err(error) => tracing::error!(%error, "storing a welfare check failed"),
    }
}

/// Settles the checks that are due.
pub async fn sweep(app: &App) {
    let now = app.clock.now();
    match app.store.settle_due_welfare(now, SWEEP_BATCH).await {
        Ok(tasks) => {
            for task in tasks {
                raised(app, task).await;
            }
        }
        Err(error) => tracing::error!(%error, "settling welfare checks failed"),
    }
}

/// Every support agent hears of a new task.
async fn raised(app: &App, task: WelfareTask) {
    tracing::warn!(task = %task.id, cause = task.cause.as_str(), "welfare check raised");
    notices::welfare_raised(app, &task).await;
    app.fanout
        .to_support(&ServerEvent::SupportWelfare { task })
        .await;
    app.fanout.support_changed(SupportChange::Welfare).await;
}
