//! Cases for Web Push: subscriptions are per endpoint (re-posting updates,
//! another user takes it over, at most N a user), settings round-trip, a
//! volunteer's availability is remembered, on-call volunteers leave out the
//! away, the unsubscribed and the blocked; the outbox queues one row per
//! device, a claim takes each row once even when claimers race, a retry
//! comes back when due, the message throttle holds, and marks are taken
//! once.

use crate::fixtures::{at, request_at, seeker, volunteer};
use crate::harness::Env;
use helpline_core::push::{
    Notice, OutgoingPush, PushKind, QuietHours, SubscriptionDraft, Urgency, UserSettings,
};
use helpline_core::request::RequestType;
use helpline_core::user::Availability;
use helpline_core::{ConversationId, RequestId, UserId};
use helpline_store::{MessageSlot, Store, StoreError};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

fn device(endpoint: &str, key: u8) -> SubscriptionDraft {
    let mut p256dh = vec![4u8];
    p256dh.extend([key; 64]);
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    SubscriptionDraft {
        endpoint: endpoint.to_owned(),
        p256dh: b64.encode(&p256dh),
        auth: b64.encode([key; 16]),
        expiration_time: None,
    }
}

/// Saves `user`'s subscription to `endpoint` (up to 10 a user, at time 0).
async fn subscribe(store: &Arc<dyn Store>, user: &UserId, endpoint: &str, key: u8) {
    store
        .save_subscription(user, &device(endpoint, key), "hash", 10, at(0))
        .await
        .expect("save");
}

fn push_to(user: &UserId) -> OutgoingPush {
    OutgoingPush {
        user: user.clone(),
        notice: Notice::message(&ConversationId::generate(), None),
        urgency: Urgency::Normal,
        topic: Some("abc".to_owned()),
        expires_at: at(3_600_000),
        while_pending: None,
    }
}

/// Re-posting an endpoint updates it; posting it for another user moves it
/// (and drops what was queued for the first); the limit counts others only.
pub async fn subscriptions_are_per_endpoint(env: Env) {
    let store = &env.store;
    let (ann, vic) = (seeker(store, "ann").await, volunteer(store, "vic").await);
    let first = store
        .save_subscription(
            &ann.id,
            &device("https://push.example/a", 1),
            "hash",
            2,
            at(0),
        )
        .await
        .expect("save");
    assert_eq!(first.created_at, at(0));
    let again = store
        .save_subscription(
            &ann.id,
            &device("https://push.example/a", 2),
            "hash",
            2,
            at(5),
        )
        .await
        .expect("update");
    assert_eq!(again.created_at, at(0), "an update keeps the first time");
    store
        .save_subscription(
            &ann.id,
            &device("https://push.example/b", 3),
            "hash",
            2,
            at(6),
        )
        .await
        .expect("second");
    let refused = store
        .save_subscription(
            &ann.id,
            &device("https://push.example/c", 4),
            "hash",
            2,
            at(7),
        )
        .await;
    assert!(matches!(refused, Err(StoreError::LimitReached(_))));
    // Re-posting one of the two is still fine at the limit.
    store
        .save_subscription(
            &ann.id,
            &device("https://push.example/b", 5),
            "hash",
            2,
            at(8),
        )
        .await
        .expect("update at the limit");
    assert_eq!(
        store
            .queue_pushes(&[push_to(&ann.id)], at(9))
            .await
            .expect("queue"),
        2
    );
    // Vic's browser now holds endpoint a.
    store
        .save_subscription(
            &vic.id,
            &device("https://push.example/a", 6),
            "hash",
            2,
            at(10),
        )
        .await
        .expect("moved");
    let ann_has: Vec<String> = store
        .subscriptions_of(&ann.id)
        .await
        .expect("list")
        .into_iter()
        .map(|s| s.endpoint)
        .collect();
    assert_eq!(ann_has, ["https://push.example/b"]);
    let claimed = store
        .claim_pushes(at(10), at(70_000), 10)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1, "Ann's push to the moved device is gone");
    assert_eq!(claimed[0].endpoint, "https://push.example/b");
    assert_eq!(claimed[0].user, ann.id);
    assert_eq!(claimed[0].attempts, 1);
    // Deleting: only the owner's, or anyone's when the push service said so.
    assert!(
        !store
            .delete_subscription(Some(&ann.id), "https://push.example/a")
            .await
            .expect("not hers")
    );
    assert!(
        store
            .delete_subscription(None, "https://push.example/a")
            .await
            .expect("gone")
    );
    assert!(
        store
            .subscriptions_of(&vic.id)
            .await
            .expect("list")
            .is_empty()
    );
}

