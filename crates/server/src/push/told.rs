//! Told in the app, then gone: a person who is connected when a volunteer
//! accepts their request, or when a call to them starts ringing, is told
//! in the app and not pushed. If their last socket goes soon after (they
//! closed the app as it happened, or the server was still reading the
//! close of a socket already shut), the event may never have reached the
//! screen. This node remembers such events for a short while and, when
//! the person is seen online nowhere, pushes them after all:
//! - an accepted request, for [`SESSION_WINDOW`];
//! - a ringing call, while it still rings (checked in the store).
//!
//! Per-process memory, like presence: the node that decided not to push
//! remembers, and it learns of the departure from its own sockets or from
//! the other nodes' news, so each event is pushed at most once.

use crate::app::App;
use helpline_core::call::CallStatus;
use helpline_core::{CallId, ConversationId, Timestamp, UserId};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// How long after an in-app "a volunteer is ready to talk" a departure
/// still gets the push.
pub const SESSION_WINDOW: Duration = Duration::from_secs(10);
/// People remembered before the expired entries are pruned.
const PRUNE_AT: usize = 10_000;

/// An event someone was told of in the app only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Told {
    /// A volunteer accepted their request.
    Session {
        conversation: ConversationId,
        volunteer_name: String,
    },
    /// A call to them rang.
    Call(CallId),
}

/// This node's memory of who was told what in the app only, until when.
#[derive(Default)]
pub struct ToldInApp(Mutex<HashMap<UserId, Vec<(Timestamp, Told)>>>);

impl ToldInApp {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, Vec<(Timestamp, Told)>>> {
        // Every update is a single insert or removal; recover from a poison.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Remembers that `user` was told `what` in the app; a departure before
    /// `until` pushes it.
    pub fn remember(&self, user: &UserId, what: Told, until: Timestamp, now: Timestamp) {
        let mut told = self.lock();
        if told.len() >= PRUNE_AT {
            told.retain(|_, events| {
                events.retain(|(at, _)| *at > now);
                !events.is_empty()
            });
        }
        told.entry(user.clone()).or_default().push((until, what));
    }

    /// Takes what `user` was told that is still worth a push at `now`.
    fn take(&self, user: &UserId, now: Timestamp) -> Vec<Told> {
        let events = self.lock().remove(user).unwrap_or_default();
        events
            .into_iter()
            .filter(|(until, _)| *until > now)
            .map(|(_, what)| what)
            .collect()
    }
}

/// `user` is online nowhere now (as this node sees it): push what they
/// were told in the app only and may not have seen.
pub async fn user_gone(app: &App, user: &UserId) {
    // Gone from one node, still online on another: that node's news of
    // the departure comes later.
    if app.presence.is_online(user) {
        return;
    }
    let now = app.clock.now();
    for what in app.push.told_in_app.take(user, now) {
        match what {
            Told::Session {
                conversation,
                volunteer_name,
            } => super::notices::session_started(app, user, &conversation, &volunteer_name).await,
            Told::Call(id) => ring_again(app, user, &id).await,
        }
    }
}

/// Rings `callee` by push for call `id` if it still rings.
async fn ring_again(app: &App, callee: &UserId, id: &CallId) {
    let call = match app.store.call(id).await {
        Ok(Some(call)) => call,
        Ok(None) => return,
        Err(error) => {
            tracing::warn!(%error, "loading a call to ring by push failed");
            return;
        }
    };
    if call.status != CallStatus::Ringing
        || call.callee_id != *callee
        || call.rings_until <= app.clock.now()
    {
        return;
    }
    let caller_name = match app.store.user(&call.caller_id).await {
        Ok(Some(caller)) => caller.display_name,
        Ok(None) => return,
        Err(error) => {
            tracing::warn!(%error, "loading a caller to ring by push failed");
            return;
        }
    };
    super::notices::call_ringing(app, &call, &caller_name).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_what_is_still_worth_a_push_once() {
        let told = ToldInApp::default();
        let user = UserId::generate();
        let at = |s: i64| Timestamp::from_millis(s * 1000);
        let call = |n: &str| Told::Call(CallId::from_trusted(n));
        told.remember(&user, call("a"), at(10), at(0));
        told.remember(&user, call("b"), at(30), at(0));
        assert_eq!(told.take(&user, at(20)), vec![call("b")]);
        assert!(told.take(&user, at(20)).is_empty(), "taken once");
        assert!(told.take(&UserId::generate(), at(0)).is_empty());
    }
}
