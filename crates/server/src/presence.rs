//! Who is connected, and which volunteers take requests: on this node
//! (counted per socket) and, in a cluster, on every other node (as each
//! node last announced it through the broker, [`crate::cluster`]).
//!
//! A user may have several sockets (tabs, devices, nodes); they are online
//! while at least one is connected anywhere. A volunteer is available on
//! connect unless they set `away`; the choice lasts while they stay online
//! and holds on every node. Other nodes are known from their news: a
//! snapshot every heartbeat plus each change as it happens; a node not
//! heard from for three heartbeats is forgotten with its users.
//!
//! Every change in how a volunteer looks from this node (online or not,
//! and their availability) is queued as a [`VolunteerChange`], in the
//! order the changes are made, for this node's seekers and support agents
//! (`volunteer:presence`, sent by [`crate::realtime::fanout`]). Each node
//! derives these from its own table, whether the change happened here or
//! was heard from another node (or a node fell silent), and tells only its
//! own sockets: the events never travel on the broker, so each seeker gets
//! exactly one per change as their node sees it, even from a node that
//! crashed and could announce nothing.

use crate::cluster::news::{self, News, NodeId, Present};
use crate::cluster::outbox::Outbox;
use helpline_core::UserId;
pub use helpline_core::user::Availability;
use helpline_core::user::Role;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use tokio::sync::mpsc::UnboundedSender;

/// A volunteer's presence as seen from this node changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolunteerChange {
    /// The volunteer.
    pub volunteer: UserId,
    /// Their availability now; `None` when they are online nowhere.
    pub availability: Option<Availability>,
}

#[derive(Debug)]
struct Entry {
    role: Role,
    sockets: usize,
    availability: Availability,
}

/// What one other node last said about its users.
#[derive(Debug)]
struct Node {
    users: HashMap<UserId, (Role, Availability)>,
    heard: Instant,
}

#[derive(Debug, Default)]
struct Table {
    /// This node's users.
    local: HashMap<UserId, Entry>,
    /// Every other live node's users.
    nodes: HashMap<NodeId, Node>,
}

impl Table {
    fn is_online(&self, user: &UserId) -> bool {
        self.local.contains_key(user) || self.nodes.values().any(|n| n.users.contains_key(user))
    }

    /// Records a volunteer's choice wherever they are known to be: it holds
    /// on every node they are connected to.
    fn choose(&mut self, user: &UserId, availability: Availability) {
        if let Some(entry) = self.local.get_mut(user) {
            entry.availability = availability;
        }
        for node in self.nodes.values_mut() {
            if let Some(state) = node.users.get_mut(user) {
                state.1 = availability;
            }
        }
    }

    /// The user's role and availability, here first, else on any node.
    fn state(&self, user: &UserId) -> Option<(Role, Availability)> {
        match self.local.get(user) {
            Some(entry) => Some((entry.role, entry.availability)),
            None => self.nodes.values().find_map(|n| n.users.get(user).copied()),
        }
    }

    /// How a volunteer looks from here: `Some(availability)` while online
    /// anywhere; `None` when offline (or not a volunteer).
    fn shown(&self, user: &UserId) -> Option<Availability> {
        self.state(user)
            .filter(|(role, _)| *role == Role::Volunteer)
            .map(|(_, availability)| availability)
    }

    /// The users whose presence `news` from `from` may change.
    fn touched_by(&self, from: NodeId, news: &News) -> Vec<UserId> {
        let known = || {
            self.nodes
                .get(&from)
                .into_iter()
                .flat_map(|n| n.users.keys().cloned())
        };
        match news {
            News::Leaving => known().collect(),
            News::Snapshot { first, users } => {
                let mut touched: Vec<UserId> = users.iter().map(|p| p.user.clone()).collect();
                if *first {
                    touched.extend(known());
                }
                touched.sort_unstable();
                touched.dedup();
                touched
            }
            News::Present(present) => vec![present.user.clone()],
            News::Absent(user) | News::Chose { user, .. } => vec![user.clone()],
            _ => Vec::new(),
        }
    }
}

/// Shared presence table.
#[derive(Debug, Clone, Default)]
pub struct Presence {
    table: Arc<Mutex<Table>>,
    /// Counts volunteers becoming available (connecting, or back from
    /// away, here or on another node), so a request opened from a
    /// snapshot of the available can tell whether anyone arrived while it
    /// was being stored.
    arrivals: Arc<AtomicU64>,
    /// Where this node's changes are announced, in a cluster.
    outbox: Option<Outbox>,
    /// Where changes to how volunteers look from here are queued.
    changes: Option<UnboundedSender<VolunteerChange>>,
}

