//! Cases for safety alerts: raised with the people named, listed by
//! filter, acknowledged and resolved once each, raised again once per
//! due sweep among racers, and their conversation kept until resolved.

use crate::fixtures::{account, at, chat, new_message, seeker};
use crate::harness::Env;
use helpline_core::alerts::{AlertKind, AlertStatus};
use helpline_core::message::MessageFlag;
use helpline_core::scam::ScamSign;
use helpline_core::user::Role;
use helpline_core::{AlertId, UserId};
use helpline_store::{AlertFilter, NewAlert, NewScamEvidence};
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

/// The scam guard's evidence: racing callers (eight flagged messages at
/// once) end up on one unresolved alert per conversation, exactly one of
/// them raising it; the same message twice (an edit) is evidence once;
/// once that alert is resolved, the next flagged message raises a new
/// one; the evidence outlives the message.
pub async fn scam_evidence_gathers_on_one_alert_per_conversation(env: Env) {
    let store = &env.store;
    let c = chat(store, "scam").await;
    let sam = account(store, "scam-sam", "Sam", Role::Support).await;
    let mut messages = Vec::new();
    for i in 0..8 {
        let sent = store
            .append_message(&new_message(
                &c.conversation,
                &c.volunteer,
                &format!("scam-{i}"),
                &format!("Send me money {i}"),
                at(10 + i),
            ))
            .await
            .expect("append")
            .expect("appended");
        messages.push(sent.message);
    }
    let evidence = |m: &helpline_core::message::Message, now| NewScamEvidence {
        id: AlertId::generate(),
        seeker: c.seeker.id.clone(),
        conversation_id: c.conversation.clone(),
        message_id: m.id.clone(),
        sender_id: c.volunteer.id.clone(),
        signs: vec![ScamSign::Money, ScamSign::PhoneNumber],
        excerpt: m.content.clone(),
        now,
    };
    let racers = messages.iter().map(|m| {
        let (store, new) = (Arc::clone(store), evidence(m, at(100)));
        tokio::spawn(async move { store.add_scam_evidence(&new).await })
    });
    let mut raised = 0;
    let mut alert_ids = Vec::new();
    for racer in racers.collect::<Vec<_>>() {
        let (alert, fresh) = racer.await.expect("join").expect("evidence");
        raised += usize::from(fresh);
        alert_ids.push(alert.id);
    }
    assert_eq!(raised, 1, "exactly one racer raised the alert");
    alert_ids.dedup();
    assert_eq!(alert_ids.len(), 1, "one alert for the conversation");
    let (alert, fresh) = store
        .add_scam_evidence(&evidence(&messages[0], at(200)))
        .await
        .expect("again");
    assert!(!fresh);
    assert_eq!(alert.kind, AlertKind::ScamGuard);
    assert_eq!(alert.raised_by.id, c.seeker.id);
    assert_eq!(alert.conversation_id.as_ref(), Some(&c.conversation));
    assert_eq!(alert.evidence.len(), 8, "the same message is evidence once");
    let first = &alert.evidence[0];
    assert_eq!(first.sender.id, c.volunteer.id);
    assert_eq!(first.sender.role, Role::Volunteer);
    assert_eq!(first.signs, vec![ScamSign::Money, ScamSign::PhoneNumber]);
    assert!(first.excerpt.starts_with("Send me money"));
    // Listings carry the evidence too; a person's alert has none.
    let listed = store
        .alerts(&AlertFilter::Unresolved, 10)
        .await
        .expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].evidence.len(), 8);
    // The evidence outlives the message.
    store
        .delete_message(&messages[0].id, at(300))
        .await
        .expect("delete")
        .expect("deleted");
    let kept = store.alert(&alert.id).await.expect("read").expect("alert");
    assert_eq!(kept.evidence.len(), 8);
    // Resolved: the next flagged message raises a new alert.
    store
        .resolve_alert(&alert.id, &sam.id, "Spoke to both", at(400))
        .await
        .expect("resolve")
        .expect("resolved");
    let (next, fresh) = store
        .add_scam_evidence(&evidence(&messages[1], at(500)))
        .await
        .expect("next");
    assert!(fresh);
    assert_ne!(next.id, alert.id);
    assert_eq!(next.evidence.len(), 1);
    // A person's alert on the same conversation is separate.
    let person = store
        .raise_alert(&NewAlert {
            id: AlertId::generate(),
            raised_by: c.seeker.id.clone(),
            conversation_id: Some(c.conversation.clone()),
            note: None,
            now: at(600),
        })
        .await
        .expect("raise");
    assert_eq!(person.kind, AlertKind::Person);
    assert!(person.evidence.is_empty());
}

/// A message's flags are stored with it, read back everywhere a message is
/// read, replaced by an edit, and cleared when it is deleted.
pub async fn message_flags_are_kept_edited_and_cleared(env: Env) {
    let store = &env.store;
    let c = chat(store, "flags").await;
    let mut flagged = new_message(&c.conversation, &c.volunteer, "f1", "Your PIN?", at(10));
    flagged.flags = vec![MessageFlag::ScamWarning];
    let sent = store
        .append_message(&flagged)
        .await
        .expect("append")
        .expect("appended")
        .message;
    assert_eq!(sent.flags, vec![MessageFlag::ScamWarning]);
    let plain = store
        .append_message(&new_message(
            &c.conversation,
            &c.volunteer,
            "f2",
            "Hello",
            at(11),
        ))
        .await
        .expect("append")
        .expect("appended")
        .message;
    assert!(plain.flags.is_empty());
    let history = store
        .messages_after(&c.conversation, 0, 10)
        .await
        .expect("history");
    let flags: Vec<_> = history.iter().map(|m| m.flags.clone()).collect();
    // The claim's system note first.
    assert_eq!(flags, vec![vec![], vec![MessageFlag::ScamWarning], vec![]]);
    let read = store.message(&sent.id).await.expect("read").expect("found");
    assert_eq!(read.flags, vec![MessageFlag::ScamWarning]);
    // An edit replaces them both ways.
    let edited = store
        .edit_message(
            &plain.id,
            "Your password?",
            &[MessageFlag::ScamWarning],
            at(20),
        )
        .await
        .expect("edit")
        .expect("edited");
    assert_eq!(edited.flags, vec![MessageFlag::ScamWarning]);
    let cleaned = store
        .edit_message(&sent.id, "Sorry, ignore that", &[], at(21))
        .await
        .expect("edit")
        .expect("edited");
    assert!(cleaned.flags.is_empty());
    // Deleted: nothing left to warn about.
    let gone = store
        .delete_message(&edited.id, at(30))
        .await
        .expect("delete")
        .expect("deleted");
    assert!(gone.flags.is_empty());
    let read = store
        .message(&edited.id)
        .await
        .expect("read")
        .expect("found");
    assert!(read.flags.is_empty());
}
