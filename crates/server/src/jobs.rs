//! Background jobs. The expiry sweeper moves pending requests whose stored
//! deadline has passed to `expired` with a conditional update, so each one
//! is expired (and announced) exactly once even with several processes on
//! one database, and a restart loses nothing: the deadline is in the row.

use crate::app::App;
use crate::realtime::notify_expired;
use helpline_core::Timestamp;
use std::time::Duration;
use tokio::sync::watch;

/// Most requests expired per sweep; the rest wait for the next tick.
const SWEEP_BATCH: i64 = 500;

/// Runs the sweeper until `stop` turns true.
pub async fn sweep_expired_requests(app: App, mut stop: watch::Receiver<bool>) {
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
            .expire_due_requests(Timestamp::now(), SWEEP_BATCH)
            .await
        {
            Ok(expired) => {
                for request in &expired {
                    tracing::info!(request = %request.id, "request expired");
                    if let Err(error) = notify_expired(&app, request).await {
                        tracing::warn!(%error, "announcing an expired request failed");
                    }
                }
            }
            Err(error) => tracing::error!(%error, "expiry sweep failed"),
        }
    }
}