/// Volunteers and how they looked before a change.
type Before = Vec<(UserId, Option<Availability>)>;

/// A point in the sequence of volunteers becoming available
/// ([`Presence::arrivals_mark`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArrivalsMark(u64);

/// Whether `(role, availability)` is an available volunteer.
fn takes_requests(state: Option<(Role, Availability)>) -> bool {
    state == Some((Role::Volunteer, Availability::Available))
}

impl Presence {
    /// Presence that announces this node's changes to `outbox` (none: one
    /// node) and queues how volunteers' presence changes to `changes`.
    pub fn new(outbox: Option<Outbox>, changes: Option<UnboundedSender<VolunteerChange>>) -> Self {
        Self {
            outbox,
            changes,
            ..Self::default()
        }
    }

    /// How `users` look now, when anyone listens for changes.
    fn before(&self, table: &Table, users: impl IntoIterator<Item = UserId>) -> Before {
        if self.changes.is_none() {
            return Vec::new();
        }
        users
            .into_iter()
            .map(|user| {
                let shown = table.shown(&user);
                (user, shown)
            })
            .collect()
    }

    /// Queues a change for each of `before` who looks different now; called
    /// with the table still locked, so changes queue in the order made.
    fn tell_changes(&self, table: &Table, before: Before) {
        let Some(changes) = &self.changes else {
            return;
        };
        for (volunteer, was) in before {
            let availability = table.shown(&volunteer);
            if availability != was {
                // Closed only once the server stops; nobody is left to tell.
                let _ = changes.send(VolunteerChange {
                    volunteer,
                    availability,
                });
            }
        }
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        // A panic while holding this lock cannot leave the map inconsistent
        // (every update is a single insert or field write), so recover.
        self.table
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn announce(&self, news: News) {
        if let Some(outbox) = &self.outbox {
            outbox.send(news);
        }
    }

    fn arrived(&self) {
        self.arrivals.fetch_add(1, Ordering::SeqCst);
    }

    // News about this node's users is queued while the table is locked, so
    // it leaves in the order the changes were made.

    /// Counts a new socket; true when it is the user's first on this node.
    /// A user already online elsewhere keeps their availability; otherwise
    /// they take `chosen` (a volunteer's stored choice).
    pub fn connect(&self, user: &UserId, role: Role, chosen: Availability) -> bool {
        let mut table = self.table();
        if let Some(entry) = table.local.get_mut(user) {
            entry.sockets += 1;
            return false;
        }
        let before = table.state(user);
        let availability = before.map_or(chosen, |(_, a)| a);
        let shown = self.before(&table, (role == Role::Volunteer).then(|| user.clone()));
        table.local.insert(
            user.clone(),
            Entry {
                role,
                sockets: 1,
                availability,
            },
        );
        if !takes_requests(before) && takes_requests(Some((role, availability))) {
            self.arrived();
        }
        self.tell_changes(&table, shown);
        self.announce(News::Present(Present {
            user: user.clone(),
            role,
            availability,
            chose: false,
        }));
        true
    }

    /// Forgets a socket; true when the user has none left on this node.
    pub fn disconnect(&self, user: &UserId) -> bool {
        let mut table = self.table();
        let Some(entry) = table.local.get_mut(user) else {
            return false;
        };
        entry.sockets = entry.sockets.saturating_sub(1);
        if entry.sockets > 0 {
            return false;
        }
        let shown = self.before(&table, [user.clone()]);
        table.local.remove(user);
        self.tell_changes(&table, shown);
        self.announce(News::Absent(user.clone()));
        true
    }

    /// Sets a connected volunteer's availability, everywhere they are;
    /// true when it changed. They may be connected to another node only
    /// (the server setting them away): then every node hears it as
    /// [`News::Chose`].
    pub fn set_availability(&self, user: &UserId, availability: Availability) -> bool {
        let mut table = self.table();
        let role = match table.local.get_mut(user) {
            Some(entry) if entry.availability != availability => entry.role,
            Some(_) => return false,
            None => {
                match table.state(user) {
                    Some((_, now)) if now != availability => {}
                    _ => return false,
                }
                let shown = self.before(&table, [user.clone()]);
                table.choose(user, availability);
                self.tell_changes(&table, shown);
                if availability == Availability::Available {
                    self.arrived();
                }
                self.announce(News::Chose {
                    user: user.clone(),
                    availability,
                });
                return true;
            }
        };
        let shown = self.before(&table, [user.clone()]);
        table.choose(user, availability);
        self.tell_changes(&table, shown);
        if availability == Availability::Available {
            self.arrived();
        }
        self.announce(News::Present(Present {
            user: user.clone(),
            role,
            availability,
            chose: true,
        }));
        true
    }

    /// Announces everyone connected to this node (its heartbeat).
    pub fn announce_snapshot(&self) {
        let table = self.table();
        let users = table
            .local
            .iter()
            .map(|(user, entry)| Present {
                user: user.clone(),
                role: entry.role,
                availability: entry.availability,
                chose: false,
            })
            .collect();
        for part in news::snapshot(users) {
            self.announce(part);
        }
    }

    /// Whether the user has a connected socket on any node.
    pub fn is_online(&self, user: &UserId) -> bool {
        self.table().is_online(user)
    }

    /// `Some(availability)` when online.
    pub fn availability(&self, user: &UserId) -> Option<Availability> {
        self.table()
            .state(user)
            .map(|(_, availability)| availability)
    }

    /// Whether a volunteer is online and available.
    pub fn is_available_volunteer(&self, user: &UserId) -> bool {
        takes_requests(self.table().state(user))
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

    /// Every online, available volunteer, on every node, once.
    pub fn available_volunteers(&self) -> Vec<UserId> {
        let table = self.table();
        let mut available: Vec<UserId> = table
            .local
            .iter()
            .filter(|(_, e)| e.role == Role::Volunteer && e.availability == Availability::Available)
            .map(|(id, _)| id.clone())
            .collect();
        for node in table.nodes.values() {
            for (id, state) in &node.users {
                if takes_requests(Some(*state)) && !table.local.contains_key(id) {
                    available.push(id.clone());
                }
            }
        }
        available.sort_unstable();
        available.dedup();
        available
    }

    /// Applies what node `from` said; returns the users who are now
    /// online nowhere (their calls are watched) and whether `from` was
    /// unknown until now (it then hears this node's snapshot).
    pub fn heard(&self, from: NodeId, news: &News, now: Instant) -> Heard {
        let mut table = self.table();
        let touched = match self.changes {
            Some(_) => table.touched_by(from, news),
            None => Vec::new(),
        };
        let shown = self.before(&table, touched);
        let (heard, arrivals) = Self::apply(&mut table, from, news, now);
        self.tell_changes(&table, shown);
        drop(table);
        if arrivals > 0 {
            self.arrivals.fetch_add(arrivals, Ordering::SeqCst);
        }
        heard
    }

    /// [`Self::heard`] on the locked table; returns what it changed and
    /// how many volunteers became available.
    fn apply(table: &mut Table, from: NodeId, news: &News, now: Instant) -> (Heard, u64) {
        if let News::Leaving = news {
            let mut gone = Vec::new();
            if let Some(node) = table.nodes.remove(&from) {
                gone.extend(node.users.into_keys().filter(|u| !table.is_online(u)));
            }
            let heard = Heard {
                gone,
                new_node: false,
            };
            return (heard, 0);
        }
        // Any news makes a node known (its users come with its snapshot),
        // so an unknown node is answered once, not once per event.
        let new_node = !table.nodes.contains_key(&from);
        let node = table.nodes.entry(from).or_insert_with(|| Node {
            users: HashMap::new(),
            heard: now,
        });
        node.heard = now;
        let mut gone = Vec::new();
        let mut arrivals = 0;
        match news {
            News::Snapshot { first, users } => {
                let before = if *first {
                    table
                        .nodes
                        .get_mut(&from)
                        .map(|n| std::mem::take(&mut n.users))
                        .unwrap_or_default()
                } else {
                    HashMap::new()
                };
                for present in users {
                    let state = (present.role, present.availability);
                    let known = before.get(&present.user).copied();
                    if takes_requests(Some(state))
                        && !takes_requests(table.state(&present.user))
                        && !takes_requests(known)
                    {
                        arrivals += 1;
                    }
                    if let Some(node) = table.nodes.get_mut(&from) {
                        node.users.insert(present.user.clone(), state);
                    }
                }
                gone.extend(before.into_keys().filter(|u| !table.is_online(u)));
            }
            News::Present(present) => {
                let state = (present.role, present.availability);
                if takes_requests(Some(state)) && !takes_requests(table.state(&present.user)) {
                    arrivals += 1;
                }
                if let Some(node) = table.nodes.get_mut(&from) {
                    node.users.insert(present.user.clone(), state);
                }
                // A choice the volunteer made on another node holds here too.
                if present.chose {
                    table.choose(&present.user, present.availability);
                }
            }
            News::Chose { user, availability } => {
                let before = table.state(user);
                table.choose(user, *availability);
                if takes_requests(table.state(user)) && !takes_requests(before) {
                    arrivals += 1;
                }
            }
            News::Absent(user) => {
                if let Some(node) = table.nodes.get_mut(&from) {
                    node.users.remove(user);
                }
                if !table.is_online(user) {
                    gone.push(user.clone());
                }
            }
            _ => {}
        }
        (Heard { gone, new_node }, arrivals)
    }

    /// Forgets the nodes not heard from since `cutoff`; returns their
    /// users who are now online nowhere.
    pub fn expire(&self, cutoff: Instant) -> Vec<UserId> {
        let mut table = self.table();
        let silent: Vec<NodeId> = table
            .nodes
            .iter()
            .filter(|(_, node)| node.heard < cutoff)
            .map(|(id, _)| *id)
            .collect();
        let touched = silent
            .iter()
            .filter_map(|id| table.nodes.get(id))
            .flat_map(|node| node.users.keys().cloned())
            .collect::<Vec<_>>();
        let shown = self.before(&table, touched);
        let mut gone = Vec::new();
        for id in silent {
            tracing::warn!(node = %format!("{id:032x}"), "a node went silent and is forgotten");
            if let Some(node) = table.nodes.remove(&id) {
                gone.extend(node.users.into_keys());
            }
        }
        gone.retain(|user| !table.is_online(user));
        self.tell_changes(&table, shown);
        gone
    }
}

/// What a node's news changed ([`Presence::heard`]).
#[derive(Debug, Default)]
pub struct Heard {
    /// Users now online nowhere.
    pub gone: Vec<UserId>,
    /// The news came from a node not known until now.
    pub new_node: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockets_and_availability() {
        let p = Presence::default();
        let v = UserId::from_trusted("v");
        assert!(p.connect(&v, Role::Volunteer, Availability::Available));
        assert!(!p.connect(&v, Role::Volunteer, Availability::Available));
        assert!(p.is_available_volunteer(&v));
        assert!(p.set_availability(&v, Availability::Away));
        assert!(!p.set_availability(&v, Availability::Away));
        assert!(p.available_volunteers().is_empty());
        assert!(!p.disconnect(&v));
        assert!(p.is_online(&v));
        assert!(p.disconnect(&v));
        assert!(!p.is_online(&v));
        assert!(p.connect(&v, Role::Volunteer, Availability::Available));
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
        p.connect(&s, Role::Seeker, Availability::Available);
        assert!(!p.arrived_since(mark), "a seeker is no arrival");
        p.connect(&v, Role::Volunteer, Availability::Available);
        assert!(p.arrived_since(mark));
        let mark = p.arrivals_mark();
        p.connect(&v, Role::Volunteer, Availability::Available);
        p.set_availability(&v, Availability::Away);
        assert!(
            !p.arrived_since(mark),
            "a second socket or going away is none"
        );
        p.set_availability(&v, Availability::Available);
        assert!(p.arrived_since(mark), "back from away is one");
    }

    fn present(user: &UserId, availability: Availability) -> Present {
        Present {
            user: user.clone(),
            role: Role::Volunteer,
            availability,
            chose: true,
        }
    }

    #[test]
    fn other_nodes_count_until_they_leave_or_fall_silent() {
        let p = Presence::default();
        let (v, w) = (UserId::from_trusted("v"), UserId::from_trusted("w"));
        let start = Instant::now();
        let mark = p.arrivals_mark();
        let heard = p.heard(
            1,
            &News::Present(present(&v, Availability::Available)),
            start,
        );
        assert!(heard.new_node);
        assert!(
            p.arrived_since(mark),
            "a volunteer arriving elsewhere is an arrival"
        );
        assert!(p.is_available_volunteer(&v));
        let snapshot = News::Snapshot {
            first: true,
            users: vec![present(&w, Availability::Away)],
        };
        let heard = p.heard(2, &snapshot, start);
        assert!(heard.new_node && heard.gone.is_empty());
        assert_eq!(p.available_volunteers(), vec![v.clone()]);
        assert!(p.is_online(&w));
        // Node 1 leaves; node 2 falls silent.
        assert_eq!(p.heard(1, &News::Leaving, start).gone, vec![v.clone()]);
        assert!(!p.is_online(&v));
        let later = start + std::time::Duration::from_secs(1);
        assert_eq!(p.expire(later), vec![w.clone()]);
        assert!(!p.is_online(&w));
    }

    #[test]
    fn a_volunteer_on_another_node_is_set_away_everywhere() {
        let (sender, mut changes) = tokio::sync::mpsc::unbounded_channel();
        let here = Presence::new(None, Some(sender));
        let there = Presence::default();
        let v = UserId::from_trusted("v");
        let now = Instant::now();
        here.heard(1, &News::Present(present(&v, Availability::Available)), now);
        while changes.try_recv().is_ok() {}
        assert!(here.set_availability(&v, Availability::Away));
        assert!(!here.set_availability(&v, Availability::Away), "no change");
        assert!(!here.is_available_volunteer(&v) && here.is_online(&v));
        let change = changes.try_recv().expect("a change");
        assert_eq!(change.availability, Some(Availability::Away));
        // The node they are on hears it as `Chose`.
        there.connect(&v, Role::Volunteer, Availability::Available);
        let chose = News::Chose {
            user: v.clone(),
            availability: Availability::Away,
        };
        there.heard(2, &chose, now);
        assert!(!there.is_available_volunteer(&v));
        assert_eq!(there.availability(&v), Some(Availability::Away));
        // Someone connected nowhere is not set anything.
        assert!(!here.set_availability(&UserId::from_trusted("w"), Availability::Away));
    }

    #[test]
    fn each_change_in_how_a_volunteer_looks_is_queued_once() {
        let (sender, mut changes) = tokio::sync::mpsc::unbounded_channel();
        let p = Presence::new(None, Some(sender));
        let (v, s) = (UserId::from_trusted("v"), UserId::from_trusted("s"));
        let mut heard = || {
            let mut all = Vec::new();
            while let Ok(change) = changes.try_recv() {
                all.push((change.volunteer, change.availability));
            }
            all
        };
        let now = Instant::now();
        p.connect(&s, Role::Seeker, Availability::Available);
        assert!(heard().is_empty(), "seekers are not announced");
        p.connect(&v, Role::Volunteer, Availability::Away);
        assert_eq!(heard(), vec![(v.clone(), Some(Availability::Away))]);
        p.connect(&v, Role::Volunteer, Availability::Away);
        p.heard(1, &News::Present(present(&v, Availability::Away)), now);
        assert!(heard().is_empty(), "a second socket, here or elsewhere");
        p.set_availability(&v, Availability::Available);
        assert_eq!(heard(), vec![(v.clone(), Some(Availability::Available))]);
        p.disconnect(&v);
        p.disconnect(&v);
        assert!(heard().is_empty(), "still online on node 1");
        p.heard(1, &News::Present(present(&v, Availability::Away)), now);
        assert_eq!(heard(), vec![(v.clone(), Some(Availability::Away))]);
        p.heard(1, &News::Absent(v.clone()), now);
        assert_eq!(heard(), vec![(v.clone(), None)]);
        // A node that falls silent takes its volunteers offline.
        p.heard(2, &News::Present(present(&v, Availability::Available)), now);
        assert_eq!(heard(), vec![(v.clone(), Some(Availability::Available))]);
        let later = now + std::time::Duration::from_secs(1);
        p.expire(later);
        assert_eq!(heard(), vec![(v.clone(), None)]);
    }

    #[test]
    fn a_user_here_and_elsewhere_is_gone_only_when_gone_everywhere() {
        let p = Presence::default();
        let v = UserId::from_trusted("v");
        let now = Instant::now();
        p.heard(1, &News::Present(present(&v, Availability::Away)), now);
        assert!(p.connect(&v, Role::Volunteer, Availability::Available));
        assert!(
            !p.is_available_volunteer(&v),
            "the choice made elsewhere holds"
        );
        assert!(p.heard(1, &News::Absent(v.clone()), now).gone.is_empty());
        assert!(p.disconnect(&v));
        assert!(!p.is_online(&v));
        p.connect(&v, Role::Volunteer, Availability::Available);
        p.heard(1, &News::Present(present(&v, Availability::Available)), now);
        assert!(p.is_available_volunteer(&v));
        p.heard(1, &News::Present(present(&v, Availability::Away)), now);
        assert!(!p.is_available_volunteer(&v), "set away on another node");
    }
}
