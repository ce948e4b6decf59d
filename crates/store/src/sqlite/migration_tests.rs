//! Migrations on databases written before them: 0012 rebuilds `messages`
//! around `dedup_key` with every message, rowid, reply, search entry and
//! clientMessageId still answering as before; 0015 counts each
//! volunteer's active chats from the requests already accepted; 0023
//! rebuilds `users` (the caregiver role) keeping every account.

#![allow(clippy::unwrap_used)]

use super::{MIGRATIONS, REBUILD_MESSAGES, SqliteStore, migrate_through};
use crate::StoreOptions;
use crate::areas::*;
use helpline_core::message::{Appended, MessageDraft, MessageType, NewMessage};
use helpline_core::search::SearchQuery;
use helpline_core::{ConversationId, MessageId, Timestamp, UserId};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{ConnectOptions, Connection, SqliteConnection};

pub(super) const CONVERSATION: &str = "0190f5a3-0000-7000-8000-00000000c0c0";
pub(super) const ALICE: &str = "0190f5a3-0000-7000-8000-0000000a11ce";
const BOB: &str = "0190f5a3-0000-7000-8000-000000000b0b";
/// Three messages by hand, then more than two rounds of the key fill.
const LAST_SEQ: i64 = 25_003;

/// A new database at `path`, migrated up to (not including) `version`.
async fn migrated_before(path: &std::path::Path, version: i64) -> SqliteConnection {
    let mut connection = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true)
        .connect()
        .await
        .unwrap();
    let before = MIGRATIONS
        .iter()
        .position(|m| m.version == version)
        .unwrap();
    migrate_through(&mut connection, &MIGRATIONS[..before])
        .await
        .unwrap();
    connection
}

/// A database at migration 11 holding one conversation of three messages
/// (the second a reply to the first) and 25 000 more, indexed for search.
async fn before_the_rebuild(path: &std::path::Path) {
    let mut connection = migrated_before(path, REBUILD_MESSAGES).await;
    for statement in [
        format!(
            "INSERT INTO users (id, username, password_hash, display_name, role, created_at) VALUES \
             ('{ALICE}', 'alice', 'x', 'Alice', 'seeker', 1), ('{BOB}', 'bob', 'x', 'Bob', 'volunteer', 1)"
        ),
        format!(
            "INSERT INTO conversations (id, status, last_seq, created_at, last_activity_at, kind) \
             VALUES ('{CONVERSATION}', 'active', {LAST_SEQ}, 1, 1, 'direct')"
        ),
        format!(
            "INSERT INTO conversation_participants (conversation_id, user_id) VALUES \
             ('{CONVERSATION}', '{ALICE}'), ('{CONVERSATION}', '{BOB}')"
        ),
        format!(
            "INSERT INTO messages (rowid, id, conversation_id, seq, sender_id, content, type, client_message_id, created_at, reply_to_id) VALUES \
             (7, 'm1', '{CONVERSATION}', 1, '{ALICE}', 'hello lighthouse', 'text', 'same', 10, NULL), \
             (8, 'm2', '{CONVERSATION}', 2, '{BOB}', 'hello keeper', 'text', 'same', 11, 'm1'), \
             (9, 'm3', '{CONVERSATION}', 3, '{ALICE}', 'bye', 'text', 'other', 12, NULL)"
        ),
        // Enough more that the keys are computed over several rounds.
        format!(
            "WITH RECURSIVE n (seq) AS (SELECT 4 UNION ALL SELECT seq + 1 FROM n WHERE seq < {LAST_SEQ}) \
             INSERT INTO messages (id, conversation_id, seq, sender_id, content, type, client_message_id, created_at) \
             SELECT 'bulk' || seq, '{CONVERSATION}', seq, '{ALICE}', 'more', 'text', 'bulk-' || seq, 13 FROM n"
        ),
        "INSERT INTO messages_fts (rowid, content) SELECT rowid, content FROM messages".to_owned(),
        "UPDATE search_progress SET indexed_rowid = (SELECT MAX(rowid) FROM messages)".to_owned(),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut connection)
            .await
            .unwrap();
    }
    connection.close().await.unwrap();
}

