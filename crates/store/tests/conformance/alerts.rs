//! Cases for safety alerts: raised with the people named, listed by
//! filter, acknowledged and resolved once each, raised again once per
//! due sweep among racers, and their conversation kept until resolved.

use crate::fixtures::{account, at, chat, new_message, seeker};
use crate::harness::Env;
use helpline_core::alerts::AlertStatus;
use helpline_core::user::Role;
use helpline_core::{AlertId, UserId};
use helpline_store::{AlertFilter, NewAlert};
use std::sync::Arc;

/// An alert's life: open, acknowledged by one agent (a second is
/// refused), resolved once with a note, named people throughout; the
/// listings filter and order as they say.
pub async fn alerts_are_acknowledged_and_resolved_once(env: Env) {
    let store = &env.store;
    let c = chat(store, "alert").await;
    let (sue, sam) = (
        account(store, "alert-sue", "Sue", Role::Support).await,
        account(store, "alert-sam", "Sam", Role::Support).await,
    );
    let new = NewAlert {
        id: AlertId::generate(),
        raised_by: c.seeker.id.clone(),
        conversation_id: Some(c.conversation.clone()),
        note: Some("He wants my bank card".into()),
        now: at(10),
    };
    let raised = store.raise_alert(&new).await.expect("raise");
    assert_eq!(raised.status, AlertStatus::Open);
    assert_eq!(raised.raised_by.id, c.seeker.id);
    assert_eq!(raised.raised_by.display_name, c.seeker.display_name);
    assert_eq!(raised.raised_by.role, Role::Seeker);
    assert_eq!((raised.created_at, raised.last_raised_at), (at(10), at(10)));
    assert_eq!(raised.conversation_id.as_ref(), Some(&c.conversation));
    let other = seeker(store, "alert-other").await;
    let second = store
        .raise_alert(&NewAlert {
            id: AlertId::generate(),
            raised_by: other.id.clone(),
            conversation_id: None,
            note: None,
            now: at(20),
        })
        .await
        .expect("raise");

    let acked = store
        .acknowledge_alert(&raised.id, &sue.id, at(30))
        .await
        .expect("ack")
        .expect("open");
    assert_eq!(acked.status, AlertStatus::Acknowledged);
    assert_eq!(
        acked
            .acknowledged_by
            .as_ref()
            .map(|p| p.display_name.as_str()),
        Some("Sue")
    );
    assert_eq!(acked.acknowledged_at, Some(at(30)));
    assert!(
        store
            .acknowledge_alert(&raised.id, &sam.id, at(31))
            .await
            .expect("ack")
            .is_none(),
        "acknowledged once"
    );
    let resolved = store
        .resolve_alert(&raised.id, &sam.id, "Called her daughter", at(40))
        .await
        .expect("resolve")
        .expect("unresolved");
    assert_eq!(resolved.status, AlertStatus::Resolved);
    assert_eq!(resolved.resolution.as_deref(), Some("Called her daughter"));
    assert_eq!(resolved.resolved_by.map(|p| p.id), Some(sam.id.clone()));
    assert_eq!(resolved.acknowledged_by.map(|p| p.id), Some(sue.id.clone()));
    assert!(
        store
            .resolve_alert(&raised.id, &sue.id, "again", at(41))
            .await
            .expect("resolve")
            .is_none()
    );
    assert!(
        store
            .acknowledge_alert(&raised.id, &sue.id, at(42))
            .await
            .expect("ack")
            .is_none(),
        "a resolved alert is not acknowledged"
    );
    // Resolving an open one acknowledges it too.
    let direct = store
        .resolve_alert(&second.id, &sue.id, "False alarm", at(50))
        .await
        .expect("resolve")
        .expect("unresolved");
    assert_eq!(direct.acknowledged_at, Some(at(50)));

    let third = store
        .raise_alert(&NewAlert {
            id: AlertId::generate(),
            raised_by: other.id.clone(),
            conversation_id: None,
            note: None,
            now: at(60),
        })
        .await
        .expect("raise");
    let ids = |alerts: Vec<helpline_core::alerts::Alert>| {
        alerts.into_iter().map(|a| a.id).collect::<Vec<_>>()
    };
    let all = store.alerts(&AlertFilter::All, 50).await.expect("list");
    assert_eq!(
        ids(all),
        [third.id.clone(), second.id.clone(), raised.id.clone()]
    );
    let open = store
        .alerts(&AlertFilter::Unresolved, 50)
        .await
        .expect("list");
    assert_eq!(ids(open), std::slice::from_ref(&third.id));
    let done = store
        .alerts(&AlertFilter::Resolved, 50)
        .await
        .expect("list");
    assert_eq!(ids(done), [second.id.clone(), raised.id.clone()]);
    let mine = store
        .alerts(&AlertFilter::RaisedBy(other.id.clone()), 50)
        .await
        .expect("list");
    assert_eq!(ids(mine), [third.id.clone(), second.id.clone()]);
    assert!(
        store
            .alert(&AlertId::generate())
            .await
            .expect("read")
            .is_none()
    );
    assert!(
        store
            .acknowledge_alert(&AlertId::generate(), &sue.id, at(70))
            .await
            .expect("ack")
            .is_none()
    );
}

