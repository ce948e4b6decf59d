//! Cases for the claim and for expiry: the moves out of `pending` that
//! race with each other.

use crate::fixtures::{at, claim, new_request, request_at, seeker, volunteer};
use crate::harness::Env;
use helpline_core::conversation::ConversationStatus;
use helpline_core::message::MessageType;
use helpline_core::request::ChatCap;
use helpline_core::request::{HelpRequest, RequestStatus};
use helpline_core::{ConversationId, RequestId};
use helpline_store::{ClaimOutcome, Store};
use std::collections::HashSet;
use std::sync::Arc;

/// The status a losing claim reports, or a panic if it did not lose.
async fn lost(store: &Arc<dyn Store>, request: &RequestId, now_ms: i64) -> RequestStatus {
    let volunteer = volunteer(store, &format!("late-{}", ConversationId::generate())).await;
    let conversation = ConversationId::generate();
    let outcome = store
        .claim_request(
            request,
            &volunteer.id,
            &conversation,
            &crate::fixtures::accepted_note(),
            at(now_ms),
            ChatCap::none(),
        )
        .await
        .expect("claim");
    assert!(
        store
            .conversation(&conversation)
            .await
            .expect("read")
            .is_none(),
        "a lost claim opens nothing"
    );
    match outcome {
        ClaimOutcome::Lost(current) => current.status,
        other => panic!("expected a lost claim, got {other:?}"),
    }
}