/// A renewed subscription keeps its owner and its queued pushes; only the
/// holder of its renewal secret may renew it.
pub async fn a_renewed_subscription_keeps_its_pushes(env: Env) {
    let store = &env.store;
    let ann = seeker(store, "ann").await;
    let old = "https://push.example/old";
    store
        .save_subscription(&ann.id, &device(old, 1), "secret-1", 10, at(0))
        .await
        .expect("save");
    store
        .queue_pushes(&[push_to(&ann.id)], at(1))
        .await
        .expect("queue");
    assert!(store.may_renew(old, "secret-1").await.expect("read"));
    assert!(!store.may_renew(old, "guess").await.expect("read"));
    let new = device("https://push.example/new", 3);
    // Bea holds an endpoint: Ann's renewal cannot take it.
    let bea = seeker(store, "bea").await;
    let beas = device("https://push.example/bea", 4);
    store
        .save_subscription(&bea.id, &beas, "secret-b", 10, at(0))
        .await
        .expect("save");
    let taken = store
        .renew_subscription(old, "secret-1", &beas, "secret-x", at(2))
        .await
        .expect("renew");
    assert_eq!(taken, None);
    assert_eq!(
        store.subscriptions_of(&bea.id).await.expect("list").len(),
        1
    );
    for (endpoint, secret) in [("https://push.example/none", "secret-1"), (old, "guess")] {
        let refused = store
            .renew_subscription(endpoint, secret, &new, "secret-2", at(2))
            .await
            .expect("renew");
        assert_eq!(refused, None, "{endpoint} {secret}");
    }
    let (owner, info) = store
        .renew_subscription(old, "secret-1", &new, "secret-2", at(3))
        .await
        .expect("renew")
        .expect("known");
    assert_eq!(owner, ann.id);
    assert_eq!(info.endpoint, "https://push.example/new");
    assert!(
        store
            .may_renew(&new.endpoint, "secret-2")
            .await
            .expect("read")
    );
    assert!(
        !store
            .may_renew(&new.endpoint, "secret-1")
            .await
            .expect("read")
    );
    assert!(store.has_due_pushes(at(4)).await.expect("due"));
    let claimed = store
        .claim_pushes(at(4), at(60_000), 10)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].endpoint, "https://push.example/new");
    assert_eq!(claimed[0].p256dh, new.p256dh);
    assert!(!store.has_due_pushes(at(5)).await.expect("leased"));
}

/// Settings and availability are remembered; on-call volunteers are the
/// available ones with a device who are on neither side of a block.
pub async fn on_call_volunteers_are_available_subscribed_and_unblocked(env: Env) {
    let store = &env.store;
    let ann = seeker(store, "ann").await;
    let (vic, val, viv, vel) = (
        volunteer(store, "vic").await,
        volunteer(store, "val").await,
        volunteer(store, "viv").await,
        volunteer(store, "vel").await,
    );
    assert_eq!(
        store.user_settings(&vic.id).await.expect("settings"),
        UserSettings::default()
    );
    let settings = UserSettings {
        quiet_hours: Some(QuietHours::new("22:00", "07:30", "Europe/Paris").expect("valid")),
        push_show_names: true,
        prefer_familiar: false,
    };
    store
        .save_user_settings(&vic.id, &settings)
        .await
        .expect("save");
    assert_eq!(
        store.user_settings(&vic.id).await.expect("settings"),
        settings
    );
    for (who, n) in [(&vic, 1u8), (&val, 2), (&viv, 3)] {
        store
            .save_subscription(
                &who.id,
                &device(&format!("https://push.example/{n}"), n),
                "hash",
                10,
                at(0),
            )
            .await
            .expect("save");
    }
    assert_eq!(
        store
            .user(&val.id)
            .await
            .expect("read")
            .expect("user")
            .availability,
        Availability::Available
    );
    store
        .store_availability(&val.id, Availability::Away)
        .await
        .expect("away");
    assert_eq!(
        store
            .user(&val.id)
            .await
            .expect("read")
            .expect("user")
            .availability,
        Availability::Away
    );
    store
        .set_block(&viv.id, &ann.id, true, at(0))
        .await
        .expect("block");
    // vel has no device, val is away, viv blocked Ann.
    let on_call = store
        .on_call_volunteers(&ann.id, None)
        .await
        .expect("on call");
    assert_eq!(on_call.len(), 1, "{on_call:?}");
    assert_eq!(on_call[0].volunteer, vic.id);
    assert_eq!(on_call[0].settings, settings);
    assert!(
        store
            .on_call_volunteers(&ann.id, Some(&vel.id))
            .await
            .expect("targeted")
            .is_empty()
    );
    assert_eq!(
        store
            .on_call_volunteers(&ann.id, Some(&vic.id))
            .await
            .expect("targeted")
            .len(),
        1
    );
}

