//! Cases for messages: seq assignment, idempotent retries, refusals and
//! history paging.

use crate::fixtures::{at, chat, new_message, send, try_send};
use crate::harness::Env;
use helpline_core::ConversationId;
use helpline_core::message::{Message, MessageType};
use helpline_store::AppendRefusal;
use std::collections::HashSet;

fn seqs(messages: &[Message]) -> Vec<i64> {
    messages.iter().map(|m| m.seq).collect()
}

/// 20 concurrent senders × 25 messages get seqs 1..500 without gaps.
pub async fn concurrent_appends_get_gapless_seqs(env: Env) {
    let store = &env.store;
    let c = chat(store, "a").await;
    let mut tasks = Vec::new();
    for task in 0..20 {
        let (store, conversation) = (store.clone(), c.conversation.clone());
        let sender = if task % 2 == 0 {
            c.seeker.clone()
        } else {
            c.volunteer.clone()
        };
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            for n in 0..25 {
                let appended = send(
                    &store,
                    &conversation,
                    &sender,
                    &format!("t{task}-m{n}"),
                    at(n),
                )
                .await;
                assert!(appended.created);
                mine.push(appended.message.seq);
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        let mine = task.await.expect("task");
        assert!(
            mine.windows(2).all(|w| w[0] < w[1]),
            "one sender's messages keep their order: {mine:?}"
        );
        all.extend(mine);
    }
    all.sort_unstable();
    assert_eq!(
        all,
        (2..=501).collect::<Vec<i64>>(),
        "seq is 1..n without gaps or repeats (1 is the claim's note)"
    );
    assert_eq!(
        store
            .conversation(&c.conversation)
            .await
            .expect("read")
            .map(|c| c.last_seq),
        Some(501)
    );
    let stored = store
        .messages_after(&c.conversation, 1, 1000)
        .await
        .expect("messages");
    assert_eq!(seqs(&stored), (2..=501).collect::<Vec<i64>>());
    assert!(
        stored
            .iter()
            .all(|m| m.content == format!("content of {}", m.client_message_id))
    );
}

/// A retried clientMessageId returns the stored message and takes no seq.
pub async fn retries_return_the_stored_message(env: Env) {
    let store = &env.store;
    let c = chat(store, "a").await;
    let id = &c.conversation;
    let first = send(store, id, &c.seeker, "same", at(1)).await;
    assert!(first.created);
    assert_eq!(first.message.seq, 2, "after the claim's note");
    assert_eq!(
        (first.message.sender_id.clone(), first.message.message_type),
        (c.seeker.id.clone(), MessageType::Text)
    );
    assert_eq!(
        (first.message.content.as_str(), first.message.created_at),
        ("content of same", at(1))
    );

    let retry = new_message(id, &c.seeker, "same", "different text", at(2));
    let again = store
        .append_message(&retry)
        .await
        .expect("append")
        .expect("accepted");
    assert!(!again.created);
    assert_eq!(again.message, first.message, "the first message, unchanged");
    assert_eq!(
        store
            .conversation(id)
            .await
            .expect("read")
            .map(|c| c.last_seq),
        Some(2),
        "a retry takes no seq"
    );

    let next = send(store, id, &c.seeker, "next", at(3)).await;
    assert_eq!((next.created, next.message.seq), (true, 3));
    let theirs = send(store, id, &c.volunteer, "same", at(4)).await;
    assert_eq!(
        (theirs.created, theirs.message.seq),
        (true, 4),
        "the key is per sender"
    );
    assert_eq!(
        send(store, id, &c.seeker, "same", at(5)).await.message,
        first.message
    );

    // A retry after the end still gets its stored message.
    store
        .end_conversation(id, &c.volunteer.id, &crate::fixtures::ended_note(), at(10))
        .await
        .expect("end")
        .expect("was active");
    let late = send(store, id, &c.seeker, "same", at(11)).await;
    assert_eq!((late.created, late.message), (false, first.message));
    assert_eq!(
        store
            .messages_after(id, 0, 100)
            .await
            .expect("messages")
            .len(),
        5,
        "the claim's note, three messages, the ending's note"
    );
}

/// Concurrent retries of one clientMessageId store one message.
pub async fn concurrent_retries_store_one_message(env: Env) {
    let store = &env.store;
    let c = chat(store, "a").await;
    for round in 0..5 {
        let mut tasks = Vec::new();
        for attempt in 0..20 {
            let (store, c_id) = (store.clone(), c.conversation.clone());
            let sender = c.seeker.clone();
            let other = c.volunteer.clone();
            tasks.push(tokio::spawn(async move {
                if attempt % 5 == 0 {
                    // Unrelated traffic in between.
                    send(
                        &store,
                        &c_id,
                        &other,
                        &format!("other-{round}-{attempt}"),
                        at(attempt),
                    )
                    .await;
                }
                let new = new_message(
                    &c_id,
                    &sender,
                    &format!("dup-{round}"),
                    &format!("attempt {attempt}"),
                    at(attempt),
                );
                store
                    .append_message(&new)
                    .await
                    .expect("append")
                    .expect("accepted")
            }));
        }
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.expect("task"));
        }
        assert_eq!(
            results.iter().filter(|a| a.created).count(),
            1,
            "one attempt stores it"
        );
        let stored = &results.iter().find(|a| a.created).expect("created").message;
        assert!(
            results.iter().all(|a| a.message == *stored),
            "every attempt gets the stored message"
        );
    }
    let all = store
        .messages_after(&c.conversation, 0, 1000)
        .await
        .expect("messages");
    assert_eq!(
        all.len(),
        1 + 5 + 5 * 4,
        "the claim's note and the messages"
    );
    assert_eq!(seqs(&all), (1..=26).collect::<Vec<i64>>());
    assert_eq!(
        store
            .conversation(&c.conversation)
            .await
            .expect("read")
            .map(|c| c.last_seq),
        Some(26)
    );
    let keys: HashSet<(String, String)> = all
        .iter()
        .map(|m| (m.sender_id.to_string(), m.client_message_id.clone()))
        .collect();
    assert_eq!(keys.len(), all.len());
}