/// Of 50 concurrent claims exactly one wins; the others see it accepted.
pub async fn one_of_many_concurrent_claims_wins(env: Env) {
    let store = &env.store;
    let ann = seeker(store, "ann").await;
    let mut volunteers = Vec::new();
    for i in 0..50 {
        volunteers.push(volunteer(store, &format!("v{i:02}")).await);
    }
    let request = request_at(store, &ann, None, at(-1000)).await;
    let mut tasks = Vec::new();
    for v in &volunteers {
        let (store, id, vid) = (store.clone(), request.id.clone(), v.id.clone());
        let conversation = ConversationId::generate();
        tasks.push(tokio::spawn(async move {
            let outcome = store
                .claim_request(
                    &id,
                    &vid,
                    &conversation,
                    &crate::fixtures::accepted_note(),
                    at(0),
                    ChatCap::none(),
                )
                .await
                .expect("claim");
            (conversation, outcome)
        }));
    }
    let (mut winners, mut losers) = (Vec::new(), Vec::new());
    for task in tasks {
        match task.await.expect("task") {
            (
                conversation,
                ClaimOutcome::Claimed {
                    request,
                    conversation: opened,
                },
            ) => winners.push((conversation, request, opened)),
            (conversation, ClaimOutcome::Lost(current)) => losers.push((conversation, current)),
            (_, ClaimOutcome::Missing) => panic!("the request exists"),
            (_, ClaimOutcome::Blocked) => panic!("nobody is blocked"),
            (_, ClaimOutcome::AtCap) => panic!("no cap"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one claim wins");
    let (conversation_id, won, opened) = winners.remove(0);
    let winner = won.volunteer_id.clone().expect("the winner is recorded");
    assert_eq!(won.status, RequestStatus::Accepted);
    assert_eq!(
        (won.accepted_at, won.conversation_id.as_ref()),
        (Some(at(0)), Some(&conversation_id))
    );
    assert_eq!(opened.id, conversation_id);
    assert_eq!(
        (opened.status, opened.request_id.as_ref(), opened.last_seq),
        (ConversationStatus::Active, Some(&request.id), 1)
    );
    // The claim wrote the conversation's first message, by the winner.
    let first = store
        .messages_after(&conversation_id, 0, 10)
        .await
        .expect("messages");
    assert_eq!(first.len(), 1);
    assert_eq!(
        (
            first[0].seq,
            first[0].message_type,
            first[0].sender_id.clone(),
            first[0].content.as_str()
        ),
        (
            1,
            MessageType::System,
            winner.clone(),
            "Volunteer accepted the request"
        )
    );
    assert_eq!(
        (opened.created_at, opened.ended_at, opened.ended_by.as_ref()),
        (at(0), None, None)
    );
    assert_eq!(
        store.request(&request.id).await.expect("read"),
        Some(won.clone())
    );
    assert_eq!(
        store.conversation(&conversation_id).await.expect("read"),
        Some(opened)
    );
    let mut expected = vec![ann.id.clone(), winner.clone()];
    expected.sort();
    assert_eq!(
        store
            .participants(&conversation_id)
            .await
            .expect("participants"),
        expected
    );

    assert_eq!(losers.len(), 49);
    for (conversation, current) in losers {
        assert_eq!(current, won, "a loser sees the accepted request");
        assert!(
            store
                .conversation(&conversation)
                .await
                .expect("read")
                .is_none()
        );
    }
}

/// Claims of expired (even unswept), cancelled, taken, rejected or unknown requests lose.
pub async fn late_or_missing_claims_lose(env: Env) {
    let store = &env.store;
    let vic = volunteer(store, "vic").await;
    let mut seekers = Vec::new();
    for name in ["sa", "sb", "sc", "sd", "se"] {
        seekers.push(seeker(store, name).await);
    }

    // Expired but not yet swept: still pending, yet nobody may claim it.
    let stale = store
        .open_request(
            &new_request(&seekers[0], None, at(-120_000), at(-60_000)),
            &[],
            ChatCap::none(),
            None,
        )
        .await
        .expect("create")
        .request;
    assert_eq!(lost(store, &stale.id, 0).await, RequestStatus::Pending);
    let due_now = store
        .open_request(
            &new_request(&seekers[1], None, at(-10), at(0)),
            &[],
            ChatCap::none(),
            None,
        )
        .await
        .expect("create")
        .request;
    assert_eq!(
        lost(store, &due_now.id, 0).await,
        RequestStatus::Pending,
        "the deadline itself is too late"
    );

    let cancelled = request_at(store, &seekers[2], None, at(-10)).await;
    store
        .cancel_request(&cancelled.id)
        .await
        .expect("cancel")
        .expect("pending");
    assert_eq!(
        lost(store, &cancelled.id, 0).await,
        RequestStatus::Cancelled
    );

    let taken = request_at(store, &seekers[3], None, at(-10)).await;
    let conversation = claim(store, &taken, &vic, at(0)).await;
    assert_eq!(lost(store, &taken.id, 1).await, RequestStatus::Accepted);
    store
        .end_conversation(
            &conversation,
            &vic.id,
            &crate::fixtures::ended_note(),
            at(2),
        )
        .await
        .expect("end")
        .expect("was active");
    assert_eq!(lost(store, &taken.id, 3).await, RequestStatus::Completed);

    let rejected = request_at(store, &seekers[4], Some(&vic), at(-10)).await;
    store
        .reject_request(&rejected.id)
        .await
        .expect("reject")
        .expect("pending");
    assert_eq!(lost(store, &rejected.id, 0).await, RequestStatus::Rejected);

    let missing = ConversationId::generate();
    let outcome = store
        .claim_request(
            &RequestId::from_trusted("missing"),
            &vic.id,
            &missing,
            &crate::fixtures::accepted_note(),
            at(0),
            ChatCap::none(),
        )
        .await
        .expect("claim");
    assert!(matches!(outcome, ClaimOutcome::Missing), "{outcome:?}");
    assert!(store.conversation(&missing).await.expect("read").is_none());
}

fn id_set(requests: &[HelpRequest]) -> HashSet<RequestId> {
    requests.iter().map(|r| r.id.clone()).collect()
}

/// Expiry moves only pending requests whose deadline passed, at most `limit` at a time.
pub async fn expiry_takes_only_due_pending_requests(env: Env) {
    let store = &env.store;
    let vic = volunteer(store, "vic").await;
    let mut s = Vec::new();
    for i in 0..6 {
        s.push(seeker(store, &format!("s{i}")).await);
    }
    let make =
        |i: usize, created: i64, expires: i64| new_request(&s[i], None, at(created), at(expires));
    let oldest = store
        .open_request(&make(0, -10_000, -3000), &[], ChatCap::none(), None)
        .await
        .expect("create")
        .request;
    let older = store
        .open_request(&make(1, -10_000, -2000), &[], ChatCap::none(), None)
        .await
        .expect("create")
        .request;
    let at_deadline = store
        .open_request(&make(2, -10_000, 0), &[], ChatCap::none(), None)
        .await
        .expect("create")
        .request;
    let not_due = store
        .open_request(&make(3, -10_000, 1000), &[], ChatCap::none(), None)
        .await
        .expect("create")
        .request;
    let cancelled = store
        .open_request(&make(4, -10_000, -1000), &[], ChatCap::none(), None)
        .await
        .expect("create")
        .request;
    store
        .cancel_request(&cancelled.id)
        .await
        .expect("cancel")
        .expect("pending");
    let accepted = store
        .open_request(&make(5, -10_000, -1000), &[], ChatCap::none(), None)
        .await
        .expect("create")
        .request;
    claim(store, &accepted, &vic, at(-5000)).await;

    let first = store.expire_due_requests(at(0), 2).await.expect("expire");
    assert_eq!(
        id_set(&first),
        id_set(&[oldest.clone(), older.clone()]),
        "earliest deadlines first, at most `limit`"
    );
    assert!(first.iter().all(|r| r.status == RequestStatus::Expired));
    let rest = store.expire_due_requests(at(0), 10).await.expect("expire");
    assert_eq!(id_set(&rest), id_set(std::slice::from_ref(&at_deadline)));
    assert!(
        store
            .expire_due_requests(at(0), 10)
            .await
            .expect("expire")
            .is_empty(),
        "each is expired once"
    );

    let status =
        |id: RequestId| async move { store.request(&id).await.expect("read").map(|r| r.status) };
    assert_eq!(
        status(oldest.id.clone()).await,
        Some(RequestStatus::Expired)
    );
    assert_eq!(
        status(not_due.id.clone()).await,
        Some(RequestStatus::Pending)
    );
    assert_eq!(
        status(cancelled.id.clone()).await,
        Some(RequestStatus::Cancelled)
    );
    assert_eq!(
        status(accepted.id.clone()).await,
        Some(RequestStatus::Accepted)
    );
    // An expired request no longer blocks a new one.
    request_at(store, &s[0], None, at(1)).await;
    assert_eq!(
        id_set(
            &store
                .expire_due_requests(at(1000), 10)
                .await
                .expect("expire")
        ),
        id_set(&[not_due])
    );
}

/// Concurrent sweeps hand each due request to exactly one of them.
pub async fn concurrent_sweeps_expire_each_request_once(env: Env) {
    let store = &env.store;
    let mut due = HashSet::new();
    for i in 0..40 {
        let seeker = seeker(store, &format!("s{i:02}")).await;
        let new = new_request(&seeker, None, at(-10_000), at(-5000 + i));
        due.insert(
            store
                .open_request(&new, &[], ChatCap::none(), None)
                .await
                .expect("create")
                .request
                .id,
        );
    }
    let keeper = seeker(store, "keeper").await;
    let not_due = request_at(store, &keeper, None, at(0)).await;

    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = store.expire_due_requests(at(0), 3).await.expect("expire");
                if batch.is_empty() {
                    return mine;
                }
                assert!(batch.iter().all(|r| r.status == RequestStatus::Expired));
                mine.extend(batch.into_iter().map(|r| r.id));
            }
        }));
    }
    let mut returned = Vec::new();
    for task in tasks {
        returned.extend(task.await.expect("task"));
    }
    assert!(
        store
            .expire_due_requests(at(0), 100)
            .await
            .expect("expire")
            .is_empty()
    );
    let unique: HashSet<RequestId> = returned.iter().cloned().collect();
    assert_eq!(returned.len(), unique.len(), "no request is returned twice");
    assert_eq!(unique, due, "every due request is returned");
    assert_eq!(
        store
            .request(&not_due.id)
            .await
            .expect("read")
            .map(|r| r.status),
        Some(RequestStatus::Pending)
    );
}

