//! Cases for caregivers: invitations (limit, expiry, cancel, one-time),
//! the link a redemption makes, what a look shows and records, names only
//! with the seeker's leave, removal at once, and racing redeemers.

use crate::fixtures::{account, at, chat, seeker};
use crate::harness::Env;
use helpline_core::alerts::AlertStatus;
use helpline_core::caregiving::ContactKind;
use helpline_core::user::Role;
use helpline_core::{AlertId, InvitationId, Timestamp, UserId};
use helpline_store::{NewAlert, NewInvitation, Redeemed, Store};
use std::sync::Arc;

const DAY_MS: i64 = 24 * 3600 * 1000;

fn invitation(seeker: &UserId, hash: &str, now: Timestamp) -> NewInvitation {
    NewInvitation {
        id: InvitationId::generate(),
        seeker: seeker.clone(),
        code_hash: hash.to_owned(),
        now,
        expires_at: Timestamp::from_millis(now.millis() + 7 * DAY_MS),
    }
}

async fn caregiver(store: &Arc<dyn Store>, name: &str) -> UserId {
    account(store, name, &format!("Carer {name}"), Role::Caregiver)
        .await
        .id
}

/// Invitations: stored up to the limit, listed while pending, cancelled,
/// expired; a code links once; a second code of the same seeker does not
/// link twice and stays unused.
pub async fn invitations_link_once(env: Env) {
    let store = &env.store;
    let ann = seeker(store, "cg-ann").await;
    let kim = caregiver(store, "cg-kim").await;
    let first = store
        .create_invitation(&invitation(&ann.id, "h1", at(0)), 2)
        .await
        .expect("first");
    assert_eq!(first.expires_at, at(7 * DAY_MS));
    store
        .create_invitation(&invitation(&ann.id, "h2", at(10)), 2)
        .await
        .expect("second");
    let third = store
        .create_invitation(&invitation(&ann.id, "h3", at(20)), 2)
        .await;
    assert!(
        matches!(third, Err(helpline_store::StoreError::LimitReached(_))),
        "{third:?}"
    );
    let pending = store
        .pending_invitations(&ann.id, at(30))
        .await
        .expect("list");
    assert_eq!(pending.len(), 2);
    assert_eq!(pending[1].id, first.id, "newest first");

    // Unknown, then expired: nothing changes.
    let redeem = |hash: &'static str, who: UserId, now: Timestamp| {
        let store = store.clone();
        async move {
            store
                .redeem_invitation(hash, &who, now)
                .await
                .expect("redeem")
        }
    };
    assert_eq!(
        redeem("nope", kim.clone(), at(40)).await,
        Redeemed::NoSuchCode
    );
    assert_eq!(
        redeem("h1", kim.clone(), at(7 * DAY_MS)).await,
        Redeemed::Expired
    );
    assert!(
        store
            .pending_invitations(&ann.id, at(7 * DAY_MS))
            .await
            .expect("list")
            .iter()
            .all(|i| i.id != first.id),
        "an expired invitation is not pending"
    );

    // The second code links Kim to Ann, once.
    let Redeemed::Linked(link) = redeem("h2", kim.clone(), at(50)).await else {
        panic!("not linked");
    };
    assert_eq!(
        (
            link.seeker_id.clone(),
            link.seeker_name.as_str(),
            link.since
        ),
        (ann.id.clone(), ann.display_name.as_str(), at(50))
    );
    assert_eq!(redeem("h2", kim.clone(), at(60)).await, Redeemed::Used);
    let other = caregiver(store, "cg-other").await;
    assert_eq!(redeem("h2", other.clone(), at(60)).await, Redeemed::Used);

    // A further code while linked: refused, left unused.
    store
        .create_invitation(&invitation(&ann.id, "h4", at(70)), 2)
        .await
        .expect("fourth");
    assert_eq!(
        redeem("h4", kim.clone(), at(80)).await,
        Redeemed::AlreadyLinked
    );
    let pending = store
        .pending_invitations(&ann.id, at(90))
        .await
        .expect("list");
    assert_eq!(pending.len(), 2, "h1 (not yet expired at 90) and h4");
    let h4 = pending[0].id.clone();
    assert!(
        !store.cancel_invitation(&kim, &h4).await.expect("cancel"),
        "only its seeker"
    );
    assert!(store.cancel_invitation(&ann.id, &h4).await.expect("cancel"));
    assert!(!store.cancel_invitation(&ann.id, &h4).await.expect("again"));
    assert_eq!(redeem("h4", other, at(100)).await, Redeemed::NoSuchCode);

    let caregivers = store.caregivers_of(&ann.id, 10).await.expect("caregivers");
    assert_eq!(caregivers.len(), 1);
    assert_eq!(caregivers[0].caregiver_id, kim);
    assert_eq!(caregivers[0].since, at(50));
    assert!(!caregivers[0].show_volunteer_names);
    assert_eq!(
        (caregivers[0].view_count, caregivers[0].views.len()),
        (0, 0)
    );
}

