//! Each conversation's participants, remembered by this process.
//!
//! Participants are written once, in the transaction that creates the
//! conversation (a claim or a direct start), and never change or go away
//! afterwards, so a list read once stays right for the life of the process
//! and for every other process on the same database. Every `message:send`,
//! every delivery receipt and every history read needs the list; reading it
//! from memory saves a database round trip each time. Only non-empty lists
//! are remembered (an empty one means "no such conversation yet").

use helpline_core::{ConversationId, UserId};
use helpline_store::{Store, StoreResult};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Most conversations remembered; past it the memory starts over, which
/// costs one read per conversation and keeps the map bounded.
const CAPACITY: usize = 200_000;

/// The per-process memory of participants.
#[derive(Default)]
pub struct Participants {
    known: Mutex<HashMap<ConversationId, Arc<[UserId]>>>,
}

impl Participants {
    /// `conversation`'s participants (sorted by id, as the store returns
    /// them); empty if there is no such conversation.
    pub async fn of(
        &self,
        store: &dyn Store,
        conversation: &ConversationId,
    ) -> StoreResult<Arc<[UserId]>> {
        if let Some(known) = self.remembered(conversation) {
            return Ok(known);
        }
        let read: Arc<[UserId]> = store.participants(conversation).await?.into();
        if !read.is_empty()
            && let Ok(mut known) = self.known.lock()
        {
            if known.len() >= CAPACITY {
                known.clear();
            }
            known.insert(conversation.clone(), read.clone());
        }
        Ok(read)
    }

    fn remembered(&self, conversation: &ConversationId) -> Option<Arc<[UserId]>> {
        self.known.lock().ok()?.get(conversation).cloned()
    }
}
