//! Cases for disappearing messages: the conversation's timer and a
//! message's own, view-once, the exemption of reported conversations, and
//! concurrent sweeps taking each message once.

use crate::fixtures::{at, chat, new_message};
use crate::harness::Env;
use helpline_core::ReportId;
use helpline_core::message::MessageType;
use helpline_core::safety::{Report, ReportStatus};

/// Timers: the message's own wins over the conversation's; system notices stay.
pub async fn timers_pick_deadlines_and_sweeps_take_them_once(env: Env) {
    let store = &env.store;
    let c = chat(store, "a").await;
    let set = store
        .set_auto_delete(&c.conversation, Some(3600))
        .await
        .expect("set")
        .expect("exists");
    assert_eq!(set.auto_delete_secs, Some(3600));
    let send = |key: &str, own: Option<i64>, system: bool| {
        let mut m = new_message(&c.conversation, &c.seeker, key, "secret", at(0));
        m.draft.expires_in_secs = own;
        if system {
            m.draft.message_type = MessageType::System;
        }
        let store = store.clone();
        async move {
            store
                .append_message(&m)
                .await
                .expect("append")
                .expect("accepted")
                .message
        }
    };
    let by_conversation = send("1", None, false).await;
    let by_own = send("2", Some(30), false).await;
    let notice = send("3", None, true).await;
    assert_eq!(by_conversation.expires_at, Some(at(3_600_000)));
    assert_eq!(by_own.expires_at, Some(at(30_000)));
    assert_eq!((notice.expires_at, notice.view_once), (None, false));

    assert!(
        store
            .expire_messages(at(29_999), 100)
            .await
            .expect("sweep")
            .is_empty()
    );
    let swept = store.expire_messages(at(30_000), 100).await.expect("sweep");
    assert_eq!(
        swept.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        std::slice::from_ref(&by_own.id)
    );
    assert_eq!(
        (swept[0].content.as_str(), swept[0].deleted_at),
        ("", Some(at(30_000)))
    );

    // Concurrent sweeps share the work without overlap.
    let mut sweeps = Vec::new();
    for _ in 0..4 {
        let store = store.clone();
        sweeps.push(tokio::spawn(async move {
            store
                .expire_messages(at(4_000_000), 100)
                .await
                .expect("sweep")
                .len()
        }));
    }
    let mut total = 0;
    for sweep in sweeps {
        total += sweep.await.expect("task");
    }
    assert_eq!(total, 1, "the conversation-timed message, once");
    let left = store
        .messages_after(&c.conversation, 0, 10)
        .await
        .expect("read");
    assert_eq!(
        left.iter().filter(|m| m.deleted_at.is_none()).count(),
        2,
        "only the claim's and the timer's notices are left"
    );
    assert!(
        store
            .set_auto_delete(&helpline_core::ConversationId::generate(), None)
            .await
            .expect("set")
            .is_none()
    );
}

/// View-once goes once every other participant has read it; open reports hold everything.
pub async fn view_once_waits_for_readers_and_reports_hold(env: Env) {
    let store = &env.store;
    let c = chat(store, "a").await;
    let mut once = new_message(&c.conversation, &c.seeker, "1", "PIN", at(0));
    once.draft.expires_in_secs = Some(0);
    let once = store
        .append_message(&once)
        .await
        .expect("append")
        .expect("accepted")
        .message;
    assert!(once.view_once && once.expires_at.is_none());
    assert!(
        store
            .expire_messages(at(1_000_000), 10)
            .await
            .expect("sweep")
            .is_empty(),
        "unread: stays"
    );
    store
        .mark_read(&c.conversation, &c.volunteer.id, once.seq)
        .await
        .expect("read");

    let report = Report {
        id: ReportId::generate(),
        reporter_id: c.volunteer.id.clone(),
        user_id: c.seeker.id.clone(),
        message_id: Some(once.id.clone()),
        conversation_id: Some(c.conversation.clone()),
        message_excerpt: Some("PIN".into()),
        reason: "odd".into(),
        status: ReportStatus::Open,
        created_at: at(1),
        resolved_at: None,
        resolved_by: None,
    };
    store.create_report(&report).await.expect("report");
    assert!(
        store
            .expire_messages(at(2_000_000), 10)
            .await
            .expect("sweep")
            .is_empty(),
        "held by the open report"
    );
    store
        .resolve_report(&report.id, &c.volunteer.id, at(3))
        .await
        .expect("resolve");
    let swept = store
        .expire_messages(at(2_000_000), 10)
        .await
        .expect("sweep");
    assert_eq!(
        swept.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        [once.id]
    );
}
