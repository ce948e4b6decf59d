//! Cases for blocks and reports: blocks are per direction and idempotent
//! and keep the blocked seeker's requests from the blocker; reports list
//! open first and resolve once.

use crate::fixtures::{at, chat, request_at, seeker, volunteer};
use crate::harness::Env;
use helpline_core::safety::{Report, ReportStatus};
use helpline_core::{ReportId, UserId};

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