/// A look: the linked seekers only, their chats and answered calls in
/// the window, names only when allowed, open alerts without notes, one
/// view recorded per seeker; removal ends it at once.
pub async fn a_look_shows_facts_and_is_recorded(env: Env) {
    let store = &env.store;
    let c = chat(store, "cg-look").await;
    let stranger = chat(store, "cg-stranger").await;
    let kim = caregiver(store, "cg-look-kim").await;
    store
        .create_invitation(&invitation(&c.seeker.id, "look", at(1)), 5)
        .await
        .expect("invite");
    assert!(matches!(
        store
            .redeem_invitation("look", &kim, at(2))
            .await
            .expect("redeem"),
        Redeemed::Linked(_)
    ));
    for who in [&c.seeker.id, &stranger.seeker.id] {
        store
            .raise_alert(&NewAlert {
                id: AlertId::generate(),
                raised_by: who.clone(),
                conversation_id: None,
                note: Some("private words".into()),
                now: at(3),
            })
            .await
            .expect("alert");
    }

    let seen = store
        .look_in(&kim, at(10), at(-DAY_MS))
        .await
        .expect("look");
    assert_eq!(seen.len(), 1, "only the seeker who invited");
    let ann = &seen[0];
    assert_eq!(ann.seeker_id, c.seeker.id);
    assert_eq!(ann.since, at(2));
    assert_eq!((ann.chats_this_week, ann.calls_this_week), (1, 0));
    assert_eq!(ann.contacts[0].kind, ContactKind::Chat);
    assert_eq!(ann.contacts[0].with, Role::Volunteer);
    assert_eq!(ann.contacts[0].volunteer_name, None, "names are off");
    assert!(ann.last_contact_at.is_some());
    assert_eq!(ann.open_alerts.len(), 1);
    assert_eq!(ann.open_alerts[0].status, AlertStatus::Open);
    assert_eq!(ann.open_alerts[0].raised_by, Role::Seeker);
    let text = serde_json::to_string(&seen).expect("json");
    assert!(!text.contains("private words"));
    assert!(!text.contains(c.conversation.as_str()));

    // Out of the window, nothing is counted.
    let later = store
        .look_in(&kim, at(9 * DAY_MS), at(2 * DAY_MS))
        .await
        .expect("look");
    assert_eq!((later[0].chats_this_week, later[0].contacts.len()), (0, 0));

    // Names with leave.
    assert!(
        store
            .set_show_volunteer_names(&c.seeker.id, &kim, true)
            .await
            .expect("set")
    );
    assert!(
        !store
            .set_show_volunteer_names(&stranger.seeker.id, &kim, true)
            .await
            .expect("not linked")
    );
    let named = store
        .look_in(&kim, at(20), at(-DAY_MS))
        .await
        .expect("look");
    assert_eq!(
        named[0].contacts[0].volunteer_name.as_deref(),
        Some(c.volunteer.display_name.as_str())
    );

    let caregivers = store.caregivers_of(&c.seeker.id, 2).await.expect("list");
    assert_eq!(caregivers[0].view_count, 3);
    assert_eq!(
        caregivers[0].views,
        vec![at(9 * DAY_MS), at(20)],
        "newest first"
    );
    assert!(caregivers[0].show_volunteer_names);

    // Removal: at once, and the views stay on record.
    assert!(
        store
            .remove_caregiver(&c.seeker.id, &kim)
            .await
            .expect("remove")
    );
    assert!(
        !store
            .remove_caregiver(&c.seeker.id, &kim)
            .await
            .expect("again")
    );
    assert!(
        store
            .look_in(&kim, at(30), at(0))
            .await
            .expect("look")
            .is_empty()
    );
    assert!(
        store
            .caregivers_of(&c.seeker.id, 5)
            .await
            .expect("list")
            .is_empty()
    );
}

/// Many caregivers redeem one code at once: exactly one is linked.
pub async fn racing_redeemers_one_wins(env: Env) {
    let store = &env.store;
    let ann = seeker(store, "cg-race").await;
    store
        .create_invitation(&invitation(&ann.id, "race", at(0)), 5)
        .await
        .expect("invite");
    let mut racers = Vec::new();
    for i in 0..8 {
        let who = caregiver(store, &format!("cg-racer{i}")).await;
        let store = store.clone();
        racers.push(tokio::spawn(async move {
            store
                .redeem_invitation("race", &who, at(1))
                .await
                .expect("redeem")
        }));
    }
    let mut linked = 0;
    for racer in racers {
        match racer.await.expect("join") {
            Redeemed::Linked(_) => linked += 1,
            Redeemed::Used => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(linked, 1);
    assert_eq!(
        store.caregivers_of(&ann.id, 1).await.expect("list").len(),
        1
    );
}
