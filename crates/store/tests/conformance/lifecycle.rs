//! Cases for a store's life: opening an empty database from several places
//! at once, and data surviving a close and a reopen.

use crate::fixtures::{at, chat, seeker, send};
use crate::harness::Env;
use helpline_core::request::Feedback;
use helpline_store::{StoreOptions, open};

/// Several stores opening one empty database at once all end up migrated.
pub async fn concurrent_first_opens_migrate_once(url: String) {
    let options = StoreOptions {
        sqlite_synchronous_full: false,
        max_connections: 2,
    };
    let opens = (0..4).map(|_| open(&url, &options));
    let stores: Vec<_> = futures::future::join_all(opens)
        .await
        .into_iter()
        .map(|s| s.expect("open"))
        .collect();
    for (i, store) in stores.iter().enumerate() {
        assert_eq!(
            store
                .setting_or_insert("who", &format!("store {i}"))
                .await
                .expect("setting"),
            "store 0"
        );
    }
    for store in stores {
        store.close().await;
    }
}

/// Everything written is there again after a close and a reopen.
pub async fn data_survives_close_and_reopen(env: Env) {
    let store = &env.store;
    store
        .setting_or_insert("token_secret", "s3cret")
        .await
        .expect("setting");
    let c = chat(store, "a").await;
    let ongoing = chat(store, "b").await;
    for i in 1..=3 {
        send(store, &c.conversation, &c.seeker, &format!("m{i}"), at(i)).await;
    }
    send(
        store,
        &ongoing.conversation,
        &ongoing.volunteer,
        "hello",
        at(5),
    )
    .await;
    store
        .mark_read(&c.conversation, &c.volunteer.id, 2)
        .await
        .expect("mark");
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
    let rated = Feedback {
        rating: 5,
        text: Some("merci".into()),
    };
    let request = store
        .set_feedback(&c.request.id, &rated)
        .await
        .expect("feedback")
        .expect("completed");
    let waiting = seeker(store, "waiting").await;
    let pending = crate::fixtures::request_at(store, &waiting, None, at(20)).await;
    store
        .record_offers(&pending.id, std::slice::from_ref(&c.volunteer.id))
        .await
        .expect("offers");

    let credentials = store
        .credentials("seeker-a")
        .await
        .expect("credentials")
        .expect("exists");
    let summaries = store
        .conversation_summaries(&c.volunteer.id)
        .await
        .expect("summaries");
    let messages = store
        .messages_after(&c.conversation, 0, 100)
        .await
        .expect("messages");
    store.close().await;

    let reopened = env.reopen().await;
    assert_eq!(
        reopened
            .setting_or_insert("token_secret", "other")
            .await
            .expect("setting"),
        "s3cret"
    );
    let again = reopened
        .credentials("seeker-a")
        .await
        .expect("credentials")
        .expect("exists");
    assert_eq!(
        (again.user, again.password_hash),
        (credentials.user, credentials.password_hash)
    );
    assert_eq!(
        reopened.request(&c.request.id).await.expect("read"),
        Some(request)
    );
    assert_eq!(
        reopened
            .pending_request_of(&waiting.id)
            .await
            .expect("pending"),
        Some(pending.clone())
    );
    assert_eq!(
        reopened
            .offered_volunteers(&pending.id)
            .await
            .expect("offered"),
        std::slice::from_ref(&c.volunteer.id)
    );
    assert_eq!(
        reopened
            .conversation_summaries(&c.volunteer.id)
            .await
            .expect("summaries"),
        summaries
    );
    assert_eq!(
        reopened
            .messages_after(&c.conversation, 0, 100)
            .await
            .expect("messages"),
        messages
    );
    assert_eq!(
        reopened
            .active_conversations_of(&ongoing.seeker.id)
            .await
            .expect("active"),
        std::slice::from_ref(&ongoing.conversation)
    );
    let next = send(
        &reopened,
        &ongoing.conversation,
        &ongoing.seeker,
        "after restart",
        at(30),
    )
    .await;
    assert_eq!((next.created, next.message.seq), (true, 3), "seq continues");
    reopened.close().await;
}
