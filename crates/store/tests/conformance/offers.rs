//! Cases for offering requests to volunteers: recorded offers, declines,
//! and which requests a volunteer may be offered now.

use crate::fixtures::{TTL_MS, at, claim, new_request, request_at, seeker, volunteer};
use crate::harness::Env;
use helpline_core::user::User;
use helpline_core::{RequestId, UserId};

fn sorted(mut ids: Vec<UserId>) -> Vec<UserId> {
    ids.sort();
    ids
}

async fn offerable_ids(env: &Env, volunteer: &User, now_ms: i64) -> Vec<RequestId> {
    let offerable = env
        .store
        .offerable_requests(&volunteer.id, at(now_ms))
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
        .create_request(&new_request(&seekers[3], None, at(-10), at(0)))
        .await
        .expect("create");
    let long_expired = store
        .create_request(&new_request(&seekers[4], None, at(-120_000), at(-60_000)))
        .await
        .expect("create");
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
        .offerable_requests(&v2.id, at(0))
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
