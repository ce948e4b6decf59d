//! Cases for what dispatch knows of volunteers: credentials (replaced as a
//! whole, volunteers only) and load.

use crate::fixtures::{at, claim, request_at, seeker, volunteer};
use crate::harness::Env;
use helpline_core::UserId;
use helpline_core::request::Topic;

/// Credentials are replaced as a whole, listed in a fixed order, cleared
/// by an empty set, and refused (changing nothing) for anyone but a
/// volunteer.
pub async fn credentials_are_set_whole_and_only_for_volunteers(env: Env) {
    let store = &env.store;
    let (vic, val) = (
        volunteer(store, "cred-vic").await,
        volunteer(store, "cred-val").await,
    );
    let sam = seeker(store, "cred-sam").await;
    assert!(store.all_credentials().await.expect("read").is_empty());

    let set = store
        .set_credentials(&vic.id, &[Topic::Health, Topic::Emotional])
        .await
        .expect("set");
    assert_eq!(set, Some(vec![Topic::Health, Topic::Emotional]));
    store
        .set_credentials(&val.id, &[Topic::Health])
        .await
        .expect("set")
        .expect("a volunteer");
    let mut all = store.all_credentials().await.expect("read");
    all.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
    let mut expected = vec![
        (vic.id.clone(), vec![Topic::Emotional, Topic::Health]),
        (val.id.clone(), vec![Topic::Health]),
    ];
    expected.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
    assert_eq!(all, expected);
    let mut health = store.credentialed_for(Topic::Health).await.expect("read");
    health.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    let mut both = vec![vic.id.clone(), val.id.clone()];
    both.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    assert_eq!(health, both);
    assert_eq!(
        store
            .credentialed_for(Topic::Emotional)
            .await
            .expect("read"),
        std::slice::from_ref(&vic.id)
    );

    // Replaced, then cleared.
    store
        .set_credentials(&vic.id, &[Topic::Emotional])
        .await
        .expect("set");
    assert_eq!(
        store.credentialed_for(Topic::Health).await.expect("read"),
        std::slice::from_ref(&val.id)
    );
    store.set_credentials(&val.id, &[]).await.expect("set");
    assert!(
        store
            .credentialed_for(Topic::Health)
            .await
            .expect("read")
            .is_empty()
    );

    // Not a volunteer: refused, nothing stored.
    for other in [sam.id.clone(), UserId::generate()] {
        assert_eq!(
            store
                .set_credentials(&other, &[Topic::Health])
                .await
                .expect("set"),
            None
        );
    }
    assert_eq!(
        store.all_credentials().await.expect("read"),
        [(vic.id.clone(), vec![Topic::Emotional])]
    );
}

/// A volunteer's load is their active chats from requests.
pub async fn loads_count_active_chats(env: Env) {
    let store = &env.store;
    let vic = volunteer(store, "load-vic").await;
    assert!(store.volunteer_loads().await.expect("read").is_empty());
    for name in ["load-a", "load-b"] {
        let request = request_at(store, &seeker(store, name).await, None, at(0)).await;
        claim(store, &request, &vic, at(1)).await;
    }
    assert_eq!(
        store.volunteer_loads().await.expect("read"),
        [(vic.id.clone(), 2)]
    );
}

/// Missed offers count per volunteer across requests, leave out one who
/// declined, reach the limit once (then count from zero), and reset.
pub async fn missed_offers_reach_the_limit_once(env: Env) {
    let store = &env.store;
    let (ann, bob) = (
        volunteer(store, "miss-ann").await,
        volunteer(store, "miss-bob").await,
    );
    let both = [ann.id.clone(), bob.id.clone()];
    let mut requests = Vec::new();
    for name in ["miss-1", "miss-2", "miss-3", "miss-4"] {
        requests.push(request_at(store, &seeker(store, name).await, None, at(0)).await);
    }
    let missed = |i: usize, who: Vec<UserId>| {
        let id = requests[i].id.clone();
        async move {
            store
                .record_missed_offers(&id, &who, 2)
                .await
                .expect("count")
        }
    };
    // Bob declined the first: only Ann missed it.
    store
        .record_decline(&requests[0].id, &bob.id)
        .await
        .expect("decline");
    assert!(missed(0, both.to_vec()).await.is_empty());
    assert_eq!(
        missed(1, both.to_vec()).await,
        std::slice::from_ref(&ann.id)
    );
    // Ann starts again at zero; Bob answers an offer and does too.
    store.reset_missed_offers(&bob.id).await.expect("reset");
    assert!(missed(2, both.to_vec()).await.is_empty());
    assert_eq!(missed(3, both.to_vec()).await, both);
    assert!(
        store
            .record_missed_offers(&requests[3].id, &[], 2)
            .await
            .expect("count")
            .is_empty()
    );

    // Taking one, or trying and losing it, is an answer too.
    let taken = request_at(store, &seeker(store, "miss-5").await, None, at(0)).await;
    assert!(missed(0, both.to_vec()).await.is_empty());
    claim(store, &taken, &bob, at(1)).await;
    let lost = store
        .claim_request(
            &taken.id,
            &ann.id,
            &helpline_core::ConversationId::generate(),
            &crate::fixtures::accepted_note(),
            at(2),
            helpline_core::request::ChatCap::none(),
        )
        .await
        .expect("claim");
    assert!(
        matches!(lost, helpline_store::ClaimOutcome::Lost(_)),
        "{lost:?}"
    );
    assert!(missed(1, both.to_vec()).await.is_empty());
    let again = store
        .record_missed_offers(&taken.id, std::slice::from_ref(&ann.id), 1)
        .await
        .expect("count");
    assert!(again.is_empty(), "a lost claim counts as declined");
}

/// Volunteers who accepted `limit` emotional requests since a time are
/// resting; other topics and older acceptances do not count.
pub async fn emotional_sessions_are_counted_since(env: Env) {
    let store = &env.store;
    let (vic, val) = (
        volunteer(store, "rest-vic").await,
        volunteer(store, "rest-val").await,
    );
    let take = |name: &'static str, topic: Topic, who: helpline_core::user::User, made: i64| async move {
        let asker = seeker(store, name).await;
        let mut new = crate::fixtures::new_request(&asker, None, at(made), at(made + 600_000));
        new.draft.topic = Some(topic);
        let request = store
            .open_request(&new, &[], helpline_core::request::ChatCap::none(), None)
            .await
            .expect("open")
            .request;
        claim(store, &request, &who, at(made + 1)).await;
    };
    take("rest-1", Topic::Emotional, vic.clone(), 0).await;
    take("rest-2", Topic::Emotional, vic.clone(), 100).await;
    take("rest-3", Topic::Daily, val.clone(), 100).await;
    take("rest-4", Topic::Emotional, val.clone(), 100).await;
    assert_eq!(
        store.volunteers_resting(at(0), 2).await.expect("read"),
        std::slice::from_ref(&vic.id)
    );
    assert!(
        store
            .volunteers_resting(at(50), 2)
            .await
            .expect("read")
            .is_empty(),
        "Vic's first is older"
    );
    let mut one = store.volunteers_resting(at(0), 1).await.expect("read");
    one.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    let mut both = vec![vic.id.clone(), val.id.clone()];
    both.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    assert_eq!(one, both);
}
