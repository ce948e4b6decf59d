//! Cases for blocks and reports: blocks are per direction and idempotent,
//! keep the blocked seeker's requests from the blocker and the blocked
//! sender's messages out of a shared conversation; the blocker can list them
//! by name; reports list open first and resolve once.

use crate::fixtures::{at, chat, new_message, request_at, seeker, send, try_send, volunteer};
use crate::harness::Env;
use helpline_core::message::MessageType;
use helpline_core::safety::{Report, ReportStatus};
use helpline_core::{ReportId, UserId};
use helpline_store::AppendRefusal;

/// Blocking is one-way, repeatable, undoable, and hides the blocked seeker's requests.
pub async fn blocks_hide_requests_one_way(env: Env) {
    let store = &env.store;
    let (ann, vic, val) = (
        seeker(store, "ann").await,
        volunteer(store, "vic").await,
        volunteer(store, "val").await,
    );
    for _ in 0..2 {
        store
            .set_block(&vic.id, &ann.id, true, at(0))
            .await
            .expect("block");
    }
    assert_eq!(
        store.blockers_of(&ann.id).await.expect("blockers"),
        std::slice::from_ref(&vic.id)
    );
    assert!(
        store
            .blockers_of(&vic.id)
            .await
            .expect("blockers")
            .is_empty(),
        "one-way"
    );
    request_at(store, &ann, None, at(0)).await;
    let offerable = |v: UserId| {
        let store = store.clone();
        async move {
            store
                .offerable_requests(&v, at(1))
                .await
                .expect("offerable")
                .len()
        }
    };
    assert_eq!(
        offerable(vic.id.clone()).await,
        0,
        "not offered to the blocker"
    );
    assert_eq!(offerable(val.id.clone()).await, 1);
    store
        .set_block(&vic.id, &ann.id, false, at(2))
        .await
        .expect("unblock");
    store
        .set_block(&vic.id, &ann.id, false, at(2))
        .await
        .expect("unblock again");
    assert!(
        store
            .blockers_of(&ann.id)
            .await
            .expect("blockers")
            .is_empty()
    );
    assert_eq!(offerable(vic.id.clone()).await, 1);
}

/// Reports are listed open first and resolved exactly once.
pub async fn reports_resolve_once(env: Env) {
    let store = &env.store;
    let c = chat(store, "a").await;
    let staff =
        crate::fixtures::account(store, "staff", "Staff", helpline_core::user::Role::Support).await;
    let report = |id: &str, minute: i64| Report {
        id: ReportId::from_trusted(id),
        reporter_id: c.seeker.id.clone(),
        user_id: c.volunteer.id.clone(),
        message_id: None,
        conversation_id: Some(c.conversation.clone()),
        message_excerpt: Some("rude words".into()),
        reason: "was rude".into(),
        status: ReportStatus::Open,
        created_at: at(minute * 60_000),
        resolved_at: None,
        resolved_by: None,
    };
    for (id, minute) in [("r1", 1), ("r2", 2), ("r3", 3)] {
        store
            .create_report(&report(id, minute))
            .await
            .expect("report");
    }
    let resolved = store
        .resolve_report(&ReportId::from_trusted("r3"), &staff.id, at(600_000))
        .await
        .expect("resolve")
        .expect("was open");
    assert_eq!(
        (
            resolved.status,
            resolved.resolved_by.clone(),
            resolved.resolved_at
        ),
        (
            ReportStatus::Resolved,
            Some(staff.id.clone()),
            Some(at(600_000))
        )
    );
    assert_eq!(
        store
            .resolve_report(&ReportId::from_trusted("r3"), &staff.id, at(700_000))
            .await
            .expect("resolve"),
        None,
        "once"
    );
    assert_eq!(
        store
            .resolve_report(&ReportId::from_trusted("nope"), &staff.id, at(700_000))
            .await
            .expect("resolve"),
        None
    );
    let all: Vec<String> = store
        .reports(None)
        .await
        .expect("reports")
        .into_iter()
        .map(|r| r.id.to_string())
        .collect();
    assert_eq!(all, ["r2", "r1", "r3"], "open first, newest first");
    let open = store
        .reports(Some(ReportStatus::Open))
        .await
        .expect("reports");
    assert_eq!(open.len(), 2);
    assert_eq!(open[0], report("r2", 2));
}

/// The blocker's list names whom they blocked, newest block first; a
/// repeated block keeps its first time, an unblock removes the entry.
pub async fn blocked_lists_names_newest_first(env: Env) {
    let store = &env.store;
    let (vic, ann, bob) = (
        volunteer(store, "vic").await,
        seeker(store, "ann").await,
        seeker(store, "bob").await,
    );
    assert!(store.blocked_by(&vic.id).await.expect("list").is_empty());
    let block = |who: &UserId, ms: i64, on: bool| {
        let (store, blocker, who) = (store.clone(), vic.id.clone(), who.clone());
        async move {
            store
                .set_block(&blocker, &who, on, at(ms))
                .await
                .expect("block");
        }
    };
    block(&ann.id, 1, true).await;
    block(&bob.id, 2, true).await;
    block(&ann.id, 3, true).await;
    let listed = store.blocked_by(&vic.id).await.expect("list");
    let seen: Vec<_> = listed
        .iter()
        .map(|b| (b.id.clone(), b.display_name.as_str(), b.blocked_at))
        .collect();
    assert_eq!(
        seen,
        [
            (bob.id.clone(), bob.display_name.as_str(), at(2)),
            (ann.id.clone(), ann.display_name.as_str(), at(1)),
        ]
    );
    assert!(
        store.blocked_by(&ann.id).await.expect("list").is_empty(),
        "one-way"
    );
    block(&bob.id, 4, false).await;
    let ids: Vec<_> = store
        .blocked_by(&vic.id)
        .await
        .expect("list")
        .into_iter()
        .map(|b| b.id)
        .collect();
    assert_eq!(ids, std::slice::from_ref(&ann.id));
}

/// A blocked sender's messages are refused in either direction of the
/// conversation they share, and the seq does not move; a retry of a
/// message sent before the block is still answered with it; system notes
/// are never blocked; an unblock lets messages through again, and a block
/// of the other direction does not stop the blocker.
pub async fn blocked_sender_is_refused(env: Env) {
    let store = &env.store;
    let c = chat(store, "blk").await;
    let before = send(store, &c.conversation, &c.seeker, "early", at(1)).await;
    store
        .set_block(&c.volunteer.id, &c.seeker.id, true, at(2))
        .await
        .expect("block");
    assert!(matches!(
        try_send(store, &c.conversation, &c.seeker, "late", at(3)).await,
        Err(AppendRefusal::Blocked)
    ));
    let retried = send(store, &c.conversation, &c.seeker, "early", at(3)).await;
    assert!(!retried.created);
    assert_eq!(retried.message, before.message);
    let mut note = new_message(&c.conversation, &c.seeker, "note", "Missed call", at(4));
    note.draft.message_type = MessageType::System;
    let noted = store
        .append_message(&note)
        .await
        .expect("append")
        .expect("a system note goes through");
    assert_eq!(
        noted.message.seq,
        before.message.seq + 1,
        "no seq was used by the refusal"
    );
    let answered = send(store, &c.conversation, &c.volunteer, "from-blocker", at(5)).await;
    assert!(answered.created, "the blocker can still write");
    store
        .set_block(&c.volunteer.id, &c.seeker.id, false, at(6))
        .await
        .expect("unblock");
    assert!(
        send(store, &c.conversation, &c.seeker, "late", at(7))
            .await
            .created
    );
}