/// A text message of `sender` in `conversation` under `client_message_id`
/// (its content is the id too).
fn text_message(conversation: &str, sender: &str, client_message_id: &str) -> NewMessage {
    NewMessage {
        id: MessageId::generate(),
        sender_id: UserId::from_trusted(sender),
        draft: MessageDraft {
            conversation_id: ConversationId::from_trusted(conversation),
            content: client_message_id.to_owned(),
            message_type: MessageType::Text,
            client_message_id: client_message_id.to_owned(),
            reply_to_id: None,
            expires_in_secs: None,
            attachment_id: None,
        },
        created_at: Timestamp::now(),
        flags: Vec::new(),
    }
}

/// Appends a text message of `sender` in [`CONVERSATION`]; it must not be
/// refused.
pub(super) async fn send(store: &SqliteStore, sender: &str, client_message_id: &str) -> Appended {
    store
        .append_message(&text_message(CONVERSATION, sender, client_message_id))
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn the_rebuild_keeps_every_message_and_every_client_message_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    before_the_rebuild(&path).await;
    let store = SqliteStore::open(path.to_str().unwrap(), &StoreOptions::default())
        .await
        .unwrap();

    // A retry of a message stored before the rebuild gets it back, per
    // sender: the same clientMessageId from the other sender is another.
    for (sender, first) in [(ALICE, "m1"), (BOB, "m2")] {
        let again = send(&store, sender, "same").await;
        assert!(!again.created, "{sender} retried");
        assert_eq!(again.message.id.as_str(), first);
    }
    let new = send(&store, BOB, "other").await;
    assert!(new.created, "Bob never sent 'other'");
    assert_eq!(new.message.seq, LAST_SEQ + 1);
    let bulk = send(&store, ALICE, "bulk-20000").await;
    assert!(!bulk.created, "a message of the later rounds retried");
    assert_eq!(bulk.message.seq, 20_000);

    let conversation = ConversationId::from_trusted(CONVERSATION);
    let history = store.messages_after(&conversation, 0, 3).await.unwrap();
    let seqs: Vec<i64> = history.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, [1, 2, 3]);
    let reply = history[1].reply_to.as_ref().expect("the reply kept");
    assert_eq!(reply.id.as_str(), "m1");

    // The search index still points at the right rows (rowids kept).
    let found = store
        .search_messages(
            &UserId::from_trusted(ALICE),
            &SearchQuery {
                terms: vec!["lighthouse".to_owned()],
                conversation_id: None,
                before_seq: None,
                limit: 10,
                offset: 0,
            },
        )
        .await
        .unwrap();
    let ids: Vec<&str> = found.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["m1"]);
    store.close().await;

    // The old unique index is gone (the two left: id, and conversation
    // with seq); foreign keys hold.
    let mut connection = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let indexes: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' ORDER BY name",
    )
    .fetch_all(&mut connection)
    .await
    .unwrap();
    assert_eq!(
        indexes,
        [
            "messages_dedup",
            "messages_due",
            "messages_view_once",
            "sqlite_autoindex_messages_1",
            "sqlite_autoindex_messages_2",
        ]
    );
    let broken: Vec<String> = sqlx::query_scalar("PRAGMA foreign_key_check")
        .fetch_all(&mut connection)
        .await
        .unwrap();
    assert!(broken.is_empty(), "{broken:?}");
}

