//! The outbox worker. Each node runs one: it wakes when this node queues a
//! push, and every poll interval for pushes queued by other nodes or due
//! again. It claims due pushes under a lease (so no other node takes them
//! meanwhile), sends them a few at a time, and settles each: sent → gone
//! from the outbox; 404/410 → the subscription is deleted; 5xx, 429 and
//! timeouts → due again later; anything else → dropped, with the reason
//! logged. A node that dies mid-send leaves its claims to lapse, and
//! another node sends them then.

use super::send::{Outcome, Sender, origin};
use crate::app::App;
use futures::StreamExt;
use helpline_core::push::QueuedPush;
use std::time::Duration;
use tokio::sync::watch;

/// Pushes claimed at a time.
const CLAIM_BATCH: usize = 32;
/// Pushes in flight at once.
const IN_FLIGHT: usize = 16;
/// How long a claim keeps other nodes off a push: longer than a send can
/// take (the request timeout), so only a dead node's claims lapse.
const LEASE: Duration = Duration::from_secs(60);
/// How often the counts are logged (when they changed).
const SUMMARY_EVERY: Duration = Duration::from_secs(60);

/// Runs the worker until `stop` turns true; a batch being sent is finished
/// first.
pub async fn run(app: App, mut stop: watch::Receiver<bool>) {
    let sender = match Sender::new(app.settings.push.push_allow_insecure) {
        Ok(sender) => sender,
        Err(error) => {
            tracing::error!(%error, "the push HTTP client could not be built; no pushes are sent");
            return;
        }
    };
    let mut tick = tokio::time::interval(Duration::from_millis(app.settings.push.push_poll_ms));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut summary = tokio::time::interval(SUMMARY_EVERY);
    summary.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut logged = app.push.counts.snapshot();
    loop {
        let woken = tokio::select! {
            () = app.push.woken() => true,
            _ = tick.tick() => false,
            _ = summary.tick() => {
                logged = log_counts(&app, logged);
                continue;
            }
            _ = stop.changed() => return,
        };
        if *stop.borrow() {
            return;
        }
        // A poll first asks with a read, so an idle outbox costs no write.
        if !woken {
            match app.store.has_due_pushes(app.clock.now()).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(error) => {
                    if !error.is_closed() {
                        tracing::error!(%error, "looking for due pushes failed");
                    }
                    continue;
                }
            }
        }
        drain(&app, &sender).await;
    }
}

/// Logs what became of pushes since the last summary, if anything did.
fn log_counts(app: &App, before: (u64, u64, u64, u64)) -> (u64, u64, u64, u64) {
    let now = app.push.counts.snapshot();
    if now != before {
        let (sent, retried, gone, dropped) = now;
        tracing::info!(sent, retried, gone, dropped, "pushes since start");
    }
    now
}

/// Sends everything due now.
async fn drain(app: &App, sender: &Sender) {
    loop {
        let now = app.clock.now();
        let claimed = match app
            .store
            .claim_pushes(now, now.plus(LEASE), CLAIM_BATCH)
            .await
        {
            Ok(claimed) => claimed,
            Err(error) => {
                if !error.is_closed() {
                    tracing::error!(%error, "claiming pushes failed");
                }
                return;
            }
        };
        if claimed.is_empty() {
            return;
        }
        let full = claimed.len() == CLAIM_BATCH;
        futures::stream::iter(claimed)
            .for_each_concurrent(IN_FLIGHT, |push| async move {
                let outcome = sender.send(&app.push.vapid, &push, app.clock.now()).await;
                settle(app, &push, outcome).await;
            })
            .await;
        if !full {
            return;
        }
    }
}

/// Records what became of one attempt.
async fn settle(app: &App, push: &QueuedPush, outcome: Outcome) {
    let counts = &app.push.counts;
    let service = origin(&push.endpoint);
    let kind = push.kind.as_str();
    let result = match &outcome {
        Outcome::Sent => {
            super::Counts::add(&counts.sent);
            tracing::debug!(kind, %service, attempts = push.attempts, "push sent");
            app.store.push_done(push.id).await
        }
        Outcome::Gone => {
            super::Counts::add(&counts.gone);
            tracing::info!(kind, %service, "push subscription gone; deleted");
            app.store
                .delete_subscription(None, &push.endpoint)
                .await
                .map(drop)
        }
        Outcome::Retry(wait) => {
            super::Counts::add(&counts.retried);
            tracing::info!(kind, %service, attempts = push.attempts, wait_ms = wait.as_millis() as u64, "push to be retried");
            app.store
                .push_later(push.id, app.clock.now().plus(*wait))
                .await
        }
        Outcome::Dropped(why) => {
            super::Counts::add(&counts.dropped);
            tracing::warn!(kind, %service, attempts = push.attempts, reason = %why, "push dropped");
            app.store.push_done(push.id).await
        }
    };
    if let Err(error) = result {
        // The lease lapses and the push is tried again: at worst it is sent
        // twice, never lost.
        tracing::error!(%error, "recording a push's outcome failed");
    }
}