/// An unacknowledged alert is raised again by exactly one of many racing
/// sweepers once due, then not before it is due again; an acknowledged
/// one never.
pub async fn unacknowledged_alerts_are_raised_again_once(env: Env) {
    let store = &env.store;
    let raiser = seeker(store, "again-sam").await;
    let sue = account(store, "again-sue", "Sue", Role::Support).await;
    let raise = |id: AlertId, now| {
        let raiser: UserId = raiser.id.clone();
        async move {
            store
                .raise_alert(&NewAlert {
                    id,
                    raised_by: raiser,
                    conversation_id: None,
                    note: None,
                    now,
                })
                .await
                .expect("raise")
        }
    };
    let alert = raise(AlertId::generate(), at(0)).await;
    let handled = raise(AlertId::generate(), at(0)).await;
    store
        .acknowledge_alert(&handled.id, &sue.id, at(5))
        .await
        .expect("ack");
    assert!(
        store
            .raise_unacknowledged_again(at(-1), at(119), 10)
            .await
            .expect("sweep")
            .is_empty()
    );
    let mut racers = Vec::new();
    for _ in 0..8 {
        let store = Arc::clone(store);
        racers.push(tokio::spawn(async move {
            store
                .raise_unacknowledged_again(at(0), at(120), 10)
                .await
                .expect("sweep")
        }));
    }
    let mut again = Vec::new();
    for racer in racers {
        again.extend(racer.await.expect("racer"));
    }
    assert_eq!(again.len(), 1);
    assert_eq!(
        (again[0].id.clone(), again[0].last_raised_at),
        (alert.id.clone(), at(120))
    );
    assert!(
        store
            .raise_unacknowledged_again(at(119), at(200), 10)
            .await
            .expect("sweep")
            .is_empty(),
        "not due again yet"
    );
}

/// A conversation named by an unresolved alert keeps its disappearing
/// messages until the alert is resolved.
pub async fn an_alert_keeps_its_conversation(env: Env) {
    let store = &env.store;
    let c = chat(store, "keep").await;
    let sue = account(store, "keep-sue", "Sue", Role::Support).await;
    let mut m = new_message(&c.conversation, &c.seeker, "k1", "send me your PIN", at(0));
    m.draft.expires_in_secs = Some(30);
    store
        .append_message(&m)
        .await
        .expect("append")
        .expect("accepted");
    let alert = store
        .raise_alert(&NewAlert {
            id: AlertId::generate(),
            raised_by: c.seeker.id.clone(),
            conversation_id: Some(c.conversation.clone()),
            note: None,
            now: at(1),
        })
        .await
        .expect("raise");
    store
        .acknowledge_alert(&alert.id, &sue.id, at(2))
        .await
        .expect("ack");
    assert!(
        store
            .expire_messages(at(60_000), 10)
            .await
            .expect("sweep")
            .is_empty(),
        "kept while the alert is unresolved"
    );
    store
        .resolve_alert(&alert.id, &sue.id, "Spoke to both", at(3))
        .await
        .expect("resolve");
    assert_eq!(
        store
            .expire_messages(at(60_000), 10)
            .await
            .expect("sweep")
            .len(),
        1
    );
}
