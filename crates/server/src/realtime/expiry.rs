//! Sockets live no longer than the token they connected with.
//!
//! A token is checked once, at the handshake; without this a socket would
//! outlive its token by days. Each admitted socket's expiry is kept in an
//! ordered set, and the sweeper ([`crate::jobs`]) calls
//! [`TokenDeadlines::disconnect_expired`] on every tick: a socket whose token has expired is
//! told `auth:expired` and disconnected. The client then reconnects with a
//! fresh token (or, with the old one, gets `connect_error` "unauthorized").
//! Deadlines follow the app's [`helpline_core::Clock`], so tests move time.

use super::fanout::Fanout;
use super::outbound::ServerEvent;
use helpline_core::Timestamp;
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

/// When each connected socket's token expires.
#[derive(Debug, Default)]
pub struct TokenDeadlines {
    deadlines: Mutex<Deadlines>,
}

/// Sockets by deadline, and each socket's deadline.
#[derive(Debug, Default)]
struct Deadlines {
    due: BTreeSet<(i64, String)>,
    of: HashMap<String, i64>,
}

impl TokenDeadlines {
    /// Remembers that socket `socket`'s token expires at `expires`.
    pub fn add(&self, socket: &str, expires: Timestamp) {
        if let Ok(mut deadlines) = self.deadlines.lock() {
            deadlines.due.insert((expires.millis(), socket.to_owned()));
            deadlines.of.insert(socket.to_owned(), expires.millis());
        }
    }

    /// Forgets a socket that disconnected.
    pub fn remove(&self, socket: &str) {
        if let Ok(mut deadlines) = self.deadlines.lock()
            && let Some(at) = deadlines.of.remove(socket)
        {
            deadlines.due.remove(&(at, socket.to_owned()));
        }
    }

    /// Tells every socket whose token expired at or before `now`, then
    /// disconnects it.
    pub fn disconnect_expired(&self, fanout: &Fanout, now: Timestamp) {
        for id in self.take_due(now) {
            let Some(socket) = fanout.socket(&id) else {
                continue;
            };
            fanout.to_socket(&socket, &ServerEvent::AuthExpired {});
            socket.disconnect();
        }
    }

    /// Takes every socket whose token expired at or before `now`.
    fn take_due(&self, now: Timestamp) -> Vec<String> {
        let Ok(mut deadlines) = self.deadlines.lock() else {
            return Vec::new();
        };
        let mut expired = Vec::new();
        while deadlines
            .due
            .first()
            .is_some_and(|(at, _)| *at <= now.millis())
        {
            if let Some((_, socket)) = deadlines.due.pop_first() {
                deadlines.of.remove(&socket);
                expired.push(socket);
            }
        }
        expired
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn only_due_sockets_are_taken_and_each_once() {
        let deadlines = TokenDeadlines::default();
        let (a, b, c) = ("a", "b", "c");
        deadlines.add(a, Timestamp::from_millis(1_000));
        deadlines.add(b, Timestamp::from_millis(2_000));
        deadlines.add(c, Timestamp::from_millis(3_000));
        deadlines.remove(b);
        assert!(deadlines.take_due(Timestamp::from_millis(999)).is_empty());
        assert_eq!(deadlines.take_due(Timestamp::from_millis(2_500)), [a]);
        assert!(deadlines.take_due(Timestamp::from_millis(2_500)).is_empty());
        assert_eq!(deadlines.take_due(Timestamp::from_millis(3_000)), [c]);
    }
}