/// Appends to ended or unknown conversations are refused and take no seq.
pub async fn appends_are_refused_when_ended_or_missing(env: Env) {
    let store = &env.store;
    let c = chat(store, "a").await;
    let missing = ConversationId::from_trusted("missing");
    assert_eq!(
        try_send(store, &missing, &c.seeker, "m1", at(1))
            .await
            .err(),
        Some(AppendRefusal::NoConversation)
    );
    send(store, &c.conversation, &c.seeker, "m1", at(1)).await;
    store
        .end_conversation(
            &c.conversation,
            &c.seeker.id,
            &crate::fixtures::ended_note(),
            at(2),
        )
        .await
        .expect("end")
        .expect("was active");
    assert_eq!(
        try_send(store, &c.conversation, &c.seeker, "m2", at(3))
            .await
            .err(),
        Some(AppendRefusal::Ended)
    );
    assert_eq!(
        try_send(store, &c.conversation, &c.volunteer, "m1", at(3))
            .await
            .err(),
        Some(AppendRefusal::Ended)
    );
    let ended = store
        .conversation(&c.conversation)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(
        ended.last_seq, 3,
        "the claim's note, m1, the ending's note: a refused append takes no seq"
    );
    assert_eq!(
        store
            .messages_after(&c.conversation, 0, 10)
            .await
            .expect("messages")
            .len(),
        3
    );
}

/// `messages_after` and `messages_before` page through one conversation.
pub async fn history_pages_both_ways(env: Env) {
    let store = &env.store;
    let c = chat(store, "a").await;
    let other = chat(store, "b").await;
    let id = &c.conversation;
    for i in 1..=10 {
        let sender = if i % 2 == 0 { &c.volunteer } else { &c.seeker };
        send(store, id, sender, &format!("m{i}"), at(i)).await;
    }
    for i in 1..=3 {
        send(
            store,
            &other.conversation,
            &other.seeker,
            &format!("m{i}"),
            at(i),
        )
        .await;
    }
    let after = |from: i64, limit: i64| async move {
        seqs(&store.messages_after(id, from, limit).await.expect("after"))
    };
    let before = |to: Option<i64>, limit: i64| async move {
        seqs(&store.messages_before(id, to, limit).await.expect("before"))
    };
    assert_eq!(after(0, 4).await, [1, 2, 3, 4]);
    assert_eq!(after(4, 4).await, [5, 6, 7, 8]);
    assert_eq!(
        after(8, 100).await,
        [9, 10, 11],
        "seq 1 is the claim's note"
    );
    assert!(after(11, 5).await.is_empty());
    assert_eq!(before(None, 3).await, [9, 10, 11]);
    assert_eq!(before(Some(8), 3).await, [5, 6, 7]);
    assert_eq!(before(Some(3), 10).await, [1, 2]);
    assert!(before(Some(1), 10).await.is_empty());
    assert_eq!(before(None, 100).await, (1..=11).collect::<Vec<i64>>());

    let page = store
        .messages_after(id, 2, 1)
        .await
        .expect("after")
        .remove(0);
    assert_eq!(
        (page.conversation_id.clone(), page.sender_id.clone()),
        (id.clone(), c.volunteer.id.clone())
    );
    assert_eq!(
        (
            page.client_message_id.as_str(),
            page.content.as_str(),
            page.created_at
        ),
        ("m2", "content of m2", at(2))
    );
    assert_eq!(
        seqs(
            &store
                .messages_before(&other.conversation, None, 100)
                .await
                .expect("before")
        ),
        [1, 2, 3, 4]
    );
    let missing = ConversationId::from_trusted("missing");
    assert!(
        store
            .messages_after(&missing, 0, 10)
            .await
            .expect("after")
            .is_empty()
    );
    assert!(
        store
            .messages_before(&missing, None, 10)
            .await
            .expect("before")
            .is_empty()
    );
}
