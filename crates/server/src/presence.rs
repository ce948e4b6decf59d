//! Who is connected to this process, and which volunteers take requests.
//!
//! A user may have several sockets (tabs, devices); they are online while at
//! least one is connected. A volunteer is available on connect unless they
//! set `away`; the choice lasts while they stay online. Presence is
//! per-process memory: it is what this node can deliver to right now.

use helpline_core::UserId;
pub use helpline_core::user::Availability;
use helpline_core::user::Role;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Debug)]
struct Entry {
    role: Role,
    sockets: usize,
    availability: Availability,
}

/// Shared presence table.
#[derive(Debug, Clone, Default)]
pub struct Presence {
    users: Arc<Mutex<HashMap<UserId, Entry>>>,
    /// Counts volunteers becoming available (connecting, or back from
    /// away), so a request opened from a snapshot of the available can
    /// tell whether anyone arrived while it was being stored.
    arrivals: Arc<AtomicU64>,
}

/// A point in the sequence of volunteers becoming available
/// ([`Presence::arrivals_mark`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArrivalsMark(u64);

impl Presence {
    fn table(&self) -> MutexGuard<'_, HashMap<UserId, Entry>> {
        // A panic while holding this lock cannot leave the map inconsistent
        // (every update is a single insert or field write), so recover.
        self.users
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts a new socket; true when it is the user's first.
    pub fn connect(&self, user: &UserId, role: Role) -> bool {
        let mut table = self.table();
        let entry = table.entry(user.clone()).or_insert(Entry {
            role,
            sockets: 0,
            availability: Availability::Available,
        });
        entry.sockets += 1;
        let first = entry.sockets == 1;
        if first && role == Role::Volunteer {
            self.arrivals.fetch_add(1, Ordering::SeqCst);
        }
        first
    }

    /// Forgets a socket; true when the user has none left.
    pub fn disconnect(&self, user: &UserId) -> bool {
        let mut table = self.table();
        let Some(entry) = table.get_mut(user) else {
            return false;
        };
        entry.sockets = entry.sockets.saturating_sub(1);
        if entry.sockets == 0 {
            table.remove(user);
            true
        } else {
            false
        }
    }

    /// Sets a connected volunteer's availability; true when it changed.
    pub fn set_availability(&self, user: &UserId, availability: Availability) -> bool {
        match self.table().get_mut(user) {
            Some(entry) if entry.availability != availability => {
                entry.availability = availability;
                if availability == Availability::Available {
                    self.arrivals.fetch_add(1, Ordering::SeqCst);
                }
                true
            }
            _ => false,
        }
    }

    /// Whether the user has a connected socket here.
    pub fn is_online(&self, user: &UserId) -> bool {
        self.table().contains_key(user)
    }

    /// `Some(availability)` when online.
    pub fn availability(&self, user: &UserId) -> Option<Availability> {
        self.table().get(user).map(|e| e.availability)
    }

    /// Whether a volunteer is online and available.
    pub fn is_available_volunteer(&self, user: &UserId) -> bool {
        matches!(self.table().get(user), Some(e) if e.role == Role::Volunteer && e.availability == Availability::Available)
    }

    /// Where the count of volunteers becoming available stands; read it
    /// before a snapshot of [`Self::available_volunteers`].
    pub fn arrivals_mark(&self) -> ArrivalsMark {
        ArrivalsMark(self.arrivals.load(Ordering::SeqCst))
    }

    /// Whether any volunteer became available since `mark`. A volunteer
    /// who did either is counted here or, becoming available after this
    /// read, reads afterwards what was stored before it.
    pub fn arrived_since(&self, mark: ArrivalsMark) -> bool {
        self.arrivals.load(Ordering::SeqCst) != mark.0
    }

    /// Every online, available volunteer.
    pub fn available_volunteers(&self) -> Vec<UserId> {
        self.table()
            .iter()
            .filter(|(_, e)| e.role == Role::Volunteer && e.availability == Availability::Available)
            .map(|(id, _)| id.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockets_and_availability() {
        let p = Presence::default();
        let v = UserId::from_trusted("v");
        assert!(p.connect(&v, Role::Volunteer));
        assert!(!p.connect(&v, Role::Volunteer));
        assert!(p.is_available_volunteer(&v));
        assert!(p.set_availability(&v, Availability::Away));
        assert!(!p.set_availability(&v, Availability::Away));
        assert!(p.available_volunteers().is_empty());
        assert!(!p.disconnect(&v));
        assert!(p.is_online(&v));
        assert!(p.disconnect(&v));
        assert!(!p.is_online(&v));
        assert!(p.connect(&v, Role::Volunteer));
        assert!(
            p.is_available_volunteer(&v),
            "availability resets when they come back"
        );
    }

    #[test]
    fn arrivals_count_volunteers_becoming_available() {
        let p = Presence::default();
        let (v, s) = (UserId::from_trusted("v"), UserId::from_trusted("s"));
        let mark = p.arrivals_mark();
        assert!(!p.arrived_since(mark));
        p.connect(&s, Role::Seeker);
        assert!(!p.arrived_since(mark), "a seeker is no arrival");
        p.connect(&v, Role::Volunteer);
        assert!(p.arrived_since(mark));
        let mark = p.arrivals_mark();
        p.connect(&v, Role::Volunteer);
        p.set_availability(&v, Availability::Away);
        assert!(
            !p.arrived_since(mark),
            "a second socket or going away is none"
        );
        p.set_availability(&v, Availability::Available);
        assert!(p.arrived_since(mark), "back from away is one");
    }
}
