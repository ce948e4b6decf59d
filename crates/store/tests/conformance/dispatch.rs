//! Cases for batched dispatch: what the ranking reads, the widening
//! deadline taken once, and offers that reach only the batches until the
//! request is fully widened.

use crate::fixtures::{
    accepted_note, at, claim, ended_note, new_request, request_at, seeker, volunteer,
};
use crate::harness::Env;
use helpline_core::push::UserSettings;
use helpline_core::request::{ChatCap, Feedback, HelpRequest};
use helpline_core::user::User;
use helpline_core::{ConversationId, Timestamp, UserId};
use helpline_store::{ClaimOutcome, Store};
use std::collections::HashSet;
use std::sync::Arc;

/// `volunteer` takes a request of `seeker`'s made at `made`, the chat
/// ends, and the seeker rates it `rating`.
async fn helped(store: &Arc<dyn Store>, who: &User, by: &User, made: i64, rating: Option<i64>) {
    let request = request_at(store, who, None, at(made)).await;
    let conversation = claim(store, &request, by, at(made + 5)).await;
    store
        .end_conversation(&conversation, &by.id, &ended_note(), at(made + 10))
        .await
        .expect("end")
        .expect("was active");
    if let Some(rating) = rating {
        let feedback = Feedback { rating, text: None };
        store
            .set_feedback(&request.id, &feedback)
            .await
            .expect("rate")
            .expect("completed");
    }
}

/// The facts say who the seeker rated 4 or 5, each volunteer's languages
/// and last acceptance, and leave out blocked pairs, volunteers at the cap
/// and anyone not a volunteer; the seeker's choice comes from settings.
pub async fn the_ranking_reads_ratings_languages_and_recency(env: Env) {
    let store = &env.store;
    let sam = seeker(store, "rank-sam").await;
    let other = seeker(store, "rank-other").await;
    let names = ["rank-fay", "rank-gus", "rank-hal", "rank-ivy", "rank-jo"];
    let mut vols = Vec::new();
    for name in names {
        vols.push(volunteer(store, name).await);
    }
    let (fay, gus, hal, ivy, jo) = (&vols[0], &vols[1], &vols[2], &vols[3], &vols[4]);
    helped(store, &sam, fay, 0, Some(5)).await;
    helped(store, &sam, gus, 100, Some(3)).await;
    helped(store, &other, hal, 200, Some(4)).await;
    store
        .set_block(&jo.id, &sam.id, true, at(250))
        .await
        .expect("block");
    // Hal has an active chat: at a cap of 1 he is left out.
    let open = request_at(store, &other, None, at(300)).await;
    claim(store, &open, hal, at(305)).await;

    let mut candidates: Vec<UserId> = vols.iter().map(|v| v.id.clone()).collect();
    candidates.push(other.id.clone());
    let (me, facts) = store
        .dispatch_facts(&sam.id, &candidates, ChatCap::none())
        .await
        .expect("facts");
    assert!(me.prefer_familiar, "on unless turned off");
    assert_eq!(me.languages, ["en", "Français"]);
    let mut seen: Vec<(&str, bool, Option<Timestamp>)> = facts
        .iter()
        .map(|f| (f.volunteer.as_str(), f.rated_well, f.last_helped_at))
        .collect();
    seen.sort();
    let mut expected = vec![
        (fay.id.as_str(), true, Some(at(5))),
        (gus.id.as_str(), false, Some(at(105))),
        (hal.id.as_str(), false, Some(at(305))),
        (ivy.id.as_str(), false, None),
    ];
    expected.sort();
    assert_eq!(seen, expected, "jo blocked sam; a seeker is no candidate");
    assert!(facts.iter().all(|f| f.languages == ["en", "Français"]));

    let (_, capped) = store
        .dispatch_facts(&sam.id, &candidates, ChatCap::new(1))
        .await
        .expect("facts");
    assert!(capped.iter().all(|f| f.volunteer != hal.id));
    assert_eq!(capped.len(), 3);

    let settings = UserSettings {
        prefer_familiar: false,
        ..UserSettings::default()
    };
    store
        .save_user_settings(&sam.id, &settings)
        .await
        .expect("save");
    let (me, none) = store
        .dispatch_facts(&sam.id, &[], ChatCap::none())
        .await
        .expect("facts");
    assert!(!me.prefer_familiar);
    assert!(none.is_empty());
}

