//! Cases for what each participant sees of a conversation: read marks
//! (capped, never lowered), summaries with unread counts that follow
//! activity, and the list of a user's active conversations.

use crate::fixtures::{at, chat, claim, request_at, seeker, send, volunteer};
use crate::harness::Env;
use helpline_core::conversation::{ConversationStatus, Participant};
use helpline_core::message::MessageType;
use helpline_core::user::User;
use helpline_core::{ConversationId, UserId};

fn sorted<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items
}

/// A read mark is capped at the newest seq and never goes down.
pub async fn read_marks_are_capped_and_never_lowered(env: Env) {
    let store = &env.store;
    let c = chat(store, "a").await;
    let id = &c.conversation;
    assert_eq!(
        store.mark_read(id, &c.seeker.id, 10).await.expect("mark"),
        1,
        "capped at the claim's note"
    );
    for i in 1..=5 {
        send(store, id, &c.volunteer, &format!("m{i}"), at(i)).await;
    }
    assert_eq!(store.mark_read(id, &c.seeker.id, 3).await.expect("mark"), 3);
    assert_eq!(
        store.mark_read(id, &c.seeker.id, 2).await.expect("mark"),
        3,
        "never lowered"
    );
    assert_eq!(
        store.mark_read(id, &c.seeker.id, 100).await.expect("mark"),
        6,
        "capped at last_seq"
    );
    assert_eq!(
        store.mark_read(id, &c.seeker.id, -1).await.expect("mark"),
        6
    );
    assert_eq!(
        store.mark_read(id, &c.volunteer.id, 0).await.expect("mark"),
        0,
        "marks are per participant"
    );
    let outsider = seeker(store, "outsider").await;
    assert_eq!(store.mark_read(id, &outsider.id, 5).await.expect("mark"), 0);
    assert_eq!(
        store
            .mark_read(&ConversationId::from_trusted("missing"), &c.seeker.id, 5)
            .await
            .expect("mark"),
        0
    );
    let summary = store
        .conversation_summaries(&c.seeker.id)
        .await
        .expect("summaries")
        .remove(0);
    assert_eq!((summary.last_read_seq, summary.unread_count), (6, 0));
}

fn participant(user: &User) -> Participant {
    Participant {
        id: user.id.clone(),
        display_name: user.display_name.clone(),
        role: user.role,
        read_seq: 0,
        delivered_seq: 0,
    }
}

