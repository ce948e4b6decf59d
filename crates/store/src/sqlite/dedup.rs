//! How SQLite finds a message by its sender's `clientMessageId`.
//!
//! PROTOCOL.md stores a `clientMessageId` from one sender in one
//! conversation once, however late the retry: every append looks for an
//! earlier message under it. That lookup was a unique index on
//! `(conversation_id, sender_id, client_message_id)`: two 36-character ids
//! and the client's id, ~100 bytes an entry, ~30 entries a page. Clients
//! pick their ids at random (the web app: `crypto.randomUUID()`), so each
//! new message lands at a random place among its sender's earlier ones,
//! and under load nearly every message dirtied a page of its own in that
//! index: 70 % of the pages a commit wrote to the WAL.
//!
//! Now one integer column, `dedup_key`, is indexed (`messages_dedup`,
//! migration 0012): the top 24 bits come from the conversation, so a
//! conversation's entries stay together, and the other 40 from the
//! conversation, the sender and the `clientMessageId`. An entry is ~16
//! bytes, six times as many to a page, and a batch's messages share pages.
//! The key only narrows the search: the lookup compares the three columns
//! themselves, so two messages whose keys collide are both kept and told
//! apart. Uniqueness is the writer's: every message is inserted by the one
//! writer thread, after that lookup, in the same transaction.
//!
//! The key is stored: [`dedup_key`] must never change.

use crate::StoreResult;
use helpline_core::message::Message;
use sqlx::{Row, SqliteConnection};

/// The bits of a key that come from the conversation alone.
const GROUP_BITS: u64 = !0 << 40;

/// The key `messages_dedup` holds for a message of `sender` in
/// `conversation` under `client_message_id`.
pub(super) fn dedup_key(conversation: &str, sender: &str, client_message_id: &str) -> i64 {
    // FNV-1a runs on: the conversation's state is where both hashes start.
    let after_conversation = fnv1a(FNV_OFFSET, conversation.as_bytes());
    let group = mix(after_conversation);
    let after_sender = fnv1a(after_conversation, sender.as_bytes());
    let message = mix(fnv1a(after_sender, client_message_id.as_bytes()));
    let key = (group & GROUP_BITS) | (message >> 24);
    // The bits as SQLite's signed integer; the order still keeps each
    // conversation's keys together.
    i64::from_ne_bytes(key.to_ne_bytes())
}

/// [`dedup_key`] of a message about to be inserted.
pub(super) fn message_key(message: &Message) -> i64 {
    dedup_key(
        message.conversation_id.as_str(),
        message.sender_id.as_str(),
        &message.client_message_id,
    )
}

