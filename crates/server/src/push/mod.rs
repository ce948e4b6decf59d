//! Web Push: telling people who are not connected (decision 0027).
//!
//! - `vapid`: the server's key and the signed `Authorization` header.
//! - `send`: one push as an encrypted HTTP request (RFC 8291 aes128gcm,
//!   `web-push-native`), and what the push service's answer means.
//! - `worker`: drains the outbox in the database; each node runs one, and a
//!   claim's lease keeps two from sending the same push.
//! - `notices`: who is pushed about what (requests to on-call volunteers,
//!   accepted requests, messages, calls), queued after the change commits.
//! - `told`: what someone was told in the app just before they left, pushed
//!   after all.
//! - `config`: the settings.
//!
//! Subscriptions, settings and the outbox are in the store; the routes in
//! `http/push.rs`.

pub mod config;
pub mod notices;
pub mod send;
pub mod told;
pub mod vapid;
pub mod worker;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::Notify;
use vapid::Vapid;

/// The push side of the app: the VAPID identity, the worker's wake-up and
/// its running counts.
pub struct Pusher {
    pub vapid: Arc<Vapid>,
    wake: Notify,
    pub counts: Counts,
    /// Whom this node queued a message push for lately.
    pub recent_messages: notices::RecentMessagePushes,
    /// Whom this node told of something in the app only, lately.
    pub told_in_app: told::ToldInApp,
}

/// How pushes fared on this node since it started (logged by the worker).
#[derive(Default)]
pub struct Counts {
    pub sent: AtomicU64,
    pub retried: AtomicU64,
    pub gone: AtomicU64,
    pub dropped: AtomicU64,
}

impl Counts {
    fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// `(sent, retried, gone, dropped)` so far.
    pub fn snapshot(&self) -> (u64, u64, u64, u64) {
        (
            self.sent.load(Ordering::Relaxed),
            self.retried.load(Ordering::Relaxed),
            self.gone.load(Ordering::Relaxed),
            self.dropped.load(Ordering::Relaxed),
        )
    }
}

impl Pusher {
    /// A pusher signing with `vapid`.
    pub fn new(vapid: Vapid) -> Self {
        Self {
            vapid: Arc::new(vapid),
            wake: Notify::new(),
            counts: Counts::default(),
            recent_messages: Default::default(),
            told_in_app: Default::default(),
        }
    }

    /// Wakes this node's worker: something was queued. (Other nodes find
    /// it at their next poll.)
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    async fn woken(&self) {
        self.wake.notified().await;
    }
}