/// Summaries count others' unread messages, show the newest one and follow activity.
pub async fn summaries_count_unread_and_follow_activity(env: Env) {
    let store = &env.store;
    let vic = volunteer(store, "vic").await;
    let (ann, bea) = (seeker(store, "ann").await, seeker(store, "bea").await);
    let first_request = request_at(store, &ann, None, at(-1000)).await;
    let first = claim(store, &first_request, &vic, at(0)).await;
    let second_request = request_at(store, &bea, None, at(-1000)).await;
    let second = claim(store, &second_request, &vic, at(10)).await;

    let summaries = store
        .conversation_summaries(&vic.id)
        .await
        .expect("summaries");
    assert_eq!(
        summaries.iter().map(|s| &s.id).collect::<Vec<_>>(),
        [&second, &first],
        "newest activity first"
    );
    let s = &summaries[1];
    assert_eq!(
        (s.status, s.request_id.as_ref(), s.created_at, s.ended_at),
        (
            ConversationStatus::Active,
            Some(&first_request.id),
            at(0),
            None
        )
    );
    assert_eq!(
        (
            s.last_message.as_ref().map(|m| m.message_type),
            s.unread_count,
            s.last_read_seq
        ),
        (Some(MessageType::System), 0, 0),
        "the claim's note is the last message, and never unread"
    );
    assert_eq!(
        s.participants,
        sorted_by_id(vec![participant(&ann), participant(&vic)])
    );
    assert_eq!(
        summaries[0].participants,
        sorted_by_id(vec![participant(&bea), participant(&vic)])
    );

    for i in 1..=3 {
        send(store, &first, &ann, &format!("a{i}"), at(100 + i)).await;
    }
    let reply = send(store, &first, &vic, "v1", at(200)).await.message;
    send(store, &second, &bea, "b1", at(50)).await;

    let summaries = store
        .conversation_summaries(&vic.id)
        .await
        .expect("summaries");
    assert_eq!(
        summaries.iter().map(|s| &s.id).collect::<Vec<_>>(),
        [&first, &second]
    );
    assert_eq!(
        (
            summaries[0].unread_count,
            summaries[0].last_message.as_ref()
        ),
        (3, Some(&reply)),
        "own messages are not unread"
    );
    assert_eq!(summaries[1].unread_count, 1);
    assert_eq!(
        summaries[1]
            .last_message
            .as_ref()
            .map(|m| m.client_message_id.as_str()),
        Some("b1")
    );
    let anns = store
        .conversation_summaries(&ann.id)
        .await
        .expect("summaries");
    assert_eq!(
        anns.iter()
            .map(|s| (&s.id, s.unread_count))
            .collect::<Vec<_>>(),
        [(&first, 1)]
    );

    store.mark_read(&first, &vic.id, 2).await.expect("mark");
    let summaries = store
        .conversation_summaries(&vic.id)
        .await
        .expect("summaries");
    assert_eq!(
        (summaries[0].unread_count, summaries[0].last_read_seq),
        (2, 2),
        "seq 1 is the claim's note, so 3 and 4 are still unread"
    );

    store
        .end_conversation(&second, &bea.id, &crate::fixtures::ended_note(), at(300))
        .await
        .expect("end")
        .expect("was active");
    let summaries = store
        .conversation_summaries(&vic.id)
        .await
        .expect("summaries");
    assert_eq!(
        summaries.iter().map(|s| &s.id).collect::<Vec<_>>(),
        [&second, &first],
        "ending is activity"
    );
    assert_eq!(
        (summaries[0].status, summaries[0].ended_at),
        (ConversationStatus::Ended, Some(at(300)))
    );
    assert!(
        store
            .conversation_summaries(&seeker(store, "nobody").await.id)
            .await
            .expect("summaries")
            .is_empty()
    );
}

fn sorted_by_id(mut people: Vec<Participant>) -> Vec<Participant> {
    people.sort_by(|a, b| a.id.cmp(&b.id));
    people
}

/// Each participant sees their active conversations until they end.
pub async fn active_conversations_are_listed_per_user(env: Env) {
    let store = &env.store;
    let vic = volunteer(store, "vic").await;
    let (ann, bea) = (seeker(store, "ann").await, seeker(store, "bea").await);
    let first_request = request_at(store, &ann, None, at(-1000)).await;
    let first = claim(store, &first_request, &vic, at(0)).await;
    let second_request = request_at(store, &bea, None, at(-1000)).await;
    let second = claim(store, &second_request, &vic, at(10)).await;
    let active = |user: UserId| async move {
        sorted(store.active_conversations_of(&user).await.expect("active"))
    };

    assert_eq!(
        active(vic.id.clone()).await,
        sorted(vec![first.clone(), second.clone()])
    );
    assert_eq!(active(ann.id.clone()).await, std::slice::from_ref(&first));
    store
        .end_conversation(&first, &ann.id, &crate::fixtures::ended_note(), at(20))
        .await
        .expect("end")
        .expect("was active");
    assert_eq!(active(vic.id.clone()).await, std::slice::from_ref(&second));
    assert!(active(ann.id.clone()).await.is_empty());
    assert_eq!(active(bea.id.clone()).await, [second]);
    assert!(active(UserId::from_trusted("nobody")).await.is_empty());
    assert_eq!(
        store.participants(&first).await.expect("participants"),
        sorted(vec![ann.id.clone(), vic.id.clone()])
    );
}
