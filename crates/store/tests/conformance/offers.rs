//! Cases for offering requests to volunteers: the offers made when a
//! request is opened, later offers, declines, and which requests a
//! volunteer may be offered now.

use crate::fixtures::{TTL_MS, at, claim, new_request, request_at, seeker, volunteer};
use crate::harness::Env;
use helpline_core::request::ChatCap;
use helpline_core::user::User;
use helpline_core::{RequestId, UserId};
use helpline_store::{OnWritten, OpenedRequest, StoreError};
use std::sync::{Arc, Mutex};

fn sorted(mut ids: Vec<UserId>) -> Vec<UserId> {
    ids.sort();
    ids
}

async fn offerable_ids(env: &Env, volunteer: &User, now_ms: i64) -> Vec<RequestId> {
    let offerable = env
        .store
        .offerable_requests(&volunteer.id, at(now_ms), ChatCap::none())
        .await
        .expect("offerable");
    offerable.into_iter().map(|o| o.request.id).collect()
}

/// Offers are recorded; targeted, declined, expired and closed requests are offered only as due.
pub async fn offers_and_declines_shape_what_is_offerable(env: Env) {
    let store = &env.store;
    let mut seekers = Vec::new();
    for name in ["sa", "sb", "sc", "sd", "se", "sf"] {
        seekers.push(seeker(store, name).await);
    }
    let (v1, v2, v3) = (
        volunteer(store, "v1").await,
        volunteer(store, "v2").await,
        volunteer(store, "v3").await,
    );

    let open = request_at(store, &seekers[0], None, at(-4000)).await;
    let targeted = request_at(store, &seekers[1], Some(&v2), at(-3000)).await;
    let declined_by_v1 = request_at(store, &seekers[2], None, at(-2000)).await;
    let due_now = store
        .open_request(
            &new_request(&seekers[3], None, at(-10), at(0)),
            &[],
            ChatCap::none(),
            None,
        )
        .await
        .expect("create")
        .request;
    let long_expired = store
        .open_request(
            &new_request(&seekers[4], None, at(-120_000), at(-60_000)),
            &[],
            ChatCap::none(),
            None,
        )
        .await
        .expect("create")
        .request;
    let cancelled = request_at(store, &seekers[5], None, at(-1000)).await;
    store
        .cancel_request(&cancelled.id)
        .await
        .expect("cancel")
        .expect("pending");

    store
        .record_offers(&open.id, &[v1.id.clone(), v2.id.clone(), v1.id.clone()])
        .await
        .expect("offers");
    assert_eq!(
        sorted(store.offered_volunteers(&open.id).await.expect("offered")),
        sorted(vec![v1.id.clone(), v2.id.clone()])
    );
    store
        .record_offers(&open.id, &[v2.id.clone(), v3.id.clone()])
        .await
        .expect("offers again");
    store.record_offers(&open.id, &[]).await.expect("no offers");
    let all_three = sorted(vec![v1.id.clone(), v2.id.clone(), v3.id.clone()]);
    assert_eq!(
        sorted(store.offered_volunteers(&open.id).await.expect("offered")),
        all_three
    );
    assert!(
        store
            .offered_volunteers(&targeted.id)
            .await
            .expect("offered")
            .is_empty()
    );

    store
        .record_decline(&declined_by_v1.id, &v1.id)
        .await
        .expect("decline");
    store
        .record_decline(&declined_by_v1.id, &v1.id)
        .await
        .expect("decline twice");
    store
        .record_decline(&open.id, &v3.id)
        .await
        .expect("decline after an offer");
    assert_eq!(
        sorted(store.offered_volunteers(&open.id).await.expect("offered")),
        all_three,
        "a decline keeps the offer"
    );

    // Oldest first; targeted ones only for their volunteer; declined, expired
    // (a deadline of exactly now included) and cancelled ones never.
    assert_eq!(
        offerable_ids(&env, &v1, 0).await,
        std::slice::from_ref(&open.id)
    );
    assert_eq!(
        offerable_ids(&env, &v2, 0).await,
        [
            open.id.clone(),
            targeted.id.clone(),
            declined_by_v1.id.clone()
        ]
    );
    assert_eq!(
        offerable_ids(&env, &v3, 0).await,
        std::slice::from_ref(&declined_by_v1.id)
    );
    assert_eq!(
        offerable_ids(&env, &v2, -20).await.last(),
        Some(&due_now.id),
        "offerable before its deadline"
    );
    assert!(
        offerable_ids(&env, &v2, -70_000)
            .await
            .contains(&long_expired.id),
        "offerable before its deadline"
    );

    let listed = store
        .offerable_requests(&v2.id, at(0), ChatCap::none())
        .await
        .expect("offerable");
    assert_eq!(listed[0].seeker_display_name, seekers[0].display_name);
    assert_eq!(listed[0].request, open);
    assert_eq!(listed[1].seeker_display_name, seekers[1].display_name);

    // Later, the older requests have expired; a claimed one is gone too.
    assert_eq!(
        offerable_ids(&env, &v2, TTL_MS - 3500).await,
        [targeted.id.clone(), declined_by_v1.id.clone()]
    );
    claim(store, &targeted, &v2, at(1)).await;
    assert_eq!(
        offerable_ids(&env, &v2, 0).await,
        [open.id.clone(), declined_by_v1.id.clone()]
    );
}

