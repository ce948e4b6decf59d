//! Check-ins (issue 24): the REST moves' shared rules and the sweep that
//! runs each occurrence. Ten minutes before, both people hear
//! `checkin:reminder` (and a push when not connected); at the time,
//! `checkin:due` (the volunteer's app offers one tap, `POST
//! /api/checkins/{id}/start`); [`KEPT_WITHIN`] after it, the occurrence is
//! settled: kept if the two were in touch from the reminder on, else
//! missed (`checkin:missed`), and two missed in a row raise a welfare
//! check ([`crate::welfare`]). Each step is a conditional update on the
//! stored next time, so it happens once across nodes.

use crate::app::App;
use crate::push::notices;
use crate::realtime::outbound::ServerEvent;
use helpline_core::checkins::{Checkin, CheckinOutcome, CheckinStatus, KEPT_WITHIN, REMIND_BEFORE};
use helpline_core::{DomainError, Timestamp, UserId};
use helpline_store::CheckinStep;

/// Most check-ins looked at per sweep (those with a step outstanding: a
/// busy time slot's reminders and announcements all go in one tick).
const SWEEP_BATCH: i64 = 1000;

/// Missed occurrences in a row that start a welfare check.
const MISSED_FOR_WELFARE: i64 = 2;

/// Tells both people of `checkin` with `event`.
pub async fn tell_both(app: &App, checkin: &Checkin, event: &ServerEvent) {
    app.fanout
        .to_users(
            &[checkin.seeker.id.clone(), checkin.volunteer.id.clone()],
            event,
        )
        .await;
}

/// Cancels every check-in between `a` and `b` (one blocked the other),
/// telling both.
pub async fn cancel_between(app: &App, a: &UserId, b: &UserId) -> Result<(), DomainError> {
    let open = [
        CheckinStatus::Proposed,
        CheckinStatus::Active,
        CheckinStatus::Paused,
    ];
    for checkin in app.store.checkins_of(a).await? {
        if !checkin.names(b) {
            continue;
        }
        if let Some(cancelled) = app
            .store
            .move_checkin(&checkin.id, &open, CheckinStatus::Cancelled, None)
            .await?
        {
            tell_both(
                app,
                &cancelled,
                &ServerEvent::CheckinChanged {
                    checkin: cancelled.clone(),
                },
            )
            .await;
        }
    }
    Ok(())
}

/// The next time of an agreed check-in from `now`.
pub fn next_from(checkin: &Checkin, now: Timestamp) -> Result<Timestamp, DomainError> {
    checkin.schedule().next_after(now).ok_or_else(|| {
        tracing::error!(checkin = %checkin.id, "a check-in has no next time");
        DomainError::Internal
    })
}

/// Runs every step that is due.
pub async fn sweep(app: &App) {
    let now = app.clock.now();
    let soon = now.plus(REMIND_BEFORE);
    let settle_by = Timestamp::from_millis(now.millis() - KEPT_WITHIN.as_millis() as i64);
    let due = match app.store.checkins_due(soon, settle_by, SWEEP_BATCH).await {
        Ok(due) => due,
        Err(error) => {
            tracing::error!(%error, "reading due check-ins failed");
            return;
        }
    };
    for checkin in due {
        if let Err(error) = step(app, &checkin, now).await {
            tracing::error!(%error, checkin = %checkin.id, "a check-in step failed");
        }
    }
}

/// The steps of `checkin`'s next occurrence that are due at `now`; a step
/// whose moment has passed (the server was down) is skipped.
async fn step(app: &App, checkin: &Checkin, now: Timestamp) -> Result<(), DomainError> {
    let Some(at) = checkin.next_at else {
        return Ok(());
    };
    let settle_at = at.plus(KEPT_WITHIN);
    // A step is marked done even when its moment has passed (the server
    // was down), so the check-in leaves the due set; it is then not told.
    if app
        .store
        .mark_checkin_step(&checkin.id, at, CheckinStep::Reminded)
        .await?
        && now.millis() < at.millis()
    {
        notices::checkin_soon(app, checkin).await;
        tell_both(
            app,
            checkin,
            &ServerEvent::CheckinReminder {
                checkin: checkin.clone(),
            },
        )
        .await;
    }
    if now.millis() >= at.millis()
        && app
            .store
            .mark_checkin_step(&checkin.id, at, CheckinStep::Announced)
            .await?
        && now.millis() < settle_at.millis()
    {
        tell_both(
            app,
            checkin,
            &ServerEvent::CheckinDue {
                checkin: checkin.clone(),
            },
        )
        .await;
    }
    if now.millis() >= settle_at.millis() {
        settle(app, checkin, at, now).await?;
    }
    Ok(())
}

/// Settles the occurrence at `at`: kept or missed, then the next time.
async fn settle(
    app: &App,
    checkin: &Checkin,
    at: Timestamp,
    now: Timestamp,
) -> Result<(), DomainError> {
    let from = Timestamp::from_millis(at.millis() - REMIND_BEFORE.as_millis() as i64);
    let kept = app
        .store
        .in_touch(&checkin.seeker.id, &checkin.volunteer.id, from, now)
        .await?;
    let outcome = match kept {
        true => CheckinOutcome::Kept,
        false => CheckinOutcome::Missed,
    };
    let next = next_from(checkin, now)?;
    let Some(settled) = app
        .store
        .settle_checkin(&checkin.id, at, outcome, Some(next))
        .await?
    else {
        // Another sweeper settled it.
        return Ok(());
    };
    tracing::info!(checkin = %settled.id, outcome = outcome.as_str(), "check-in settled");
    let event = match outcome {
        CheckinOutcome::Kept => ServerEvent::CheckinChanged {
            checkin: settled.clone(),
        },
        CheckinOutcome::Missed => ServerEvent::CheckinMissed {
            checkin: settled.clone(),
        },
    };
    tell_both(app, &settled, &event).await;
    if outcome == CheckinOutcome::Missed && settled.missed_in_a_row >= MISSED_FOR_WELFARE {
        app.store.reset_checkin_misses(&settled.id).await?;
        crate::welfare::checkins_missed(app, &settled.seeker.id, &settled.volunteer.id, None, at)
            .await;
    }
    Ok(())
}
