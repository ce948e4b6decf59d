//! Cases for calls: placing (busy, glare, conflict, already answered),
//! exactly one of racing accepts and of racing ends, the ring sweep taking
//! each call once under concurrent sweepers, the caller-device binding,
//! records newest first, and stats once per side.

use crate::fixtures::{at, chat};
use crate::harness::Env;
use helpline_core::call::{Call, CallEnd, CallStats, CallStatus, EndReason, Media, NewCall, Side};
use helpline_core::{CallId, ConversationId, Timestamp, UserId};
use helpline_store::{CallPlaced, Store};
use std::collections::HashSet;
use std::sync::Arc;

fn new_call(
    conversation: &ConversationId,
    caller: &UserId,
    callee: &UserId,
    created: Timestamp,
) -> NewCall {
    NewCall {
        id: CallId::generate(),
        conversation_id: conversation.clone(),
        caller_id: caller.clone(),
        callee_id: callee.clone(),
        media: Media::Voice,
        caller_device: Some(format!("device-{caller}")),
        created_at: created,
        rings_until: Timestamp::from_millis(created.millis() + 60_000),
        answered_device: None,
    }
}

fn end(status: CallStatus, reason: EndReason, ms: i64, duration: Option<i64>) -> CallEnd {
    CallEnd {
        status,
        reason,
        ended_at: at(ms),
        duration_secs: duration,
    }
}

fn busy(ms: i64) -> CallEnd {
    end(CallStatus::Rejected, EndReason::Busy, ms, None)
}

async fn place(store: &Arc<dyn Store>, new: &NewCall) -> Call {
    match store.create_call(new, &busy(0)).await.expect("place") {
        CallPlaced::Placed(call) => call,
        other => panic!("expected a placed call, got {other:?}"),
    }
}

/// Placing: ringing; a second in the conversation conflicts, the other way
/// is glare; a busy callee gets a call stored already ended; an answered
/// call skips the checks but not "one live call per conversation".
pub async fn placing_checks_live_calls_and_busy(env: Env) {
    let store = &env.store;
    let a = chat(store, "a").await;
    let b = chat(store, "b").await;
    let call = place(
        store,
        &new_call(&a.conversation, &a.seeker.id, &a.volunteer.id, at(0)),
    )
    .await;
    assert_eq!(
        (call.status, call.reason, call.answered_at),
        (CallStatus::Ringing, None, None)
    );
    assert_eq!(call.rings_until, at(60_000));
    assert_eq!(call.caller_device, Some(format!("device-{}", a.seeker.id)));
    let again = new_call(&a.conversation, &a.seeker.id, &a.volunteer.id, at(1));
    assert!(
        matches!(store.create_call(&again, &busy(1)).await.expect("place"), CallPlaced::Conflict(c) if c.id == call.id)
    );
    let reverse = new_call(&a.conversation, &a.volunteer.id, &a.seeker.id, at(1));
    assert!(
        matches!(store.create_call(&reverse, &busy(1)).await.expect("place"), CallPlaced::Glare(c) if c.id == call.id)
    );
    // a.volunteer is ringing in conversation a: b's seeker calling them finds them busy.
    let b_call = new_call(&b.conversation, &b.seeker.id, &a.volunteer.id, at(2));
    match store.create_call(&b_call, &busy(2)).await.expect("place") {
        CallPlaced::Busy(stored) => {
            assert_eq!(
                (stored.status, stored.reason),
                (CallStatus::Rejected, Some(EndReason::Busy))
            );
            assert_eq!((stored.ended_at, stored.duration_secs), (Some(at(2)), None));
        }
        other => panic!("expected busy, got {other:?}"),
    }
    // A caller in a live call cannot place another elsewhere.
    let elsewhere = new_call(&b.conversation, &a.seeker.id, &b.volunteer.id, at(3));
    assert!(matches!(
        store
            .create_call(&elsewhere, &busy(3))
            .await
            .expect("place"),
        CallPlaced::Conflict(_)
    ));
    // Already answered (a help request's call): active at once.
    let mut answered = new_call(&b.conversation, &b.seeker.id, &b.volunteer.id, at(4));
    answered.answered_device = Some("volunteer-socket".into());
    answered.caller_device = None;
    let active = place(store, &answered).await;
    assert_eq!(
        (active.status, active.answered_at),
        (CallStatus::Active, Some(at(4)))
    );
    assert_eq!(active.answered_device.as_deref(), Some("volunteer-socket"));
    let mut twice = new_call(&b.conversation, &b.seeker.id, &b.volunteer.id, at(5));
    twice.answered_device = Some("x".into());
    assert!(matches!(
        store.create_call(&twice, &busy(5)).await.expect("place"),
        CallPlaced::Conflict(_)
    ));
    let live = store.live_calls_of(&b.volunteer.id).await.expect("live");
    assert_eq!(
        live.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
        std::slice::from_ref(&active.id)
    );
    assert_eq!(
        store
            .live_call_in(&a.conversation)
            .await
            .expect("live")
            .map(|c| c.id),
        Some(call.id)
    );
    let listed = store.calls_in(&b.conversation, 10).await.expect("list");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].id, active.id, "newest first");
}

