//! Cases for help requests before a claim: creation, the one-pending rule,
//! cancel and reject, and the listings.

use crate::fixtures::{TTL_MS, at, claim, new_request, request_at, seeker, volunteer};
use crate::harness::Env;
use helpline_core::RequestId;
use helpline_core::request::ChatCap;
use helpline_core::request::{HelpRequest, RequestStatus, RequestType, Topic};
use helpline_store::StoreError;

fn ids(requests: &[HelpRequest]) -> Vec<&str> {
    requests.iter().map(|r| r.id.as_str()).collect()
}

/// A request reads back as stored; a seeker has at most one pending.
pub async fn one_pending_request_per_seeker(env: Env) {
    let store = &env.store;
    let ann = seeker(store, "ann").await;
    let new = new_request(&ann, None, at(0), at(TTL_MS));
    let first = store
        .open_request(&new, &[], ChatCap::none(), None)
        .await
        .expect("create")
        .request;
    assert_eq!(first.id, new.id);
    assert_eq!(first.senior_id, ann.id);
    assert_eq!(first.status, RequestStatus::Pending);
    assert_eq!(
        (first.request_type, first.topic, first.note.as_deref()),
        (RequestType::Chat, Some(Topic::Daily), Some("a note"))
    );
    assert_eq!((first.created_at, first.expires_at), (at(0), at(TTL_MS)));
    assert!(
        first.target_volunteer_id.is_none()
            && first.volunteer_id.is_none()
            && first.conversation_id.is_none()
    );
    assert!(first.accepted_at.is_none() && first.completed_at.is_none());
    assert!(first.rating.is_none() && first.feedback.is_none());
    assert_eq!(
        store.request(&first.id).await.expect("read"),
        Some(first.clone())
    );
    assert_eq!(
        store.pending_request_of(&ann.id).await.expect("pending"),
        Some(first.clone())
    );

    let second = store
        .open_request(
            &new_request(&ann, None, at(1), at(TTL_MS)),
            &[],
            ChatCap::none(),
            None,
        )
        .await;
    assert!(
        matches!(second, Err(StoreError::PendingExists)),
        "{second:?}"
    );
    assert!(
        store
            .pending_request_of(&seeker(store, "bea").await.id)
            .await
            .expect("pending")
            .is_none()
    );
    assert!(
        store
            .request(&RequestId::from_trusted("missing"))
            .await
            .expect("read")
            .is_none()
    );

    // Once it is no longer pending, a new one may be made.
    store
        .cancel_request(&first.id)
        .await
        .expect("cancel")
        .expect("was pending");
    assert!(
        store
            .pending_request_of(&ann.id)
            .await
            .expect("pending")
            .is_none()
    );
    let next = request_at(store, &ann, None, at(2)).await;
    assert_eq!(
        store
            .pending_request_of(&ann.id)
            .await
            .expect("pending")
            .map(|r| r.id),
        Some(next.id)
    );

    // Racing creates by one seeker: exactly one is stored.
    let cy = seeker(store, "cy").await;
    let mut tasks = Vec::new();
    for i in 0..10 {
        let (store, new) = (store.clone(), new_request(&cy, None, at(i), at(TTL_MS)));
        tasks.push(tokio::spawn(async move {
            store.open_request(&new, &[], ChatCap::none(), None).await
        }));
    }
    let mut created = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) => created += 1,
            Err(StoreError::PendingExists) => {}
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!(created, 1);
}