/// Claims `request` for `volunteer` under `cap`, returning the outcome.
async fn claim_under(
    store: &Arc<dyn Store>,
    request: &HelpRequest,
    volunteer: &helpline_core::user::User,
    cap: ChatCap,
) -> ClaimOutcome {
    store
        .claim_request(
            &request.id,
            &volunteer.id,
            &ConversationId::generate(),
            &crate::fixtures::accepted_note(),
            at(0),
            cap,
        )
        .await
        .expect("claim")
}

/// A volunteer at the chat cap is offered nothing new (not when a request
/// opens, not later, not by push) and their claim is `AtCap`, leaving the
/// request pending; ending a chat frees a place. Two racing claims by one
/// volunteer with one place left: one wins.
pub async fn the_chat_cap_holds_at_offers_and_claims(env: Env) {
    let store = &env.store;
    let cap = ChatCap::new(1);
    let (ann, bea, cy, dot) = (
        seeker(store, "cap-ann").await,
        seeker(store, "cap-bea").await,
        seeker(store, "cap-cy").await,
        seeker(store, "cap-dot").await,
    );
    let (vic, wes) = (
        volunteer(store, "cap-vic").await,
        volunteer(store, "cap-wes").await,
    );
    let both = [vic.id.clone(), wes.id.clone()];
    let open = |seeker: &helpline_core::user::User| {
        let new = new_request(seeker, None, at(-10), at(60_000));
        let store = store.clone();
        let both = both.clone();
        async move {
            store
                .open_request(&new, &both, cap, None)
                .await
                .expect("open")
        }
    };
    let first = open(&ann).await;
    assert_eq!(first.offered, both, "nobody is at the cap yet");
    let ClaimOutcome::Claimed { conversation, .. } =
        claim_under(store, &first.request, &vic, cap).await
    else {
        panic!("the first claim wins");
    };
    assert_eq!(
        store.volunteers_at_cap(cap).await.expect("read"),
        vec![vic.id.clone()]
    );
    assert!(
        store
            .volunteers_at_cap(ChatCap::none())
            .await
            .expect("read")
            .is_empty()
    );

    let second = open(&bea).await;
    assert_eq!(second.offered, vec![wes.id.clone()], "vic is at the cap");
    let offerable = |cap| {
        let (store, vic) = (store.clone(), vic.id.clone());
        async move {
            store
                .offerable_requests(&vic, at(0), cap)
                .await
                .expect("read")
                .into_iter()
                .map(|o| o.request.id)
                .collect::<Vec<_>>()
        }
    };
    assert!(offerable(cap).await.is_empty());
    assert_eq!(
        offerable(ChatCap::none()).await,
        vec![second.request.id.clone()]
    );
    assert!(matches!(
        claim_under(store, &second.request, &vic, cap).await,
        ClaimOutcome::AtCap
    ));
    let unchanged = store
        .request(&second.request.id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(unchanged.status, RequestStatus::Pending);
    let active = store.active_conversations_of(&vic.id).await.expect("read");
    assert_eq!(active, vec![conversation.id.clone()], "nothing opened");

    // A chat ends: a place is free again.
    store
        .end_conversation(
            &conversation.id,
            &vic.id,
            &crate::fixtures::ended_note(),
            at(1),
        )
        .await
        .expect("end")
        .expect("was active");
    assert!(store.volunteers_at_cap(cap).await.expect("read").is_empty());
    assert_eq!(offerable(cap).await, vec![second.request.id.clone()]);

    // One place, two claims at once: exactly one wins.
    let (third, fourth) = (open(&cy).await.request, open(&dot).await.request);
    let (a, b) = tokio::join!(
        claim_under(store, &third, &vic, cap),
        claim_under(store, &fourth, &vic, cap)
    );
    let wins = [&a, &b]
        .iter()
        .filter(|o| matches!(o, ClaimOutcome::Claimed { .. }))
        .count();
    assert_eq!(wins, 1, "{a:?} / {b:?}");
    assert!([&a, &b].iter().any(|o| matches!(o, ClaimOutcome::AtCap)));
}

/// Eight sweepers at once escalate each request that waited long enough
/// exactly once (oldest first, in batches), never one made later, one
/// already accepted, or one escalated before; the time is kept.
pub async fn concurrent_sweeps_escalate_each_request_once(env: Env) {
    let store = &env.store;
    let mut due = HashSet::new();
    for i in 0..30 {
        let seeker = seeker(store, &format!("esc{i:02}")).await;
        due.insert(request_at(store, &seeker, None, at(-10_000 + i)).await.id);
    }
    let late = request_at(store, &seeker(store, "esc-late").await, None, at(-100)).await;
    let taken = request_at(store, &seeker(store, "esc-taken").await, None, at(-20_000)).await;
    claim(store, &taken, &volunteer(store, "esc-vol").await, at(-1)).await;

    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = store
                    .escalate_due_requests(at(-1000), at(0), 4)
                    .await
                    .expect("escalate");
                if batch.is_empty() {
                    return mine;
                }
                assert!(batch.iter().all(|r| r.escalated_at == Some(at(0))));
                assert!(batch.iter().all(|r| r.status == RequestStatus::Pending));
                mine.extend(batch.into_iter().map(|r| r.id));
            }
        }));
    }
    let mut returned = Vec::new();
    for task in tasks {
        returned.extend(task.await.expect("task"));
    }
    let unique: HashSet<RequestId> = returned.iter().cloned().collect();
    assert_eq!(
        returned.len(),
        unique.len(),
        "no request is escalated twice"
    );
    assert_eq!(unique, due);
    // Later sweeps find nothing more until the late one is due.
    let again = store
        .escalate_due_requests(at(-1000), at(5), 100)
        .await
        .expect("escalate");
    assert!(again.is_empty(), "{again:?}");
    let now_due = store
        .escalate_due_requests(at(0), at(6), 100)
        .await
        .expect("escalate");
    assert_eq!(
        now_due.iter().map(|r| &r.id).collect::<Vec<_>>(),
        [&late.id]
    );
    let read = store
        .request(&late.id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(read.escalated_at, Some(at(6)));
    let kept = store
        .request(&taken.id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(
        kept.escalated_at, None,
        "an accepted request is never escalated"
    );
}
