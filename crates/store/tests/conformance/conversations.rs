//! Cases for conversations as a whole: ending them (which completes their
//! request once) and the seeker's feedback afterwards. What each participant
//! sees of one is in `participants.rs`.

use crate::fixtures::{at, chat, request_at, seeker, send};
use crate::harness::Env;
use helpline_core::conversation::ConversationStatus;
use helpline_core::message::MessageType;
use helpline_core::request::{Feedback, RequestStatus};
use helpline_core::{ConversationId, RequestId};

/// Ending a conversation completes its request, once, also when ends race.
pub async fn ending_completes_the_request_once(env: Env) {
    let store = &env.store;
    let c = chat(store, "a").await;
    assert_eq!(c.request.status, RequestStatus::Accepted);
    send(store, &c.conversation, &c.seeker, "m1", at(100)).await;

    let ended = store
        .end_conversation(
            &c.conversation,
            &c.seeker.id,
            &crate::fixtures::ended_note(),
            at(5000),
        )
        .await
        .expect("end")
        .expect("was active");
    assert_eq!(
        (ended.id.clone(), ended.status),
        (c.conversation.clone(), ConversationStatus::Ended)
    );
    assert_eq!(
        (ended.ended_at, ended.ended_by.as_ref()),
        (Some(at(5000)), Some(&c.seeker.id))
    );
    assert_eq!(
        (ended.request_id.as_ref(), ended.last_seq, ended.created_at),
        (Some(&c.request.id), 3, at(0))
    );
    // The claim's note, m1, and the ending's note by whoever ended it.
    let last = store
        .messages_after(&c.conversation, 2, 10)
        .await
        .expect("messages");
    assert_eq!(
        last.iter()
            .map(|m| (
                m.seq,
                m.message_type,
                m.sender_id.clone(),
                m.content.as_str()
            ))
            .collect::<Vec<_>>(),
        [(
            3,
            MessageType::System,
            c.seeker.id.clone(),
            "Someone ended the chat"
        )]
    );
    assert_eq!(
        store.conversation(&c.conversation).await.expect("read"),
        Some(ended.clone())
    );

    let request = store
        .request(&c.request.id)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(
        (request.status, request.completed_at),
        (RequestStatus::Completed, Some(at(5000)))
    );
    assert_eq!(
        (request.volunteer_id.as_ref(), request.accepted_at),
        (Some(&c.volunteer.id), Some(at(0)))
    );

    assert!(
        store
            .end_conversation(
                &c.conversation,
                &c.volunteer.id,
                &crate::fixtures::ended_note(),
                at(6000)
            )
            .await
            .expect("end")
            .is_none(),
        "ends once"
    );
    assert_eq!(
        store.conversation(&c.conversation).await.expect("read"),
        Some(ended)
    );
    assert_eq!(
        store
            .request(&c.request.id)
            .await
            .expect("read")
            .and_then(|r| r.completed_at),
        Some(at(5000))
    );
    assert!(
        store
            .end_conversation(
                &ConversationId::from_trusted("missing"),
                &c.seeker.id,
                &crate::fixtures::ended_note(),
                at(0)
            )
            .await
            .expect("end")
            .is_none()
    );

    // Racing ends: one ends it.
    let d = chat(store, "b").await;
    let mut tasks = Vec::new();
    for i in 0..10 {
        let (store, id, by) = (
            store.clone(),
            d.conversation.clone(),
            d.volunteer.id.clone(),
        );
        tasks.push(tokio::spawn(async move {
            store
                .end_conversation(&id, &by, &crate::fixtures::ended_note(), at(i))
                .await
        }));
    }
    let mut ended = 0;
    for task in tasks {
        ended += usize::from(task.await.expect("task").expect("end").is_some());
    }
    assert_eq!(ended, 1);
}

/// Feedback is stored once, and only on a completed request.
pub async fn feedback_only_once_and_only_when_completed(env: Env) {
    let store = &env.store;
    let rating = |rating, text: Option<&str>| Feedback {
        rating,
        text: text.map(str::to_owned),
    };
    let ann = seeker(store, "ann").await;
    let pending = request_at(store, &ann, None, at(0)).await;
    assert!(
        store
            .set_feedback(&pending.id, &rating(5, None))
            .await
            .expect("feedback")
            .is_none(),
        "pending"
    );

    let c = chat(store, "a").await;
    assert!(
        store
            .set_feedback(&c.request.id, &rating(5, None))
            .await
            .expect("feedback")
            .is_none(),
        "accepted"
    );
    store
        .end_conversation(
            &c.conversation,
            &c.volunteer.id,
            &crate::fixtures::ended_note(),
            at(10),
        )
        .await
        .expect("end")
        .expect("was active");
    let rated = store
        .set_feedback(&c.request.id, &rating(4, Some("thanks")))
        .await
        .expect("feedback")
        .expect("completed");
    assert_eq!(
        (rated.rating, rated.feedback.as_deref(), rated.status),
        (Some(4), Some("thanks"), RequestStatus::Completed)
    );
    assert!(
        store
            .set_feedback(&c.request.id, &rating(1, Some("changed my mind")))
            .await
            .expect("feedback")
            .is_none(),
        "once"
    );
    assert_eq!(
        store.request(&c.request.id).await.expect("read"),
        Some(rated)
    );

    let d = chat(store, "b").await;
    store
        .end_conversation(
            &d.conversation,
            &d.seeker.id,
            &crate::fixtures::ended_note(),
            at(10),
        )
        .await
        .expect("end")
        .expect("was active");
    let bare = store
        .set_feedback(&d.request.id, &rating(5, None))
        .await
        .expect("feedback")
        .expect("completed");
    assert_eq!((bare.rating, bare.feedback), (Some(5), None));
    assert!(
        store
            .set_feedback(&RequestId::from_trusted("missing"), &rating(3, None))
            .await
            .expect("feedback")
            .is_none()
    );
}
