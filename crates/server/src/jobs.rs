//! Background jobs. One sweeper, on a short interval:
//! - moves pending requests whose stored deadline has passed to `expired`;
//! - escalates pending requests that have waited long enough to support;
//! - offers batched requests whose widening deadline passed to their next
//!   batch;
//! - raises again to support the safety alerts nobody acknowledged;
//! - deletes disappearing messages that are due (past their deadline, or
//!   view-once and read by everyone else);
//! - ends calls still ringing at their stored deadline (`missed`), and calls
//!   whose watched participant stayed without devices past the grace period;
//! - removes attachments nobody can reach any more (of deleted or expired
//!   messages, or never sent within a day), rows first, then files;
//! - disconnects sockets whose token has expired (in memory, per process).
//!
//! The database sweeps are conditional updates in the database, so each request or message
//! is handled (and announced) exactly once even with several processes on
//! one database, and a restart loses nothing: the deadlines are in the rows.

use crate::app::App;
use crate::calls::finished;
use crate::calls::lifecycle::ringing_end;
use crate::realtime::{announce_expired, notify_expired};
use helpline_core::call::CallEvent;
use std::time::Duration;
use tokio::sync::watch;

/// Most requests expired per sweep; the rest wait for the next tick.
const SWEEP_BATCH: i64 = 500;

/// Runs the sweeper until `stop` turns true.
pub async fn sweep(app: App, mut stop: watch::Receiver<bool>) {
    crate::realtime::batches::clear_if_ring_all(&app).await;
    let mut tick = tokio::time::interval(Duration::from_millis(app.settings.sweep_interval_ms));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
        match app
            .store
            .expire_due_requests(app.clock.now(), SWEEP_BATCH)
            .await
        {
            Ok(expired) => {
                for request in &expired {
                    tracing::info!(request = %request.id, "request expired");
                    if let Err(error) = notify_expired(&app, request).await {
                        tracing::warn!(%error, "announcing an expired request failed");
                    }
                }
                if !expired.is_empty() {
                    crate::realtime::queue::line_changed(&app).await;
                }
            }
            Err(error) => tracing::error!(%error, "expiry sweep failed"),
        }
        crate::realtime::escalation::sweep(&app).await;
        crate::realtime::batches::sweep(&app).await;
        crate::realtime::alerts::sweep(&app).await;
        crate::welfare::sweep(&app).await;
        crate::checkins::sweep(&app).await;
        let expired = match app
            .store
            .expire_messages(app.clock.now(), SWEEP_BATCH)
            .await
        {
            Ok(expired) => expired,
            Err(error) => {
                tracing::error!(%error, "message expiry sweep failed");
                Vec::new()
            }
        };
        // Files of expired messages go before the rooms hear of it.
        crate::attachments::sweep(&app).await;
        if !expired.is_empty() {
            tracing::debug!(count = expired.len(), "messages disappeared");
            announce_expired(&app, expired).await;
        }
        app.token_deadlines
            .disconnect_expired(&app.fanout, app.clock.now());
        sweep_calls(&app).await;
    }
}

/// Ring timeouts (each call announced by exactly one sweeper, also across
/// processes), then the disconnect watch.
async fn sweep_calls(app: &App) {
    let now = app.clock.now();
    match ringing_end(CallEvent::RingTimeout, now, now) {
        Ok(timeout) => match app.store.expire_ringing_calls(&timeout, SWEEP_BATCH).await {
            Ok(missed) => {
                for call in &missed {
                    tracing::info!(call = %call.id, "call missed");
                    finished(app, call).await;
                }
            }
            Err(error) => tracing::error!(%error, "ring timeout sweep failed"),
        },
        Err(error) => tracing::error!(%error, "ring timeout end refused"),
    }
    crate::calls::watch::sweep(app).await;
}