/// Opening a request offers it, in the same transaction, to each candidate
/// once and never to one who blocked the seeker; a refused opening stores
/// neither the request nor its offers; later offers and declines join the
/// opening's.
pub async fn opening_offers_to_unblocked_candidates_once(env: Env) {
    let store = &env.store;
    let ann = seeker(store, "ann").await;
    let (v1, v2, v3, v4) = (
        volunteer(store, "v1").await,
        volunteer(store, "v2").await,
        volunteer(store, "v3").await,
        volunteer(store, "v4").await,
    );
    store
        .set_block(&v3.id, &ann.id, true, at(-5000))
        .await
        .expect("block");
    let candidates = [v2.id.clone(), v3.id.clone(), v1.id.clone(), v2.id.clone()];
    let new = new_request(&ann, None, at(0), at(TTL_MS));
    let opened = store
        .open_request(&new, &candidates, ChatCap::none(), None)
        .await
        .expect("open");
    assert_eq!(opened.request.id, new.id);
    assert_eq!(
        opened.offered,
        [v2.id.clone(), v1.id.clone()],
        "in the candidates' order, once, without the blocker"
    );
    assert_eq!(
        sorted(store.offered_volunteers(&new.id).await.expect("offered")),
        sorted(vec![v1.id.clone(), v2.id.clone()])
    );

    let refused = new_request(&ann, None, at(1), at(TTL_MS));
    let second = store
        .open_request(
            &refused,
            std::slice::from_ref(&v4.id),
            ChatCap::none(),
            None,
        )
        .await;
    assert!(matches!(second, Err(StoreError::PendingExists)));
    assert_eq!(store.request(&refused.id).await.expect("read"), None);
    assert!(
        store
            .offered_volunteers(&refused.id)
            .await
            .expect("offered")
            .is_empty(),
        "a refused opening offers nothing"
    );

    store
        .record_offers(&new.id, &[v1.id.clone(), v4.id.clone()])
        .await
        .expect("a later offer");
    store
        .record_decline(&new.id, &v2.id)
        .await
        .expect("decline");
    assert_eq!(
        sorted(store.offered_volunteers(&new.id).await.expect("offered")),
        sorted(vec![v1.id.clone(), v2.id.clone(), v4.id.clone()]),
        "each once, a decline keeps the offer"
    );
    assert!(
        offerable_ids(&env, &v2, 1).await.is_empty(),
        "declined after the opening's offer"
    );
    assert_eq!(
        offerable_ids(&env, &v1, 1).await,
        std::slice::from_ref(&new.id)
    );
    assert!(
        offerable_ids(&env, &v3, 1).await.is_empty(),
        "never from a seeker they blocked"
    );

    let lonely = seeker(store, "lonely").await;
    let nobody = store
        .open_request(
            &new_request(&lonely, None, at(0), at(TTL_MS)),
            &[],
            ChatCap::none(),
            None,
        )
        .await
        .expect("open with nobody available");
    assert!(nobody.offered.is_empty());
    assert!(
        store
            .offered_volunteers(&nobody.request.id)
            .await
            .expect("offered")
            .is_empty()
    );
}

/// `open_request` tells its `written` hook once, with what it returns, and
/// never when it refuses; after `settle` another connection reads it.
pub async fn opening_announces_once_and_settles(env: Env) {
    let store = &env.store;
    let (bea, v1) = (seeker(store, "bea").await, volunteer(store, "v1").await);
    let heard = Arc::new(Mutex::new(Vec::new()));
    let hook = |heard: &Arc<Mutex<Vec<OpenedRequest>>>| -> Option<OnWritten> {
        let heard = heard.clone();
        Some(Box::new(move |opened: &OpenedRequest| {
            heard.lock().expect("lock").push(opened.clone());
        }))
    };
    let new = new_request(&bea, None, at(0), at(TTL_MS));
    let opened = store
        .open_request(
            &new,
            std::slice::from_ref(&v1.id),
            ChatCap::none(),
            hook(&heard),
        )
        .await
        .expect("open");
    assert_eq!(*heard.lock().expect("lock"), std::slice::from_ref(&opened));
    let again = new_request(&bea, None, at(1), at(TTL_MS));
    let refused = store
        .open_request(&again, &[], ChatCap::none(), hook(&heard))
        .await;
    assert!(matches!(refused, Err(StoreError::PendingExists)));
    assert_eq!(
        heard.lock().expect("lock").len(),
        1,
        "a refusal is not announced"
    );
    store.settle().await.expect("settle");
    assert_eq!(
        store.request(&new.id).await.expect("read"),
        Some(opened.request)
    );
}

/// A read after `settle` sees a request whose `written` hook has been
/// heard, even while its commit is still under way (the hook holds the
/// writer for a moment after telling).
pub async fn settle_waits_for_a_commit_under_way(env: Env) {
    let store = env.store.clone();
    let cleo = seeker(&store, "cleo").await;
    let (told, heard) = tokio::sync::oneshot::channel();
    let hook: OnWritten = Box::new(move |opened: &OpenedRequest| {
        told.send(opened.request.id.clone()).expect("listening");
        std::thread::sleep(std::time::Duration::from_millis(50));
    });
    let new = new_request(&cleo, None, at(0), at(TTL_MS));
    let opening = tokio::spawn({
        let store = store.clone();
        async move {
            store
                .open_request(&new, &[], ChatCap::none(), Some(hook))
                .await
        }
    });
    let id = heard.await.expect("written");
    store.settle().await.expect("settle");
    let read = store.request(&id).await.expect("read");
    assert_eq!(read.map(|r| r.id), Some(id));
    opening.await.expect("task").expect("open");
}
