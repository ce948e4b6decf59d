//! Sockets live no longer than the token they connected with.
//!
//! A token is checked once, at the handshake; without this a socket would
//! outlive its token by days. Each admitted socket's expiry is kept in an
//! ordered set, and the sweeper ([`crate::jobs`]) calls
//! [`disconnect_expired`] on every tick: a socket whose token has expired is
//! told `auth:expired` and disconnected. The client then reconnects with a
//! fresh token (or, with the old one, gets `connect_error` "unauthorized").
//! Deadlines follow the app's [`helpline_core::Clock`], so tests move time.

use super::outbound::ServerEvent;
use crate::app::App;
use helpline_core::Timestamp;
use socketioxide::socket::Sid;
use std::collections::BTreeSet;
use std::sync::Mutex;

/// When each connected socket's token expires.
#[derive(Debug, Default)]
pub struct TokenDeadlines {
    due: Mutex<BTreeSet<(i64, Sid)>>,
}

impl TokenDeadlines {
    /// Remembers that `socket`'s token expires at `expires`.
    pub fn add(&self, socket: Sid, expires: Timestamp) {
        if let Ok(mut due) = self.due.lock() {
            due.insert((expires.millis(), socket));
        }
    }

    /// Forgets a socket that disconnected.
    pub fn remove(&self, socket: Sid, expires: Timestamp) {
        if let Ok(mut due) = self.due.lock() {
            due.remove(&(expires.millis(), socket));
        }
    }

    /// Takes every socket whose token expired at or before `now`.
    fn take_due(&self, now: Timestamp) -> Vec<Sid> {
        let Ok(mut due) = self.due.lock() else {
            return Vec::new();
        };
        let mut expired = Vec::new();
        while let Some(&(at, sid)) = due.first()
            && at <= now.millis()
        {
            due.pop_first();
            expired.push(sid);
        }
        expired
    }
}

/// Tells every socket whose token has expired, then disconnects it.
pub async fn disconnect_expired(app: &App) {
    let expired = app.token_deadlines.take_due(app.clock.now());
    for sid in expired {
        let Some(socket) = app.fanout.socket(sid) else {
            continue;
        };
        app.fanout.to_socket(&socket, &ServerEvent::AuthExpired {});
        if let Err(error) = socket.disconnect() {
            tracing::debug!(%error, "disconnecting an expired socket failed");
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn only_due_sockets_are_taken_and_each_once() {
        let deadlines = TokenDeadlines::default();
        let (a, b, c) = (Sid::new(), Sid::new(), Sid::new());
        deadlines.add(a, Timestamp::from_millis(1_000));
        deadlines.add(b, Timestamp::from_millis(2_000));
        deadlines.add(c, Timestamp::from_millis(3_000));
        deadlines.remove(b, Timestamp::from_millis(2_000));
        assert!(deadlines.take_due(Timestamp::from_millis(999)).is_empty());
        assert_eq!(deadlines.take_due(Timestamp::from_millis(2_500)), [a]);
        assert!(deadlines.take_due(Timestamp::from_millis(2_500)).is_empty());
        assert_eq!(deadlines.take_due(Timestamp::from_millis(3_000)), [c]);
    }
}