/// Two claimers racing never take the same row; a push put back comes
/// again only when due; a done push is gone.
pub async fn claims_take_each_push_once(env: Env) {
    let store = &env.store;
    let ann = seeker(store, "ann").await;
    for n in 0..5u8 {
        store
            .save_subscription(
                &ann.id,
                &device(&format!("https://push.example/{n}"), n),
                "hash",
                10,
                at(0),
            )
            .await
            .expect("save");
    }
    let pushes: Vec<_> = (0..8).map(|_| push_to(&ann.id)).collect();
    assert_eq!(store.queue_pushes(&pushes, at(0)).await.expect("queue"), 40);
    let racers = (0..4).map(|_| {
        let store = store.clone();
        tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = store
                    .claim_pushes(at(1), at(60_000), 3)
                    .await
                    .expect("claim");
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|p| p.id));
            }
        })
    });
    let mut seen = HashSet::new();
    for racer in racers {
        for id in racer.await.expect("racer") {
            assert!(seen.insert(id), "push {id} claimed twice");
        }
    }
    assert_eq!(seen.len(), 40);
    let ids: Vec<i64> = seen.into_iter().collect();
    // Leased: nothing is due again before the lease ends.
    assert!(
        store
            .claim_pushes(at(2), at(60_000), 100)
            .await
            .expect("claim")
            .is_empty()
    );
    store.push_later(ids[0], at(10_000)).await.expect("later");
    store.push_done(ids[1]).await.expect("done");
    assert!(
        store
            .claim_pushes(at(9_999), at(70_000), 100)
            .await
            .expect("claim")
            .is_empty()
    );
    let again = store
        .claim_pushes(at(10_000), at(70_000), 100)
        .await
        .expect("claim");
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].id, again[0].attempts), (ids[0], 2));
    // The lease ran out: whoever claims next takes the rest, not the done one.
    let expired = store
        .claim_pushes(at(60_000), at(120_000), 100)
        .await
        .expect("claim");
    assert_eq!(expired.len(), 38);
    assert!(expired.iter().all(|p| p.id != ids[1]));
}

/// One message push a user per gap, however many are queued at once; one
/// more is queued for when the gap is over, and the rest are in it.
pub async fn the_message_throttle_holds(env: Env) {
    let store = &env.store;
    let (ann, bea) = (seeker(store, "ann").await, seeker(store, "bea").await);
    subscribe(store, &ann.id, "https://push.example/a", 1).await;
    let gap = Duration::from_secs(60);
    assert_eq!(
        store
            .queue_throttled_push(&push_to(&bea.id), at(1_000), gap)
            .await
            .expect("q"),
        MessageSlot::NoDevice
    );
    let racers = (0..6).map(|_| {
        let (store, push) = (store.clone(), push_to(&ann.id));
        tokio::spawn(async move { store.queue_throttled_push(&push, at(1_000), gap).await })
    });
    let mut slots = Vec::new();
    for racer in racers {
        slots.push(racer.await.expect("racer").expect("queue"));
    }
    slots.sort_by_key(|slot| format!("{slot:?}"));
    assert_eq!(
        slots,
        [
            MessageSlot::Covered(at(61_000)),
            MessageSlot::Covered(at(61_000)),
            MessageSlot::Covered(at(61_000)),
            MessageSlot::Covered(at(61_000)),
            MessageSlot::Deferred(at(61_000)),
            MessageSlot::Now,
        ]
    );
    let now = store
        .claim_pushes(at(1_000), at(2_000), 10)
        .await
        .expect("claim");
    assert_eq!(now.len(), 1, "one now");
    store.push_done(now[0].id).await.expect("sent");
    assert!(
        store
            .claim_pushes(at(60_999), at(61_000), 10)
            .await
            .expect("claim")
            .is_empty()
    );
    let later = store
        .claim_pushes(at(61_000), at(70_000), 10)
        .await
        .expect("claim");
    assert_eq!(later.len(), 1, "one when the gap is over");
    let push = push_to(&ann.id);
    assert_eq!(
        store
            .queue_throttled_push(&push, at(61_500), gap)
            .await
            .expect("q"),
        MessageSlot::Deferred(at(121_000))
    );
    assert_eq!(
        store
            .queue_throttled_push(&push, at(200_000), gap)
            .await
            .expect("q"),
        MessageSlot::Now
    );
}

