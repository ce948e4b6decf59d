//! Cases for direct conversations: one active conversation per pair,
//! whoever starts it and however many start it at once; a new one after
//! the old one ended.

use crate::fixtures::{at, seeker, send, volunteer};
use crate::harness::Env;
use helpline_core::conversation::{ConversationKind, ConversationStatus};
use helpline_core::{ConversationId, UserId};

/// Starting twice, from either side, returns the same active conversation.
pub async fn one_active_direct_conversation_per_pair(env: Env) {
    let store = &env.store;
    let (ann, vic) = (seeker(store, "ann").await, volunteer(store, "vic").await);
    let (first, created) = store
        .start_direct_conversation(&ann.id, &vic.id, &ConversationId::generate(), at(0))
        .await
        .expect("start");
    assert!(created);
    assert_eq!(
        (first.kind, first.status, first.request_id.clone()),
        (ConversationKind::Direct, ConversationStatus::Active, None)
    );
    let mut participants = store.participants(&first.id).await.expect("participants");
    participants.sort();
    let mut expected: Vec<UserId> = vec![ann.id.clone(), vic.id.clone()];
    expected.sort();
    assert_eq!(participants, expected);
    let (again, created) = store
        .start_direct_conversation(&vic.id, &ann.id, &ConversationId::generate(), at(10))
        .await
        .expect("start again");
    assert!(!created);
    assert_eq!(again.id, first.id);
    send(store, &first.id, &ann, "hello", at(20)).await;
    let summaries = store
        .conversation_summaries(&vic.id)
        .await
        .expect("summaries");
    assert_eq!(
        (summaries.len(), summaries[0].kind),
        (1, ConversationKind::Direct)
    );

    // Once it ends, starting again opens a new one.
    store
        .end_conversation(&first.id, &ann.id, &crate::fixtures::ended_note(), at(30))
        .await
        .expect("end")
        .expect("active");
    let (next, created) = store
        .start_direct_conversation(&ann.id, &vic.id, &ConversationId::generate(), at(40))
        .await
        .expect("start after end");
    assert!(created);
    assert_ne!(next.id, first.id);
}

/// Many concurrent starts between the same two people agree on one conversation.
pub async fn concurrent_starts_agree(env: Env) {
    let store = &env.store;
    let (ann, vic) = (seeker(store, "ann").await, volunteer(store, "vic").await);
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (store, a, b) = (store.clone(), ann.id.clone(), vic.id.clone());
        tasks.push(tokio::spawn(async move {
            let (from, to) = if i % 2 == 0 { (a, b) } else { (b, a) };
            store
                .start_direct_conversation(&from, &to, &ConversationId::generate(), at(i))
                .await
                .expect("start")
        }));
    }
    let mut ids = Vec::new();
    let mut created = 0;
    for task in tasks {
        let (conversation, new) = task.await.expect("task");
        ids.push(conversation.id);
        created += usize::from(new);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "all starts returned one conversation");
    assert_eq!(created, 1, "exactly one start created it");
    assert_eq!(
        store
            .active_conversations_of(&ann.id)
            .await
            .expect("active")
            .len(),
        1
    );
}
