//! The disconnect watch: a call participant whose every device is gone for
//! longer than `HELPLINE_CALL_DISCONNECT_GRACE_SECS` ends the call as
//! `failed`/`disconnected`. Watched: the caller while ringing or active,
//! the callee once active. Per-process memory (like presence): when a
//! user's last socket here disconnects, the time is noted if they are in a
//! live call; a socket coming back clears it; the sweeper ends the calls
//! of those still gone after the grace period (through the state machine,
//! so a call that ended meanwhile is left alone).

use super::lifecycle::{Applied, apply, finished};
use crate::app::App;
use helpline_core::call::{CallEvent, CallStatus, Side};
use helpline_core::{Timestamp, UserId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Users with live calls and no device, since when.
#[derive(Debug, Clone, Default)]
pub struct CallWatch {
    gone: Arc<Mutex<HashMap<UserId, Timestamp>>>,
}

impl CallWatch {
    fn table(&self) -> MutexGuard<'_, HashMap<UserId, Timestamp>> {
        // Every update is a single insert or remove; recover from a poison.
        self.gone.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A socket of `user` connected: they are back.
    pub fn back(&self, user: &UserId) {
        self.table().remove(user);
    }

    /// Removes and returns the users gone since at or before `cutoff`.
    fn due(&self, cutoff: Timestamp) -> Vec<UserId> {
        let mut table = self.table();
        let due: Vec<UserId> = table
            .iter()
            .filter(|(_, since)| **since <= cutoff)
            .map(|(user, _)| user.clone())
            .collect();
        for user in &due {
            table.remove(user);
        }
        due
    }
}

/// `user`'s last socket here disconnected: start the grace period if they
/// are in a live call.
pub async fn user_gone(app: &App, user: &UserId) {
    match app.store.live_calls_of(user).await {
        Ok(calls) if !calls.is_empty() => {
            if !app.presence.is_online(user) {
                app.call_watch.table().insert(user.clone(), app.clock.now());
            }
        }
        Ok(_) => {}
        // Sockets still closing while the server shuts down.
        Err(error) if error.is_closed() => {
            tracing::debug!(%error, "store closed before a leaving user's calls were read");
        }
        Err(error) => tracing::warn!(%error, "loading a leaving user's calls failed"),
    }
}

/// Ends the calls of watched participants gone longer than the grace period.
pub async fn sweep(app: &App) {
    let grace = Duration::from_secs(app.settings.calls.disconnect_grace_secs);
    let now = app.clock.now();
    let cutoff = Timestamp::from_millis(now.millis() - grace.as_millis() as i64);
    for user in app.call_watch.due(cutoff) {
        if app.presence.is_online(&user) {
            continue;
        }
        let calls = match app.store.live_calls_of(&user).await {
            Ok(calls) => calls,
            Err(error) => {
                tracing::warn!(%error, "loading a gone user's calls failed");
                continue;
            }
        };
        for call in calls {
            let watched = match call.side_of(&user) {
                Some(Side::Caller) => true,
                Some(Side::Callee) => call.status == CallStatus::Active,
                None => false,
            };
            if !watched {
                continue;
            }
            match apply(app, &call.id, CallEvent::ParticipantGone, None).await {
                Ok(Applied::Ended(ended)) => finished(app, &ended).await,
                Ok(Applied::Answered(_)) => {}
                Err(error) => tracing::debug!(call = %call.id, %error, "disconnect end skipped"),
            }
        }
    }
}
