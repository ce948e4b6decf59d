//! Cases for blocks and reports: blocks are per direction and idempotent,
//! keep a request's seeker and volunteer apart whichever of them blocked
//! (offers, claims, requests made to one person, a claim racing a block),
//! keep the blocked sender's messages out of a shared conversation; the blocker can list them
//! by name; reports list open first and resolve once.

use crate::fixtures::{
    TTL_MS, accepted_note, at, chat, claim, new_message, new_request, request_at, seeker, send,
    try_send, volunteer,
};
use crate::harness::Env;
use helpline_core::message::MessageType;
use helpline_core::request::ChatCap;
use helpline_core::request::RequestStatus;
use helpline_core::safety::{Report, ReportStatus};
use helpline_core::{ConversationId, ReportId, UserId};
use helpline_store::{AppendRefusal, ClaimOutcome, StoreError};
use sqlx::{Connection, PgConnection};

/// Blocks are stored per direction, repeatable and undoable; either
/// direction keeps the two apart for everything a request does: no offer
/// when it opens, no late offer, no claim, no request made to the other.
pub async fn blocks_keep_requests_apart_both_ways(env: Env) {
    let store = &env.store;
    let (ann, bea) = (seeker(store, "ann").await, seeker(store, "bea").await);
    let (vic, val, viv) = (
        volunteer(store, "vic").await,
        volunteer(store, "val").await,
        volunteer(store, "viv").await,
    );
    for _ in 0..2 {
        // Ann blocked Vic; Val blocked Ann.
        store
            .set_block(&ann.id, &vic.id, true, at(0))
            .await
            .expect("block");
        store
            .set_block(&val.id, &ann.id, true, at(0))
            .await
            .expect("block");
    }
    assert_eq!(
        store.blockers_of(&ann.id).await.expect("blockers"),
        std::slice::from_ref(&val.id)
    );
    assert_eq!(
        store.blockers_of(&vic.id).await.expect("blockers"),
        std::slice::from_ref(&ann.id)
    );
    for (a, b, blocked) in [
        (&ann, &vic, true),
        (&vic, &ann, true),
        (&ann, &val, true),
        (&val, &ann, true),
        (&ann, &viv, false),
        (&bea, &vic, false),
    ] {
        assert_eq!(
            store.blocked_either_way(&a.id, &b.id).await.expect("read"),
            blocked,
            "{} and {}",
            a.username,
            b.username
        );
    }

    let candidates = [vic.id.clone(), val.id.clone(), viv.id.clone()];
    let new = new_request(&ann, None, at(0), at(TTL_MS));
    let opened = store
        .open_request(&new, &candidates, ChatCap::none(), None)
        .await
        .expect("open");
    assert_eq!(
        opened.offered,
        std::slice::from_ref(&viv.id),
        "neither side of a block is offered it"
    );
    let offerable = |v: UserId| {
        let store = store.clone();
        async move {
            store
                .offerable_requests(&v, at(1), ChatCap::none())
                .await
                .expect("offerable")
                .len()
        }
    };
    assert_eq!(
        offerable(vic.id.clone()).await,
        0,
        "not to the one she blocked"
    );
    assert_eq!(
        offerable(val.id.clone()).await,
        0,
        "not to the one who blocked her"
    );
    assert_eq!(offerable(viv.id.clone()).await, 1);

    for blocked in [&vic, &val] {
        let conversation = ConversationId::generate();
        let outcome = store
            .claim_request(
                &new.id,
                &blocked.id,
                &conversation,
                &accepted_note(),
                at(2),
                ChatCap::none(),
            )
            .await
            .expect("claim");
        assert!(matches!(outcome, ClaimOutcome::Blocked), "{outcome:?}");
        assert_eq!(store.conversation(&conversation).await.expect("read"), None);
    }
    let pending = store.request(&new.id).await.expect("read").expect("stored");
    assert_eq!(
        pending.status,
        RequestStatus::Pending,
        "a refused claim changes nothing"
    );
    assert_eq!(pending.volunteer_id, None);
    // A later offer leaves out either side of a block, decided in its own
    // transaction, and the withdrawn hear no more of the request; whether
    // an offer was ever made is still known.
    let recorded = store
        .record_offers(&new.id, &[vic.id.clone(), viv.id.clone(), val.id.clone()])
        .await
        .expect("offers");
    assert_eq!(recorded, std::slice::from_ref(&viv.id));
    store.record_offers(&new.id, &[]).await.expect("no offers");
    store
        .set_block(&viv.id, &bea.id, true, at(2))
        .await
        .expect("unrelated block");
    assert_eq!(
        store.offered_volunteers(&new.id).await.expect("offered"),
        std::slice::from_ref(&viv.id)
    );
    store
        .set_block(&viv.id, &bea.id, false, at(2))
        .await
        .expect("unblock");
    assert!(store.offered_to(&new.id, &viv.id).await.expect("read"));
    assert!(!store.offered_to(&new.id, &vic.id).await.expect("read"));
    store
        .set_block(&ann.id, &viv.id, true, at(2))
        .await
        .expect("block");
    assert!(
        store
            .offered_volunteers(&new.id)
            .await
            .expect("offered")
            .is_empty(),
        "a block after the offer hides it from later notices"
    );
    assert!(
        store.offered_to(&new.id, &viv.id).await.expect("read"),
        "but it was made"
    );
    store
        .set_block(&ann.id, &viv.id, false, at(2))
        .await
        .expect("unblock");
    claim(store, &pending, &viv, at(3)).await;

    // Requests made to someone on the other side of a block store nothing.
    for target in [&vic, &val] {
        let refused = new_request(&ann, Some(target), at(4), at(TTL_MS));
        let outcome = store
            .open_request(
                &refused,
                std::slice::from_ref(&target.id),
                ChatCap::none(),
                None,
            )
            .await;
        assert!(matches!(outcome, Err(StoreError::Blocked)), "{outcome:?}");
        assert_eq!(store.request(&refused.id).await.expect("read"), None);
    }
    assert_eq!(store.pending_request_of(&ann.id).await.expect("read"), None);
    let to_vic = new_request(&bea, Some(&vic), at(4), at(TTL_MS));
    store
        .open_request(&to_vic, &[], ChatCap::none(), None)
        .await
        .expect("nobody blocked");

    // Unblocking lifts both the offer filter and the claim refusal.
    store
        .set_block(&ann.id, &vic.id, false, at(5))
        .await
        .expect("unblock");
    store
        .set_block(&ann.id, &vic.id, false, at(5))
        .await
        .expect("unblock again");
    assert!(
        !store
            .blocked_either_way(&vic.id, &ann.id)
            .await
            .expect("read")
    );
    let again = request_at(store, &ann, None, at(6)).await;
    assert_eq!(
        store
            .offerable_requests(&vic.id, at(7), ChatCap::none())
            .await
            .expect("offerable")
            .len(),
        2,
        "Ann's and Bea's"
    );
    claim(store, &again, &vic, at(8)).await;
}

