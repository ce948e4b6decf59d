//! Cases for per-participant marks: delivered marks rise only, capped at
//! the newest seq, and reading implies delivery; archiving is per person
//! and undone by the next message; summaries show both.

use crate::fixtures::{at, chat, seeker, send};
use crate::harness::Env;

/// Delivered marks only rise, never past the newest message.
pub async fn delivered_marks_rise_and_reading_implies_delivery(env: Env) {
    let store = &env.store;
    let c = chat(store, "a").await;
    for i in 0..3 {
        send(store, &c.conversation, &c.seeker, &format!("m{i}"), at(i)).await;
    }
    let v = &c.volunteer.id;
    assert_eq!(
        store
            .mark_delivered(&c.conversation, v, 2)
            .await
            .expect("mark"),
        Some(2)
    );
    assert_eq!(
        store
            .mark_delivered(&c.conversation, v, 2)
            .await
            .expect("mark"),
        None,
        "no change, no answer"
    );
    assert_eq!(
        store
            .mark_delivered(&c.conversation, v, 1)
            .await
            .expect("mark"),
        None,
        "never lowered"
    );
    assert_eq!(
        store
            .mark_delivered(&c.conversation, v, 99)
            .await
            .expect("mark"),
        Some(4),
        "capped at the newest seq"
    );
    let outsider = seeker(store, "x").await;
    assert_eq!(
        store
            .mark_delivered(&c.conversation, &outsider.id, 3)
            .await
            .expect("mark"),
        None
    );

    send(store, &c.conversation, &c.seeker, "m3", at(5)).await;
    assert_eq!(
        store.mark_read(&c.conversation, v, 4).await.expect("read"),
        4
    );
    let summary = store
        .conversation_summaries(&c.seeker.id)
        .await
        .expect("summaries")
        .remove(0);
    let volunteer = summary
        .participants
        .iter()
        .find(|p| p.id == *v)
        .expect("listed");
    assert_eq!(
        (volunteer.read_seq, volunteer.delivered_seq),
        (4, 4),
        "reading implies delivery"
    );
    let me = summary
        .participants
        .iter()
        .find(|p| p.id == c.seeker.id)
        .expect("listed");
    assert_eq!((me.read_seq, me.delivered_seq), (0, 0));
}

/// Archiving is per person, shows in summaries, and the next message undoes it.
pub async fn archiving_is_per_person_until_the_next_message(env: Env) {
    let store = &env.store;
    let c = chat(store, "a").await;
    assert!(
        store
            .set_archived(&c.conversation, &c.seeker.id, true, at(1))
            .await
            .expect("archive")
    );
    let archived = |user| {
        let store = store.clone();
        let conversation = c.conversation.clone();
        async move {
            store
                .conversation_summaries(&user)
                .await
                .expect("summaries")
                .into_iter()
                .find(|s| s.id == conversation)
                .expect("listed")
                .archived
        }
    };
    assert!(archived(c.seeker.id.clone()).await);
    assert!(
        !archived(c.volunteer.id.clone()).await,
        "only for the one who archived"
    );
    send(store, &c.conversation, &c.volunteer, "back", at(2)).await;
    assert!(
        !archived(c.seeker.id.clone()).await,
        "a new message brings it back"
    );
    assert!(
        store
            .set_archived(&c.conversation, &c.seeker.id, true, at(3))
            .await
            .expect("archive")
    );
    assert!(
        store
            .set_archived(&c.conversation, &c.seeker.id, false, at(4))
            .await
            .expect("unarchive")
    );
    assert!(!archived(c.seeker.id.clone()).await);
    let outsider = seeker(store, "x").await;
    assert!(
        !store
            .set_archived(&c.conversation, &outsider.id, true, at(5))
            .await
            .expect("archive"),
        "not a participant"
    );
}

/// Deleted messages are not unread.
pub async fn deleted_messages_are_not_unread(env: Env) {
    let store = &env.store;
    let c = chat(store, "a").await;
    let first = send(store, &c.conversation, &c.seeker, "1", at(1))
        .await
        .message;
    send(store, &c.conversation, &c.seeker, "2", at(2)).await;
    store
        .delete_message(&first.id, at(3))
        .await
        .expect("delete");
    let summary = store
        .conversation_summaries(&c.volunteer.id)
        .await
        .expect("summaries")
        .remove(0);
    assert_eq!(summary.unread_count, 1);
}

/// Marks raised at the same moment, for several people and conversations
/// and several times for the same person, all land: each person ends at
/// their highest mark, and the call that asked for it reports it (a store
/// may merge the others into it).
pub async fn concurrent_delivered_marks_all_land(env: Env) {
    let store = &env.store;
    let chats = [chat(store, "a").await, chat(store, "b").await];
    for c in &chats {
        for i in 0..4 {
            send(store, &c.conversation, &c.seeker, &format!("m{i}"), at(i)).await;
        }
    }
    let calls: Vec<_> = chats
        .iter()
        .flat_map(|c| {
            [3, 1, 4, 2].map(|seq| {
                let (store, c) = (
                    store.clone(),
                    (c.conversation.clone(), c.volunteer.id.clone()),
                );
                async move {
                    (
                        seq,
                        store.mark_delivered(&c.0, &c.1, seq).await.expect("mark"),
                    )
                }
            })
        })
        .collect();
    let answers = futures::future::join_all(calls).await;
    for (seq, answer) in &answers {
        if *seq == 4 {
            assert_eq!(*answer, Some(4), "the highest call reports the mark");
        } else {
            assert!(
                answer.is_none_or(|mark| mark == *seq),
                "a lower call reports only its own mark"
            );
        }
    }
    for c in &chats {
        let summary = store
            .conversation_summaries(&c.seeker.id)
            .await
            .expect("summaries")
            .remove(0);
        let volunteer = summary
            .participants
            .iter()
            .find(|p| p.id == c.volunteer.id)
            .expect("listed");
        assert_eq!(volunteer.delivered_seq, 4);
    }
}