/// Migration 0015 counts the chats already active, and its triggers keep
/// the count from then on.
#[tokio::test]
async fn the_chat_count_starts_from_the_requests_already_accepted() {
    use helpline_core::request::ChatCap;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let mut connection = migrated_before(&path, 15).await;
    let statement = format!(
        "INSERT INTO users (id, username, password_hash, display_name, role, created_at) VALUES \
         ('{ALICE}', 'alice', 'x', 'Alice', 'seeker', 1), ('{BOB}', 'bob', 'x', 'Bob', 'volunteer', 1); \
         INSERT INTO help_requests (id, senior_id, volunteer_id, request_type, status, created_at, expires_at) VALUES \
         ('r1', '{ALICE}', '{BOB}', 'chat', 'accepted', 1, 2), ('r2', '{ALICE}', '{BOB}', 'chat', 'accepted', 1, 2), \
         ('r3', '{ALICE}', '{BOB}', 'chat', 'completed', 1, 2)"
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
        .execute(&mut connection)
        .await
        .unwrap();
    connection.close().await.unwrap();
    let store = SqliteStore::open(path.to_str().unwrap(), &StoreOptions::default())
        .await
        .unwrap();
    let bob = UserId::from_trusted(BOB);
    assert_eq!(
        store.volunteers_at_cap(ChatCap::new(2)).await.unwrap(),
        std::slice::from_ref(&bob)
    );
    assert!(
        store
            .volunteers_at_cap(ChatCap::new(3))
            .await
            .unwrap()
            .is_empty()
    );
    // One of them ends (as `end_conversation` completes it): one left.
    let mut direct = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query("UPDATE help_requests SET status = 'completed' WHERE id = 'r1'")
        .execute(&mut direct)
        .await
        .unwrap();
    direct.close().await.unwrap();
    assert!(
        store
            .volunteers_at_cap(ChatCap::new(2))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.volunteers_at_cap(ChatCap::new(1)).await.unwrap(),
        [bob]
    );
}

/// Migration 0023 rebuilds `users` so its role may be `caregiver`: every
/// account, its availability and every reference to it survive, and the
/// foreign keys still hold.
#[tokio::test]
async fn the_users_rebuild_keeps_every_account() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let mut connection = migrated_before(&path, super::REBUILD_USERS).await;
    let statement = format!(
        "INSERT INTO users (id, username, password_hash, display_name, role, created_at, availability) VALUES \
         ('{ALICE}', 'alice', 'x', 'Alice', 'seeker', 1, 'available'), ('{BOB}', 'bob', 'x', 'Bob', 'volunteer', 1, 'away'); \
         INSERT INTO help_requests (id, senior_id, volunteer_id, request_type, status, created_at, expires_at) VALUES \
         ('r1', '{ALICE}', '{BOB}', 'chat', 'accepted', 1, 2)"
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
        .execute(&mut connection)
        .await
        .unwrap();
    let refused = sqlx::query(
        "INSERT INTO users (id, username, password_hash, display_name, role, created_at) \
         VALUES ('c', 'carol', 'x', 'Carol', 'caregiver', 1)",
    )
    .execute(&mut connection)
    .await;
    assert!(refused.is_err(), "no caregivers before 0023");
    connection.close().await.unwrap();
    let store = SqliteStore::open(path.to_str().unwrap(), &StoreOptions::default())
        .await
        .unwrap();
    let bob = store
        .user(&UserId::from_trusted(BOB))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bob.display_name, "Bob");
    assert_eq!(
        bob.availability,
        helpline_core::user::Availability::Away,
        "availability kept"
    );
    let mut direct = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO users (id, username, password_hash, display_name, role, created_at) \
         VALUES ('c', 'carol', 'x', 'Carol', 'caregiver', 1)",
    )
    .execute(&mut direct)
    .await
    .unwrap();
    let broken: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(&mut direct)
        .await
        .unwrap();
    assert!(broken.is_empty(), "{broken:?}");
    let sql: String =
        sqlx::query_scalar("SELECT sql FROM sqlite_schema WHERE name = 'help_requests'")
            .fetch_one(&mut direct)
            .await
            .unwrap();
    assert!(sql.contains("REFERENCES users"), "{sql}");
    direct.close().await.unwrap();
}