/// Opens a request from `who` with a widening deadline at `widen`,
/// offered first to `first`.
async fn batched(
    store: &Arc<dyn Store>,
    who: &User,
    first: &[UserId],
    widen: Option<Timestamp>,
) -> HelpRequest {
    let mut new = new_request(who, None, at(0), at(60_000));
    new.widen_at = widen;
    store
        .open_request(&new, first, ChatCap::none(), None)
        .await
        .expect("open")
        .request
}

async fn offered_to(store: &Arc<dyn Store>, who: &User, now: Timestamp) -> Vec<HelpRequest> {
    store
        .offerable_requests(&who.id, now, ChatCap::none())
        .await
        .expect("offerable")
        .into_iter()
        .map(|o| o.request)
        .collect()
}

/// While a request widens, only volunteers a batch reached (at opening or
/// later) may be offered it; once widening stops, everyone may.
pub async fn a_widening_request_reaches_only_its_batches(env: Env) {
    let store = &env.store;
    let sam = seeker(store, "wide-sam").await;
    let (ann, bea, cat) = (
        volunteer(store, "wide-ann").await,
        volunteer(store, "wide-bea").await,
        volunteer(store, "wide-cat").await,
    );
    let request = batched(store, &sam, std::slice::from_ref(&ann.id), Some(at(30_000))).await;
    assert_eq!(offered_to(store, &ann, at(10)).await.len(), 1);
    assert!(offered_to(store, &bea, at(10)).await.is_empty());
    let recorded = store
        .record_offers(&request.id, std::slice::from_ref(&bea.id))
        .await
        .expect("offer");
    assert_eq!(recorded, std::slice::from_ref(&bea.id));
    assert_eq!(offered_to(store, &bea, at(10)).await.len(), 1);
    assert!(offered_to(store, &cat, at(10)).await.is_empty());
    // A batch records only those never offered it: Ann (at opening) and
    // Bea (since) are not told again, Cat is.
    let fresh = store
        .record_batch(
            &request.id,
            &[ann.id.clone(), bea.id.clone(), cat.id.clone()],
        )
        .await
        .expect("batch");
    assert_eq!(fresh, std::slice::from_ref(&cat.id));
    let again = store
        .record_batch(&request.id, std::slice::from_ref(&cat.id))
        .await
        .expect("batch");
    assert!(again.is_empty());
    let dan = volunteer(store, "wide-dan0").await;
    assert!(offered_to(store, &dan, at(10)).await.is_empty());
    store.stop_widening(&request.id).await.expect("stop");
    assert_eq!(offered_to(store, &dan, at(10)).await.len(), 1);

    // Switching to ring_all clears every deadline.
    let (ida, eve) = (
        seeker(store, "wide-ida").await,
        volunteer(store, "wide-eve").await,
    );
    batched(store, &ida, &[], Some(at(30_000))).await;
    assert_eq!(offered_to(store, &eve, at(10)).await.len(), 1, "Sam's only");
    assert_eq!(store.stop_all_widening().await.expect("clear"), 1);
    assert_eq!(offered_to(store, &eve, at(10)).await.len(), 2);

    // A request opened without a deadline is everyone's at once.
    let (tom, dan) = (
        seeker(store, "wide-tom").await,
        volunteer(store, "wide-dan").await,
    );
    batched(store, &tom, &[], None).await;
    assert_eq!(offered_to(store, &dan, at(10)).await.len(), 3);
}

