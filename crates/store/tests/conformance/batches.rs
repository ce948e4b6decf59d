//! Cases for appends that arrive together, as a store's group commit sees
//! them (SQLite's writer batches, PostgreSQL's append batches): two stores
//! on one database, a batch whose appends are answered differently, and a
//! message the database itself refuses in the middle of others.

use crate::fixtures::{at, chat, new_message, send, try_send};
use crate::harness::Env;
use helpline_core::ConversationId;
use helpline_core::message::{Appended, Message, MessageType};
use helpline_store::{AppendRefusal, Store};
use std::collections::HashSet;
use std::sync::Arc;

/// Every message of `conversation`, oldest first.
async fn all_of(store: &Arc<dyn Store>, conversation: &ConversationId) -> Vec<Message> {
    store
        .messages_after(conversation, 0, 10_000)
        .await
        .expect("messages")
}

/// Asserts seqs 1..=n, each (sender, clientMessageId) once.
fn assert_gapless(messages: &[Message]) {
    let seqs: Vec<i64> = messages.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (1..=messages.len() as i64).collect::<Vec<i64>>());
    let keys: HashSet<(&str, &str)> = messages
        .iter()
        .map(|m| (m.sender_id.as_str(), m.client_message_id.as_str()))
        .collect();
    assert_eq!(keys.len(), messages.len(), "each clientMessageId once");
}

/// Two stores on one database (two server processes) append to the same
/// conversations at once, each also retrying messages the other stored:
/// seqs stay gapless, every message is stored once, and every retry is
/// answered with the stored message.
pub async fn appends_from_two_stores_stay_gapless(env: Env) {
    let first = env.store.clone();
    let second = env.reopen().await;
    let chats = [chat(&first, "x").await, chat(&first, "y").await];
    let mut tasks = Vec::new();
    for store in [first.clone(), second.clone()] {
        for worker in 0..6 {
            let (store, chats) = (store.clone(), chats.clone());
            tasks.push(tokio::spawn(async move {
                let mut sent = Vec::new();
                for n in 0..20 {
                    let c = &chats[(worker + n) % 2];
                    let sender = if worker % 2 == 0 {
                        &c.seeker
                    } else {
                        &c.volunteer
                    };
                    // Both stores send the same ids: one stores, the other retries.
                    let id = format!("w{worker}-m{n}");
                    let appended = send(&store, &c.conversation, sender, &id, at(n as i64)).await;
                    sent.push(appended);
                }
                sent
            }));
        }
    }
    let mut answers: Vec<Appended> = Vec::new();
    for task in tasks {
        answers.extend(task.await.expect("task"));
    }
    for c in &chats {
        let stored = all_of(&first, &c.conversation).await;
        assert_gapless(&stored);
        assert_eq!(
            stored.len(),
            1 + 6 * 20 / 2,
            "the claim's note and one copy of each id"
        );
        for appended in answers
            .iter()
            .filter(|a| a.message.conversation_id == c.conversation)
        {
            assert_eq!(
                stored.get(appended.message.seq as usize - 1),
                Some(&appended.message),
                "every answer is the stored message"
            );
        }
    }
    let created = answers.iter().filter(|a| a.created).count();
    assert_eq!(
        created,
        2 * 6 * 20 / 2,
        "each id stored once, by one of the stores"
    );
    second.close().await;
}