/// Cancel and reject move a pending request once and nothing else.
pub async fn cancel_and_reject_move_only_pending(env: Env) {
    let store = &env.store;
    let (ann, bea, cy) = (
        seeker(store, "ann").await,
        seeker(store, "bea").await,
        seeker(store, "cy").await,
    );
    let vic = volunteer(store, "vic").await;

    let open = request_at(store, &ann, None, at(0)).await;
    let cancelled = store
        .cancel_request(&open.id)
        .await
        .expect("cancel")
        .expect("was pending");
    assert_eq!(cancelled.status, RequestStatus::Cancelled);
    assert_eq!(cancelled.id, open.id);
    assert!(
        store
            .cancel_request(&open.id)
            .await
            .expect("cancel")
            .is_none(),
        "cancel happens once"
    );
    assert!(
        store
            .reject_request(&open.id)
            .await
            .expect("reject")
            .is_none()
    );
    assert_eq!(
        store
            .request(&open.id)
            .await
            .expect("read")
            .map(|r| r.status),
        Some(RequestStatus::Cancelled)
    );

    let targeted = request_at(store, &bea, Some(&vic), at(0)).await;
    assert_eq!(targeted.target_volunteer_id.as_ref(), Some(&vic.id));
    let rejected = store
        .reject_request(&targeted.id)
        .await
        .expect("reject")
        .expect("was pending");
    assert_eq!(rejected.status, RequestStatus::Rejected);
    assert!(
        store
            .reject_request(&targeted.id)
            .await
            .expect("reject")
            .is_none()
    );
    assert!(
        store
            .cancel_request(&targeted.id)
            .await
            .expect("cancel")
            .is_none()
    );

    let taken = request_at(store, &cy, None, at(0)).await;
    claim(store, &taken, &vic, at(1)).await;
    assert!(
        store
            .cancel_request(&taken.id)
            .await
            .expect("cancel")
            .is_none()
    );
    assert!(
        store
            .reject_request(&taken.id)
            .await
            .expect("reject")
            .is_none()
    );
    assert_eq!(
        store
            .request(&taken.id)
            .await
            .expect("read")
            .map(|r| r.status),
        Some(RequestStatus::Accepted)
    );
    assert!(
        store
            .cancel_request(&RequestId::from_trusted("missing"))
            .await
            .expect("cancel")
            .is_none()
    );

    // Racing cancels: one moves it.
    let racing = request_at(store, &ann, None, at(2)).await;
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (store, id) = (store.clone(), racing.id.clone());
        tasks.push(tokio::spawn(async move { store.cancel_request(&id).await }));
    }
    let mut moved = 0;
    for task in tasks {
        moved += usize::from(task.await.expect("task").expect("cancel").is_some());
    }
    assert_eq!(moved, 1);
}

/// Latest and listed requests, for seekers and volunteers, newest first.
pub async fn listings_are_newest_first(env: Env) {
    let store = &env.store;
    let (ann, other) = (seeker(store, "ann").await, seeker(store, "other").await);
    let (v1, v2, v3) = (
        volunteer(store, "v1").await,
        volunteer(store, "v2").await,
        volunteer(store, "v3").await,
    );

    // Two cancelled requests made at the same instant: newest first means
    // id descending, byte-wise ("req-a" > "req-B" because 'a' > 'B').
    for id in ["req-B", "req-a"] {
        let mut new = new_request(&ann, None, at(-5000), at(TTL_MS));
        new.id = RequestId::from_trusted(id);
        store
            .open_request(&new, &[], ChatCap::none(), None)
            .await
            .expect("create");
        store
            .cancel_request(&new.id)
            .await
            .expect("cancel")
            .expect("pending");
    }
    let accepted = request_at(store, &ann, None, at(-4000)).await;
    claim(store, &accepted, &v1, at(-3900)).await;
    let rejected = request_at(store, &ann, Some(&v2), at(-3000)).await;
    store
        .reject_request(&rejected.id)
        .await
        .expect("reject")
        .expect("pending");
    let pending = request_at(store, &ann, Some(&v2), at(-2000)).await;
    let others = request_at(store, &other, None, at(-1500)).await;
    claim(store, &others, &v1, at(-1400)).await;

    let latest = store
        .latest_request_of(&ann.id)
        .await
        .expect("latest")
        .expect("ann has requests");
    assert_eq!(latest.id, pending.id);
    let mine = store.requests_of(&ann).await.expect("requests");
    assert_eq!(
        ids(&mine),
        [
            pending.id.as_str(),
            rejected.id.as_str(),
            accepted.id.as_str(),
            "req-a",
            "req-B"
        ]
    );
    assert_eq!(mine[2].status, RequestStatus::Accepted);

    let by_v1 = store.requests_of(&v1).await.expect("requests");
    assert_eq!(ids(&by_v1), [others.id.as_str(), accepted.id.as_str()]);
    let to_v2 = store.requests_of(&v2).await.expect("requests");
    assert_eq!(ids(&to_v2), [pending.id.as_str(), rejected.id.as_str()]);
    assert!(store.requests_of(&v3).await.expect("requests").is_empty());
    assert!(
        store
            .latest_request_of(&v3.id)
            .await
            .expect("latest")
            .is_none()
    );
}