/// Of many concurrent accepts exactly one wins; late accepts and ends of a
/// moved call do nothing; each call ends once.
pub async fn one_accept_and_one_end_win(env: Env) {
    let store = &env.store;
    let c = chat(store, "a").await;
    let call = place(
        store,
        &new_call(&c.conversation, &c.seeker.id, &c.volunteer.id, at(0)),
    )
    .await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (store, id) = (store.clone(), call.id.clone());
        tasks.push(tokio::spawn(async move {
            store
                .accept_call(&id, &format!("socket-{i}"), at(1000))
                .await
                .expect("accept")
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        winners.extend(task.await.expect("task"));
    }
    assert_eq!(winners.len(), 1, "exactly one accept wins");
    let active = &winners[0];
    assert_eq!(
        (active.status, active.answered_at),
        (CallStatus::Active, Some(at(1000)))
    );
    let stored = store.call(&call.id).await.expect("read").expect("exists");
    assert_eq!(stored.answered_device, active.answered_device);

    let hangup = end(CallStatus::Ended, EndReason::Hangup, 61_000, Some(60));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (store, id) = (store.clone(), call.id.clone());
        tasks.push(tokio::spawn(async move {
            store
                .finish_call(&id, CallStatus::Active, &hangup)
                .await
                .expect("finish")
        }));
    }
    let mut ended = Vec::new();
    for task in tasks {
        ended.extend(task.await.expect("task"));
    }
    assert_eq!(ended.len(), 1, "exactly one end wins");
    assert_eq!(
        (ended[0].status, ended[0].duration_secs),
        (CallStatus::Ended, Some(60))
    );
    let cancel = end(CallStatus::Cancelled, EndReason::Cancelled, 62_000, None);
    assert!(
        store
            .finish_call(&call.id, CallStatus::Ringing, &cancel)
            .await
            .expect("finish")
            .is_none()
    );
    assert!(
        store
            .accept_call(&call.id, "late", at(62_000))
            .await
            .expect("accept")
            .is_none()
    );
    assert!(
        store
            .live_calls_of(&c.seeker.id)
            .await
            .expect("live")
            .is_empty()
    );

    // Past the deadline nobody can answer.
    let late = place(
        store,
        &new_call(&c.conversation, &c.seeker.id, &c.volunteer.id, at(100_000)),
    )
    .await;
    assert!(
        store
            .accept_call(&late.id, "s", at(160_000))
            .await
            .expect("accept")
            .is_none()
    );
    assert!(
        store
            .accept_call(&late.id, "s", at(159_999))
            .await
            .expect("accept")
            .is_some()
    );
}

/// Concurrent ring sweeps end each due call once and leave the rest.
pub async fn ring_sweeps_take_each_call_once(env: Env) {
    let store = &env.store;
    let mut due = HashSet::new();
    for i in 0..12 {
        let c = chat(store, &format!("d{i}")).await;
        due.insert(
            place(
                store,
                &new_call(&c.conversation, &c.seeker.id, &c.volunteer.id, at(i)),
            )
            .await
            .id,
        );
    }
    let keep = chat(store, "keep").await;
    let not_due = place(
        store,
        &new_call(
            &keep.conversation,
            &keep.seeker.id,
            &keep.volunteer.id,
            at(10_000),
        ),
    )
    .await;
    let timeout = end(CallStatus::Missed, EndReason::Timeout, 60_100, None);
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = store
                    .expire_ringing_calls(&timeout, 2)
                    .await
                    .expect("sweep");
                if batch.is_empty() {
                    return mine;
                }
                assert!(batch.iter().all(
                    |c| c.status == CallStatus::Missed && c.reason == Some(EndReason::Timeout)
                ));
                mine.extend(batch.into_iter().map(|c| c.id));
            }
        }));
    }
    let mut returned = Vec::new();
    for task in tasks {
        returned.extend(task.await.expect("task"));
    }
    let unique: HashSet<CallId> = returned.iter().cloned().collect();
    assert_eq!(returned.len(), unique.len(), "no call is swept twice");
    assert_eq!(unique, due);
    let kept = store
        .call(&not_due.id)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(kept.status, CallStatus::Ringing);
}