/// Appends sent together are each answered for themselves: accepted,
/// a retry of an earlier message, a missing or ended conversation, a
/// blocked sender, and a system note from that sender (never blocked).
pub async fn appends_sent_together_get_their_own_answers(env: Env) {
    let store = &env.store;
    let active = chat(store, "active").await;
    let ended = chat(store, "ended").await;
    let blocking = chat(store, "blocking").await;
    let earlier = send(store, &active.conversation, &active.seeker, "early", at(1)).await;
    store
        .end_conversation(
            &ended.conversation,
            &ended.seeker.id,
            &crate::fixtures::ended_note(),
            at(2),
        )
        .await
        .expect("end")
        .expect("was active");
    store
        .set_block(&blocking.volunteer.id, &blocking.seeker.id, true, at(2))
        .await
        .expect("block");
    let missing = ConversationId::from_trusted("missing");
    let mut note = new_message(
        &blocking.conversation,
        &blocking.seeker,
        "note",
        "Missed call",
        at(3),
    );
    note.draft.message_type = MessageType::System;
    let mut cases = vec![
        (
            new_message(
                &active.conversation,
                &active.seeker,
                "early",
                "again",
                at(3),
            ),
            "retry",
        ),
        (
            new_message(&missing, &active.seeker, "m", "to nowhere", at(3)),
            "missing",
        ),
        (
            new_message(&ended.conversation, &ended.seeker, "m", "too late", at(3)),
            "ended",
        ),
        (
            new_message(
                &blocking.conversation,
                &blocking.seeker,
                "m",
                "blocked",
                at(3),
            ),
            "blocked",
        ),
        (note, "note"),
        (
            new_message(
                &blocking.conversation,
                &blocking.volunteer,
                "m",
                "blocker",
                at(3),
            ),
            "new",
        ),
    ];
    for n in 0..10 {
        let id = format!("n{n}");
        // Each twice at once: one stores it, the other is its retry.
        for _ in 0..2 {
            cases.push((
                new_message(&active.conversation, &active.volunteer, &id, "hi", at(3)),
                "pair",
            ));
        }
    }
    let tasks: Vec<_> = cases
        .into_iter()
        .map(|(new, kind)| {
            let store = store.clone();
            tokio::spawn(async move { (kind, store.append_message(&new).await.expect("append")) })
        })
        .collect();
    let mut created_in_active = 0;
    for task in tasks {
        let (kind, answer) = task.await.expect("task");
        match (kind, answer) {
            ("retry", Ok(a)) => assert!(!a.created && a.message == earlier.message),
            ("missing", Err(why)) => assert_eq!(why, AppendRefusal::NoConversation),
            ("ended", Err(why)) => assert_eq!(why, AppendRefusal::Ended),
            ("blocked", Err(why)) => assert_eq!(why, AppendRefusal::Blocked),
            ("note" | "new", Ok(a)) => assert!(a.created),
            ("pair", Ok(a)) => {
                assert_eq!(a.message.content, "hi");
                created_in_active += usize::from(a.created);
            }
            (kind, answer) => panic!("{kind}: unexpected {answer:?}"),
        }
    }
    let in_active = all_of(store, &active.conversation).await;
    assert_gapless(&in_active);
    assert_eq!(created_in_active, 10, "each pair stored once");
    assert_eq!(in_active.len(), 2 + 10, "the claim's note, early, n0…n9");
    let in_blocking = all_of(store, &blocking.conversation).await;
    assert_gapless(&in_blocking);
    assert_eq!(
        in_blocking.len(),
        3,
        "the claim's note, the system note, the blocker's"
    );
    assert_eq!(
        all_of(store, &ended.conversation).await.len(),
        2,
        "nothing after the end"
    );
}

/// A message the database cannot store (PostgreSQL refuses NUL in text;
/// SQLite stores it) sent among others fails alone: every other message
/// of its batch is stored, gapless.
pub async fn an_unstorable_message_fails_alone(env: Env) {
    let store = &env.store;
    let c = chat(store, "nul").await;
    let tasks: Vec<_> = (0..21)
        .map(|n| {
            let content = if n == 10 {
                "bad\0byte".to_owned()
            } else {
                format!("m{n}")
            };
            let new = new_message(
                &c.conversation,
                &c.seeker,
                &format!("m{n}"),
                &content,
                at(n),
            );
            let store = store.clone();
            tokio::spawn(async move { (n, store.append_message(&new).await) })
        })
        .collect();
    let mut stored = 0;
    for task in tasks {
        match task.await.expect("task") {
            (_, Ok(Ok(a))) => {
                assert!(a.created);
                stored += 1;
            }
            (10, Err(_)) => {}
            (n, answer) => panic!("m{n}: unexpected {answer:?}"),
        }
    }
    assert!(stored >= 20, "every other message stored");
    let all = all_of(store, &c.conversation).await;
    assert_gapless(&all);
    assert_eq!(all.len(), 1 + stored);
    assert!(
        try_send(store, &c.conversation, &c.seeker, "after", at(30))
            .await
            .is_ok()
    );
}

/// Closing while appends are queued answers every one of them, and every
/// one answered as stored is there after a reopen.
pub async fn appends_acknowledged_before_close_survive(env: Env) {
    let store = env.store.clone();
    let c = chat(&store, "close").await;
    let tasks: Vec<_> = (0..40)
        .map(|n| {
            let new = new_message(&c.conversation, &c.seeker, &format!("m{n}"), "hi", at(n));
            let store = store.clone();
            tokio::spawn(async move { store.append_message(&new).await })
        })
        .collect();
    tokio::task::yield_now().await;
    store.close().await;
    let mut acknowledged = Vec::new();
    for task in tasks {
        if let Ok(answer) = task.await.expect("task") {
            acknowledged.push(answer.expect("accepted").message);
        }
    }
    let reopened = env.reopen().await;
    let all = all_of(&reopened, &c.conversation).await;
    assert_gapless(&all);
    for message in &acknowledged {
        assert_eq!(all.get(message.seq as usize - 1), Some(message), "kept");
    }
    assert_eq!(
        all.len(),
        1 + acknowledged.len(),
        "nothing unacknowledged stored"
    );
    reopened.close().await;
}