/// A block and a claim of a request between the same two people, sent at
/// once, never both take effect unseen: either the claim wins (the block
/// comes after it) or it is refused and the request stays pending.
pub async fn a_block_and_a_claim_never_pass_each_other(env: Env) {
    let store = &env.store;
    let (mut claimed, mut refused) = (0, 0);
    for round in 0..24 {
        let ann = seeker(store, &format!("ann{round}")).await;
        let vic = volunteer(store, &format!("vic{round}")).await;
        let request = store
            .open_request(
                &new_request(&ann, None, at(0), at(TTL_MS)),
                std::slice::from_ref(&vic.id),
                ChatCap::none(),
                None,
            )
            .await
            .expect("open")
            .request;
        let (blocking, claiming) = (store.clone(), store.clone());
        let (seeker_id, volunteer_id) = (ann.id.clone(), vic.id.clone());
        let block = tokio::spawn(async move {
            blocking
                .set_block(&seeker_id, &volunteer_id, true, at(1))
                .await
        });
        let (request_id, volunteer_id) = (request.id.clone(), vic.id.clone());
        let conversation = ConversationId::generate();
        let claim = tokio::spawn(async move {
            claiming
                .claim_request(
                    &request_id,
                    &volunteer_id,
                    &conversation,
                    &accepted_note(),
                    at(1),
                    ChatCap::none(),
                )
                .await
        });
        let outcome = claim.await.expect("task").expect("claim");
        block.await.expect("task").expect("block");
        let now = store
            .request(&request.id)
            .await
            .expect("read")
            .expect("stored");
        match outcome {
            ClaimOutcome::Claimed { .. } => {
                claimed += 1;
                assert_eq!(now.status, RequestStatus::Accepted);
            }
            ClaimOutcome::Blocked => {
                refused += 1;
                assert_eq!(now.status, RequestStatus::Pending);
                assert_eq!(now.conversation_id, None);
            }
            other => panic!("round {round}: {other:?}"),
        }
    }
    assert_eq!(claimed + refused, 24);
}

/// PostgreSQL: a claim that waits for the row lock of a block under way
/// (a block locks the pair's pending requests before it is stored) sees
/// the block once it gets the row, though its statement began before the
/// block was committed. SQLite runs every write on one writer, one after
/// the other, so no claim ever waits on a block there.
pub async fn a_claim_waiting_on_a_block_sees_it(env: Env) {
    let Some(url) = env.postgres_url() else {
        return;
    };
    let store = &env.store;
    let (ann, vic) = (seeker(store, "ann").await, volunteer(store, "vic").await);
    let request = store
        .open_request(
            &new_request(&ann, None, at(0), at(TTL_MS)),
            std::slice::from_ref(&vic.id),
            ChatCap::none(),
            None,
        )
        .await
        .expect("open")
        .request;
    let mut blocking = PgConnection::connect(url).await.expect("connect");
    sqlx::raw_sql("BEGIN")
        .execute(&mut blocking)
        .await
        .expect("begin");
    sqlx::query("SELECT id FROM help_requests WHERE id = $1 FOR UPDATE")
        .bind(request.id.as_str())
        .execute(&mut blocking)
        .await
        .expect("lock the request as set_block does");
    sqlx::query("INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES ($1, $2, 1)")
        .bind(ann.id.as_str())
        .bind(vic.id.as_str())
        .execute(&mut blocking)
        .await
        .expect("block");
    let claiming = store.clone();
    let (request_id, volunteer_id) = (request.id.clone(), vic.id.clone());
    let claim = tokio::spawn(async move {
        claiming
            .claim_request(
                &request_id,
                &volunteer_id,
                &ConversationId::generate(),
                &accepted_note(),
                at(1),
                ChatCap::none(),
            )
            .await
    });
    let mut watching = PgConnection::connect(url).await.expect("connect");
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND wait_event_type = 'Lock' AND query LIKE 'UPDATE help_requests%'",
        )
        .fetch_one(&mut watching)
        .await
        .expect("watch");
        if waiting > 0 {
            break;
        }
        assert!(!claim.is_finished(), "the claim must wait for the lock");
        // PostgreSQL announces no lock wait; its activity view is polled.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    sqlx::raw_sql("COMMIT")
        .execute(&mut blocking)
        .await
        .expect("commit");
    let outcome = claim.await.expect("task").expect("claim");
    assert!(matches!(outcome, ClaimOutcome::Blocked), "{outcome:?}");
    let now = store
        .request(&request.id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(now.status, RequestStatus::Pending);
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