/// A due deadline is taken by exactly one of many racing sweepers (on
/// SQLite the single writer runs them one by one; the race is real on
/// PostgreSQL), which
/// moves it on; nothing is taken early, nor once the request has closed
/// or expired; and a closed request is offered to nobody more.
pub async fn widening_is_taken_once(env: Env) {
    let store = &env.store;
    let sam = seeker(store, "take-sam").await;
    let request = batched(store, &sam, &[], Some(at(30_000))).await;
    let early = store
        .widen_due_requests(at(29_999), at(59_999), 10)
        .await
        .expect("sweep");
    assert!(early.is_empty());
    let mut racers = Vec::new();
    for _ in 0..8 {
        let store = Arc::clone(store);
        racers.push(tokio::spawn(async move {
            store
                .widen_due_requests(at(30_000), at(60_000), 10)
                .await
                .expect("sweep")
        }));
    }
    let mut taken = Vec::new();
    for racer in racers {
        taken.extend(racer.await.expect("racer"));
    }
    assert_eq!(taken.len(), 1, "one sweeper offers the next batch");
    assert_eq!(taken[0].id, request.id);
    let again = store
        .widen_due_requests(at(30_001), at(60_001), 10)
        .await
        .expect("sweep");
    assert!(again.is_empty(), "the next deadline is a batch away");

    // Past its expiry, a request widens no more.
    let late = store
        .widen_due_requests(at(60_000), at(90_000), 10)
        .await
        .expect("sweep");
    assert!(late.is_empty());

    // Once taken, neither widened nor offered.
    let tom = seeker(store, "take-tom").await;
    let (vic, val) = (
        volunteer(store, "take-vic").await,
        volunteer(store, "take-val").await,
    );
    let taken = batched(store, &tom, std::slice::from_ref(&vic.id), Some(at(1_000))).await;
    let outcome = store
        .claim_request(
            &taken.id,
            &vic.id,
            &ConversationId::generate(),
            &accepted_note(),
            at(500),
            ChatCap::none(),
        )
        .await
        .expect("claim");
    assert!(matches!(outcome, ClaimOutcome::Claimed { .. }));
    let due = store
        .widen_due_requests(at(1_000), at(2_000), 10)
        .await
        .expect("sweep");
    assert!(due.iter().all(|r| r.id != taken.id));
    let recorded = store
        .record_offers(&taken.id, std::slice::from_ref(&val.id))
        .await
        .expect("offer");
    assert!(recorded.is_empty(), "nobody is offered a taken request");
    let offered: HashSet<UserId> = store
        .offered_volunteers(&taken.id)
        .await
        .expect("offered")
        .into_iter()
        .collect();
    assert_eq!(offered, HashSet::from([vic.id.clone()]));
}

/// Once everyone a widening request reached (at opening or later) has
/// declined it, its next batch is due at once; not before, and never for
/// a request that is not widening.
pub async fn declines_bring_the_next_batch_forward(env: Env) {
    let store = &env.store;
    let sam = seeker(store, "decl-sam").await;
    let (ann, bea, cat) = (
        volunteer(store, "decl-ann").await,
        volunteer(store, "decl-bea").await,
        volunteer(store, "decl-cat").await,
    );
    let request = batched(
        store,
        &sam,
        &[ann.id.clone(), bea.id.clone()],
        Some(at(30_000)),
    )
    .await;
    let decline = |who: &User| {
        let (id, who) = (request.id.clone(), who.id.clone());
        async move { store.record_decline(&id, &who).await.expect("decline") }
    };
    let forward = || async {
        store
            .widen_when_declined(&request.id, at(100))
            .await
            .expect("widen")
    };
    decline(&ann).await;
    assert!(!forward().await, "Bea has not answered");
    store
        .record_offers(&request.id, std::slice::from_ref(&cat.id))
        .await
        .expect("offer");
    decline(&bea).await;
    assert!(!forward().await, "Cat, of a later batch, has not answered");
    decline(&cat).await;
    assert!(forward().await);
    assert!(!forward().await, "already due");
    let due = store
        .widen_due_requests(at(100), at(30_100), 10)
        .await
        .expect("sweep");
    assert_eq!(due.len(), 1);

    // Not widening: nothing to bring forward.
    let tom = seeker(store, "decl-tom").await;
    let plain = batched(store, &tom, std::slice::from_ref(&ann.id), None).await;
    store
        .record_decline(&plain.id, &ann.id)
        .await
        .expect("decline");
    assert!(
        !store
            .widen_when_declined(&plain.id, at(100))
            .await
            .expect("widen")
    );
}