/// The positions and estimates of the waiting line, as read and as told:
/// each change is returned once (recorded as told), even to eight callers
/// at once; expired and taken requests leave the line; the mean wait counts
/// only recent acceptances.
pub async fn the_waiting_line_is_told_once_per_change(env: Env) {
    let store = &env.store;
    let vic = volunteer(store, "line-vic").await;
    // Accepted long ago: too old to count for the mean wait.
    let old = request_at(
        store,
        &seeker(store, "line-old").await,
        None,
        at(-90_001_000),
    )
    .await;
    claim(store, &old, &vic, at(-90_000_000)).await;
    let expired = request_at(store, &seeker(store, "line-gone").await, None, at(-100_000)).await;
    let a = request_at(store, &seeker(store, "line-a").await, None, at(-30_000)).await;
    let b = request_at(
        store,
        &seeker(store, "line-b").await,
        Some(&vic),
        at(-20_000),
    )
    .await;
    let c = request_at(store, &seeker(store, "line-c").await, None, at(-10_000)).await;
    let standings = |s: &[helpline_core::queue::Standing]| {
        s.iter()
            .map(|s| (s.request_id.clone(), s.position, s.estimated_wait_secs))
            .collect::<Vec<_>>()
    };

    let line = store.waiting_line(at(0)).await.expect("line");
    assert_eq!(line.mean_wait_ms, None);
    assert!(
        !line
            .line
            .iter()
            .any(|w| w.id == expired.id || w.id == old.id)
    );
    assert_eq!(
        standings(&line.standings()),
        [
            (a.id.clone(), 1, None),
            (b.id.clone(), 2, None),
            (c.id.clone(), 2, None)
        ]
    );
    let told = store.standings_to_tell(at(0)).await.expect("tell");
    assert_eq!(standings(&told), standings(&line.standings()));
    assert_eq!(told[0].seeker, a.senior_id);
    assert!(
        store
            .standings_to_tell(at(0))
            .await
            .expect("tell")
            .is_empty()
    );

    // a waited 30 s and is taken: b and c move up, with an estimate.
    claim(store, &a, &vic, at(0)).await;
    let line = store.waiting_line(at(0)).await.expect("line");
    assert_eq!(line.mean_wait_ms, Some(30_000));
    let told = store.standings_to_tell(at(0)).await.expect("tell");
    assert_eq!(
        standings(&told),
        [(b.id.clone(), 1, Some(30)), (c.id.clone(), 1, Some(30))]
    );

    // A newcomer is told once, whoever asks.
    let d = request_at(store, &seeker(store, "line-d").await, None, at(1)).await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.standings_to_tell(at(2)).await.expect("tell")
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("task"));
    }
    assert_eq!(standings(&all), [(d.id.clone(), 2, Some(60))]);

    // Withdrawn: the one behind moves up.
    store
        .cancel_request(&c.id)
        .await
        .expect("cancel")
        .expect("pending");
    let told = store.standings_to_tell(at(3)).await.expect("tell");
    assert_eq!(standings(&told), [(d.id.clone(), 1, Some(30))]);
    let read = store.waiting_line(at(3)).await.expect("line");
    assert_eq!(read.standing_of(&d.id).map(|s| s.position), Some(1));
    assert_eq!(read.standing_of(&c.id), None);
}