/// FNV-1a's (64 bits) starting state.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a (64 bits) from `hash` on over `part` and a zero byte after it,
/// so that ("ab", "c") and ("a", "bc") differ.
fn fnv1a(mut hash: u64, part: &[u8]) -> u64 {
    for &byte in part.iter().chain(&[0u8]) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// MurmurHash3's finalizer: spreads FNV's weaker high bits.
fn mix(mut hash: u64) -> u64 {
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    hash ^ (hash >> 33)
}

/// Rows read per round by [`fill_key_table`].
const FILL_ROUND: i64 = 10_000;
/// Keys written per statement by [`fill_key_table`] (two parameters each,
/// well under SQLite's limit of 32 766).
const INSERT_ROWS: usize = 1_000;

/// Migration 0012's first step (SQL has no such hash): computes every
/// stored message's key into `temp.message_dedup_keys`, which the
/// migration's SQL copies into the rebuilt table and drops.
pub(super) async fn fill_key_table(connection: &mut SqliteConnection) -> StoreResult<()> {
    let messages: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages")
        .fetch_one(&mut *connection)
        .await?;
    if messages > 0 {
        // Once per database; a few seconds per million messages.
        tracing::info!(messages, "sqlite: migration 12 rebuilds the messages table");
    }
    sqlx::query(
        "CREATE TEMP TABLE message_dedup_keys \
         (message_rowid INTEGER PRIMARY KEY, dedup_key INTEGER NOT NULL)",
    )
    .execute(&mut *connection)
    .await?;
    let mut after = 0i64;
    loop {
        let rows = sqlx::query(
            "SELECT rowid, conversation_id, sender_id, client_message_id FROM messages \
             WHERE rowid > ? ORDER BY rowid LIMIT ?",
        )
        .bind(after)
        .bind(FILL_ROUND)
        .fetch_all(&mut *connection)
        .await?;
        let keys = rows
            .iter()
            .map(|row| {
                let key = dedup_key(row.try_get(1)?, row.try_get(2)?, row.try_get(3)?);
                Ok((row.try_get::<i64, _>(0)?, key))
            })
            .collect::<Result<Vec<(i64, i64)>, sqlx::Error>>()?;
        let Some(&(last, _)) = keys.last() else {
            return Ok(());
        };
        // Many rows a statement: one at a time, the statements' hand-offs
        // to sqlx's thread made 480 000 messages take 14 s instead of 2.4.
        for chunk in keys.chunks(INSERT_ROWS) {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO temp.message_dedup_keys (message_rowid, dedup_key) ",
            );
            insert.push_values(chunk, |mut row, &(rowid, key)| {
                row.push_bind(rowid).push_bind(key);
            });
            insert.build().execute(&mut *connection).await?;
        }
        after = last;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::super::migration_tests::{ALICE as SENDER, CONVERSATION, send};
    use super::*;
    use crate::StoreOptions;
    use crate::areas::*;
    use helpline_core::user::{NewAccount, Role};
    use helpline_core::{ConversationId, Timestamp, UserId};
    use std::collections::HashMap;

    /// Two clientMessageIds of one sender in one conversation with the same
    /// key (a birthday search over the 40 bits that differ: about a
    /// million tries).
    fn colliding_ids() -> (String, String) {
        let mut seen: HashMap<i64, u32> = HashMap::new();
        for n in 0u32.. {
            let key = dedup_key(CONVERSATION, SENDER, &format!("n{n}"));
            if let Some(earlier) = seen.insert(key, n) {
                return (format!("n{earlier}"), format!("n{n}"));
            }
        }
        unreachable!("40 bits run out long before u32 does")
    }

    /// The key only narrows the search: two messages whose keys collide
    /// are both stored, and a retry of either gets its own back.
    #[tokio::test]
    async fn colliding_keys_are_told_apart() {
        let (first, second) = colliding_ids();
        assert_eq!(
            dedup_key(CONVERSATION, SENDER, &first),
            dedup_key(CONVERSATION, SENDER, &second)
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("collide.db");
        let store =
            super::super::SqliteStore::open(path.to_str().unwrap(), &StoreOptions::default())
                .await
                .unwrap();
        let (sender, other) = (UserId::from_trusted(SENDER), UserId::generate());
        for (id, name) in [(&sender, "sender"), (&other, "other")] {
            let account = NewAccount {
                username: name.to_owned(),
                password: String::new(),
                display_name: name.to_owned(),
                role: Role::Seeker,
                languages: vec!["en".to_owned()],
            };
            store
                .create_user(&account, "hash", id, Timestamp::now())
                .await
                .unwrap();
        }
        let conversation = ConversationId::from_trusted(CONVERSATION);
        store
            .start_direct_conversation(&sender, &other, &conversation, Timestamp::now())
            .await
            .unwrap();
        let mut stored = Vec::new();
        for id in [&first, &second] {
            let appended = send(&store, SENDER, id).await;
            assert!(appended.created, "{id} is new");
            stored.push(appended.message.id);
        }
        for (id, message) in [&first, &second].into_iter().zip(&stored) {
            let again = send(&store, SENDER, id).await;
            assert!(!again.created, "{id} retried");
            assert_eq!(&again.message.id, message);
        }
        store.close().await;
    }

    /// Stored keys must stay what they were when written.
    #[test]
    fn keys_never_change() {
        let conversation = "0190f5a3-5b1c-7e2a-9c4d-1f2e3d4c5b6a";
        let sender = "0190f5a3-5b1c-7e2a-9c4d-aaaaaaaaaaaa";
        assert_eq!(
            dedup_key(conversation, sender, "c-1"),
            dedup_key(conversation, sender, "c-1")
        );
        assert_eq!(dedup_key(conversation, sender, "c-1"), KNOWN);
    }

    /// Worked out apart from this code (FNV-1a, zero-separated, then
    /// MurmurHash3's finalizer, top 24 bits of the first, 40 of the second).
    const KNOWN: i64 = -2_980_152_082_194_805_451;

    /// A conversation's keys share their top 24 bits; the rest differ with
    /// the sender and the clientMessageId.
    #[test]
    fn a_conversations_keys_stay_together() {
        let top = |key: i64| key >> 40;
        let (a, b) = ("conversation-a", "conversation-b");
        assert_eq!(top(dedup_key(a, "s1", "x")), top(dedup_key(a, "s2", "y")));
        assert_ne!(top(dedup_key(a, "s1", "x")), top(dedup_key(b, "s1", "x")));
        assert_ne!(dedup_key(a, "s1", "x"), dedup_key(a, "s2", "x"));
        assert_ne!(dedup_key(a, "s1", "x"), dedup_key(a, "s1", "y"));
        assert_ne!(dedup_key(a, "s1", "xy"), dedup_key(a, "s1x", "y"));
    }
}