/// A push queued while its request is pending is kept; once the request
/// is no longer pending, it is not queued at all.
pub async fn request_pushes_need_a_pending_request(env: Env) {
    let store = &env.store;
    let (ann, vic) = (seeker(store, "ann").await, volunteer(store, "vic").await);
    subscribe(store, &vic.id, "https://push.example/v", 1).await;
    let request = request_at(store, &ann, None, at(0)).await;
    let push = OutgoingPush {
        while_pending: Some(request.id.clone()),
        ..push_to(&vic.id)
    };
    assert_eq!(
        store
            .queue_pushes(std::slice::from_ref(&push), at(1))
            .await
            .expect("q"),
        1
    );
    // Marking a request's pushes flags the request, read with it.
    assert!(!request.pushed);
    let subject = format!("request:{}", request.id);
    store
        .mark_pushed(&subject, Some(&request.id), std::slice::from_ref(&vic.id))
        .await
        .expect("mark");
    let read = store
        .request(&request.id)
        .await
        .expect("read")
        .expect("there");
    assert!(read.pushed);
    store.cancel_request(&request.id).await.expect("cancel");
    assert_eq!(store.queue_pushes(&[push], at(2)).await.expect("q"), 0);
}

/// Marks are taken once, by one caller.
pub async fn pushed_marks_are_taken_once(env: Env) {
    let store = &env.store;
    let (vic, val) = (volunteer(store, "vic").await, volunteer(store, "val").await);
    let subject = format!("request:{}", RequestId::generate());
    store
        .mark_pushed(
            &subject,
            None,
            &[vic.id.clone(), val.id.clone(), vic.id.clone()],
        )
        .await
        .expect("mark");
    let racers = (0..3).map(|_| {
        let (store, subject) = (store.clone(), subject.clone());
        tokio::spawn(async move { store.take_pushed(&subject, None, None).await })
    });
    let mut taken = Vec::new();
    for racer in racers {
        taken.extend(racer.await.expect("racer").expect("take"));
    }
    taken.sort();
    let mut want = vec![vic.id.clone(), val.id.clone()];
    want.sort();
    assert_eq!(taken, want);
}

/// Taking back one user's mark leaves the others'; a taken-back push not
/// sent yet is dropped, one being sent is not.
pub async fn taking_back_drops_unsent_pushes(env: Env) {
    let store = &env.store;
    let (vic, val) = (volunteer(store, "vic").await, volunteer(store, "val").await);
    for (who, n) in [(&vic, 1u8), (&val, 2)] {
        store
            .save_subscription(
                &who.id,
                &device(&format!("https://push.example/{n}"), n),
                "hash",
                10,
                at(0),
            )
            .await
            .expect("save");
    }
    let request = RequestId::generate();
    let subject = format!("request:{request}");
    let topic = "req";
    let notice = |user: &UserId| OutgoingPush {
        user: user.clone(),
        notice: Notice::request(&request, RequestType::Chat, None),
        urgency: Urgency::High,
        topic: Some(topic.to_owned()),
        expires_at: at(300_000),
        while_pending: None,
    };
    store
        .queue_pushes(&[notice(&vic.id), notice(&val.id)], at(0))
        .await
        .expect("queue");
    store
        .mark_pushed(&subject, None, &[vic.id.clone(), val.id.clone()])
        .await
        .expect("mark");
    assert!(
        store
            .take_pushed("request:other", None, None)
            .await
            .expect("none")
            .is_empty()
    );
    // Val's push is being sent (claimed) when the request closes for Vic.
    let claimed = store
        .claim_pushes(at(1), at(60_000), 1)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    let sending = claimed[0].user.clone();
    let waiting = if sending == vic.id { &val } else { &vic };
    let taken = store
        .take_pushed(
            &subject,
            Some(&waiting.id),
            Some((PushKind::Request, topic)),
        )
        .await
        .expect("take");
    assert_eq!(taken, std::slice::from_ref(&waiting.id));
    assert!(
        store
            .claim_pushes(at(2), at(60_000), 10)
            .await
            .expect("claim")
            .is_empty(),
        "dropped"
    );
    let rest = store
        .take_pushed(&subject, None, Some((PushKind::Request, topic)))
        .await
        .expect("take");
    assert_eq!(rest, std::slice::from_ref(&sending));
    store.push_done(claimed[0].id).await.expect("done");
}
