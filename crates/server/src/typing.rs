//! Who is typing where. Never stored: typing is a moment, not a fact.
//!
//! The table remembers what the others were last told. A `typing:start` is
//! relayed when they were last told "not typing", or when the last relay is
//! older than [`RELAY_EVERY`] (so a client that sends it on every keystroke
//! costs the others one event every few seconds); a stop is relayed only
//! when they were last told "typing". Starts lapse by themselves after the
//! configured timeout unless renewed, so a client that vanishes
//! mid-sentence never leaves "typing…" behind. Events of one socket may be
//! handled out of order; deciding by what was last relayed keeps what the
//! others see consistent either way.

use helpline_core::{ConversationId, UserId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Least time between two relayed starts of one person in one conversation.
pub const RELAY_EVERY: Duration = Duration::from_secs(3);

#[derive(Debug)]
struct Entry {
    /// What the others were last told, and when.
    told_typing: bool,
    relayed_at: Instant,
    /// The latest start; its lapse is the only one that counts.
    generation: u64,
}

/// What a `typing:start` should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Started {
    /// Whether to tell the others now.
    pub relay: bool,
    /// Identifies this start; the expiry of an older one does nothing.
    pub generation: u64,
}

/// The typing table of this process.
#[derive(Debug, Clone, Default)]
pub struct Typing {
    entries: Arc<Mutex<HashMap<(ConversationId, UserId), Entry>>>,
    generations: Arc<std::sync::atomic::AtomicU64>,
}

impl Typing {
    fn table(&self) -> MutexGuard<'_, HashMap<(ConversationId, UserId), Entry>> {
        // Every update is a single insert or remove: a poisoned lock holds a consistent map.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records a start and says whether to relay it.
    pub fn start(&self, conversation: &ConversationId, user: &UserId) -> Started {
        let generation = self
            .generations
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        let now = Instant::now();
        let mut table = self.table();
        let entry = table
            .entry((conversation.clone(), user.clone()))
            .or_insert(Entry {
                told_typing: false,
                relayed_at: now,
                generation,
            });
        let relay = !entry.told_typing || now.duration_since(entry.relayed_at) >= RELAY_EVERY;
        if relay {
            entry.told_typing = true;
            entry.relayed_at = now;
        }
        entry.generation = generation;
        Started { relay, generation }
    }

    /// Records a stop; true when the others were told "typing" and must now hear it stopped.
    pub fn stop(&self, conversation: &ConversationId, user: &UserId) -> bool {
        self.table()
            .remove(&(conversation.clone(), user.clone()))
            .is_some_and(|e| e.told_typing)
    }

    /// Ends the start `generation` if it is still the latest; true when it
    /// lapsed now and the others must hear that typing stopped.
    pub fn lapse(&self, conversation: &ConversationId, user: &UserId, generation: u64) -> bool {
        let mut table = self.table();
        let key = (conversation.clone(), user.clone());
        match table.get(&key) {
            Some(entry) if entry.generation == generation => {
                table.remove(&key).is_some_and(|e| e.told_typing)
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relays_once_then_throttles_and_lapses_only_the_latest() {
        let typing = Typing::default();
        let (c, u) = (ConversationId::from_trusted("c"), UserId::from_trusted("u"));
        let first = typing.start(&c, &u);
        assert!(first.relay);
        let second = typing.start(&c, &u);
        assert!(
            !second.relay,
            "a renewal within the throttle is not relayed"
        );
        assert!(
            !typing.lapse(&c, &u, first.generation),
            "an older start does not end a newer one"
        );
        assert!(typing.lapse(&c, &u, second.generation));
        assert!(!typing.stop(&c, &u), "already stopped");
        assert!(typing.start(&c, &u).relay);
        assert!(typing.stop(&c, &u));
    }
}
