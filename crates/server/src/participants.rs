//! Each conversation's participants, remembered by this process.
//!
//! Participants are written once, in the transaction that creates the
//! conversation (a claim or a direct start), and never change or go away
//! afterwards, so a list read once stays right for the life of the process
//! and for every other process on the same database. Every `message:send`,
//! every delivery receipt and every history read needs the list; reading it
//! from memory saves a database round trip each time. Only non-empty lists
//! are remembered (an empty one means "no such conversation yet").
//!
//! A list is read once however many callers want it at the same moment:
//! after a restart, the first burst of messages in a conversation (eight in
//! flight from each of a thousand clients in the benchmark) used to send
//! one read each to the reader pool, which then queued for seconds.

use helpline_core::{ConversationId, UserId};
use helpline_store::{Store, StoreResult};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// Most conversations remembered; past it the memory starts over, which
/// costs one read per conversation and keeps the map bounded.
const CAPACITY: usize = 200_000;

/// A conversation's list, or the one read that is fetching it.
type Entry = Arc<OnceCell<Arc<[UserId]>>>;

/// The per-process memory of participants.
#[derive(Default)]
pub struct Participants {
    known: Mutex<HashMap<ConversationId, Entry>>,
}

/// Why a read remembers nothing.
enum Unremembered {
    /// No such conversation (yet).
    Empty,
    /// The store failed.
    Failed(helpline_store::StoreError),
}

impl Participants {
    /// `conversation`'s participants (sorted by id, as the store returns
    /// them); empty if there is no such conversation.
    pub async fn of(
        &self,
        store: &dyn Store,
        conversation: &ConversationId,
    ) -> StoreResult<Arc<[UserId]>> {
        let entry = self.entry(conversation);
        let read = entry
            .get_or_try_init(|| async {
                match store.participants(conversation).await {
                    Ok(list) if list.is_empty() => Err(Unremembered::Empty),
                    Ok(list) => Ok(Arc::from(list)),
                    Err(error) => Err(Unremembered::Failed(error)),
                }
            })
            .await;
        match read {
            Ok(list) => Ok(list.clone()),
            Err(why) => {
                self.forget(conversation, &entry);
                match why {
                    Unremembered::Empty => Ok(Arc::from(Vec::new())),
                    Unremembered::Failed(error) => Err(error),
                }
            }
        }
    }

    /// The entry for `conversation`, made empty if there is none.
    fn entry(&self, conversation: &ConversationId) -> Entry {
        let Ok(mut known) = self.known.lock() else {
            // A poisoned map still answers, one read per call.
            return Entry::default();
        };
        if let Some(entry) = known.get(conversation) {
            return entry.clone();
        }
        if known.len() >= CAPACITY {
            known.clear();
        }
        let entry = Entry::default();
        known.insert(conversation.clone(), entry.clone());
        entry
    }

    /// Drops `entry` (a read that found nothing or failed), unless another
    /// has taken its place.
    fn forget(&self, conversation: &ConversationId, entry: &Entry) {
        if let Ok(mut known) = self.known.lock()
            && known
                .get(conversation)
                .is_some_and(|kept| Arc::ptr_eq(kept, entry) && kept.get().is_none())
        {
            known.remove(conversation);
        }
    }
}