/// The caller's device binds once; stats are stored once per side, only
/// for answered calls.
pub async fn devices_bind_once_and_stats_once_per_side(env: Env) {
    let store = &env.store;
    let c = chat(store, "a").await;
    let mut new = new_call(&c.conversation, &c.seeker.id, &c.volunteer.id, at(0));
    new.caller_device = None;
    let call = place(store, &new).await;
    let stats = CallStats {
        rtt_ms: Some(40.5),
        packets_lost: Some(2),
        ..CallStats::default()
    };
    assert!(
        store
            .set_call_stats(&call.id, Side::Caller, &stats)
            .await
            .expect("stats")
            .is_none(),
        "not answered"
    );
    assert!(
        store
            .bind_caller_device(&call.id, "first")
            .await
            .expect("bind")
    );
    assert!(
        store
            .bind_caller_device(&call.id, "first")
            .await
            .expect("bind")
    );
    assert!(
        !store
            .bind_caller_device(&call.id, "second")
            .await
            .expect("bind")
    );
    assert!(
        !store
            .bind_caller_device(&CallId::generate(), "first")
            .await
            .expect("bind")
    );
    store
        .accept_call(&call.id, "callee", at(10))
        .await
        .expect("accept")
        .expect("answered");
    let stored = store
        .set_call_stats(&call.id, Side::Caller, &stats)
        .await
        .expect("stats")
        .expect("stored");
    assert_eq!(stored.stats.caller.as_ref(), Some(&stats));
    assert_eq!(stored.stats.callee, None);
    assert!(
        store
            .set_call_stats(&call.id, Side::Caller, &stats)
            .await
            .expect("stats")
            .is_none(),
        "once"
    );
    let callee = CallStats {
        bytes_received: Some(1000),
        ..CallStats::default()
    };
    let both = store
        .set_call_stats(&call.id, Side::Callee, &callee)
        .await
        .expect("stats")
        .expect("stored");
    assert_eq!(both.stats.callee, Some(callee));
    assert_eq!(both.caller_device.as_deref(), Some("first"));
}

/// A side's signaling moves to another socket of theirs: the caller's while
/// ringing or active, the callee's once active; never after the end.
pub async fn devices_move_while_the_call_lives(env: Env) {
    let store = &env.store;
    let c = chat(store, "m").await;
    let new = new_call(&c.conversation, &c.seeker.id, &c.volunteer.id, at(0));
    let call = place(store, &new).await;
    let moved = store
        .move_device(&call.id, Side::Caller, "caller-2")
        .await
        .expect("move")
        .expect("ringing: the caller's moves");
    assert_eq!(moved.caller_device.as_deref(), Some("caller-2"));
    assert!(
        store
            .move_device(&call.id, Side::Callee, "callee-2")
            .await
            .expect("move")
            .is_none(),
        "no callee device before the answer"
    );
    store
        .accept_call(&call.id, "callee-1", at(5))
        .await
        .expect("accept")
        .expect("answered");
    let moved = store
        .move_device(&call.id, Side::Callee, "callee-2")
        .await
        .expect("move")
        .expect("active: the callee's moves");
    assert_eq!(
        (
            moved.caller_device.as_deref(),
            moved.answered_device.as_deref()
        ),
        (Some("caller-2"), Some("callee-2"))
    );
    store
        .finish_call(
            &call.id,
            CallStatus::Active,
            &end(CallStatus::Ended, EndReason::Hangup, 60, Some(55)),
        )
        .await
        .expect("finish")
        .expect("ended");
    assert!(
        store
            .move_device(&call.id, Side::Caller, "caller-3")
            .await
            .expect("move")
            .is_none(),
        "an ended call keeps its devices"
    );
}
