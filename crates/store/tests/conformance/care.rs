//! Cases for welfare checks and check-ins: a watched check is cleared when
//! the two were in touch and raised otherwise, once among racers; support
//! resolves it once; a check-in moves only from the statuses named, and
//! each step of an occurrence happens once, on its stored time.

use crate::fixtures::{account, at, chat, new_message};
use crate::harness::Env;
use helpline_core::checkins::{CheckinKind, CheckinOutcome, CheckinStatus, Schedule};
use helpline_core::user::Role;
use helpline_core::welfare::{WelfareCause, WelfareStatus};
use helpline_core::{CheckinId, WelfareId};
use helpline_store::{CheckinStep, NewCheckin, NewWelfare, WelfareFilter};
use std::sync::Arc;

/// Dropped-call checks: the in-touch one is cleared, the other raised
/// once among eight racing sweepers; listings show only raised ones;
/// resolving happens once; a missed-check-ins check is raised at once.
pub async fn welfare_checks_are_cleared_or_raised_once(env: Env) {
    let store = &env.store;
    let quiet = chat(store, "wq").await;
    let talked = chat(store, "wt").await;
    let sue = account(store, "welfare-sue", "Sue", Role::Support).await;
    let watch = |c: &crate::fixtures::Chat| NewWelfare {
        id: WelfareId::generate(),
        cause: WelfareCause::CallDropped,
        seeker: c.seeker.id.clone(),
        volunteer: c.volunteer.id.clone(),
        conversation_id: Some(c.conversation.clone()),
        since: at(100),
        due_at: Some(at(700)),
        now: at(100),
    };
    let unheard = store.watch_welfare(&watch(&quiet)).await.expect("watch");
    assert_eq!(unheard.status, WelfareStatus::Watching);
    assert_eq!(unheard.seeker.role, Role::Seeker);
    assert_eq!(unheard.volunteer.id, quiet.volunteer.id);
    let heard = store.watch_welfare(&watch(&talked)).await.expect("watch");
    // Before the drop does not count; after it does.
    assert!(
        !store
            .in_touch(&talked.seeker.id, &talked.volunteer.id, at(100), at(700))
            .await
            .expect("touch")
    );
    store
        .append_message(&new_message(
            &talked.conversation,
            &talked.volunteer,
            "back",
            "Are you all right?",
            at(300),
        ))
        .await
        .expect("append")
        .expect("appended");
    assert!(
        store
            .in_touch(&talked.seeker.id, &talked.volunteer.id, at(100), at(700))
            .await
            .expect("touch")
    );
    assert!(
        !store
            .in_touch(&quiet.seeker.id, &talked.volunteer.id, at(100), at(700))
            .await
            .expect("touch")
    );
    // Not due yet: nothing.
    assert!(
        store
            .settle_due_welfare(at(699), 10)
            .await
            .expect("settle")
            .is_empty()
    );
    let racers: Vec<_> = (0..8)
        .map(|_| {
            let store = Arc::clone(store);
            tokio::spawn(async move { store.settle_due_welfare(at(700), 10).await })
        })
        .collect();
    let mut raised = Vec::new();
    for racer in racers {
        raised.extend(racer.await.expect("join").expect("settle"));
    }
    assert_eq!(raised.len(), 1, "raised once: {raised:?}");
    assert_eq!(raised[0].id, unheard.id);
    assert_eq!(raised[0].status, WelfareStatus::Open);
    assert_eq!(raised[0].raised_at, Some(at(700)));
    let cleared = store
        .welfare_task(&heard.id)
        .await
        .expect("read")
        .expect("found");
    assert_eq!(cleared.status, WelfareStatus::Cleared);
    let open = store
        .welfare_tasks(&WelfareFilter::Open, 10)
        .await
        .expect("list");
    assert_eq!(
        open.iter().map(|t| t.id.clone()).collect::<Vec<_>>(),
        vec![unheard.id.clone()]
    );
    let theirs = store
        .welfare_tasks(&WelfareFilter::OpenFor(quiet.seeker.id.clone()), 10)
        .await
        .expect("list");
    assert_eq!(theirs.len(), 1);
    // Resolved once.
    let done = store
        .resolve_welfare(
            &unheard.id,
            &sue.id,
            "Phoned her: the tablet ran out of battery",
            at(800),
        )
        .await
        .expect("resolve")
        .expect("resolved");
    assert_eq!(done.status, WelfareStatus::Resolved);
    assert_eq!(
        done.resolved_by.as_ref().map(|p| p.display_name.as_str()),
        Some("Sue")
    );
    assert!(
        store
            .resolve_welfare(&unheard.id, &sue.id, "again", at(801))
            .await
            .expect("resolve")
            .is_none()
    );
    assert!(
        store
            .resolve_welfare(&heard.id, &sue.id, "never raised", at(801))
            .await
            .expect("resolve")
            .is_none()
    );
    assert_eq!(
        store
            .welfare_tasks(&WelfareFilter::Resolved, 10)
            .await
            .expect("list")
            .len(),
        1
    );
    // Missed check-ins: raised at once.
    let missed = store
        .watch_welfare(&NewWelfare {
            cause: WelfareCause::CheckinsMissed,
            due_at: None,
            now: at(900),
            ..watch(&quiet)
        })
        .await
        .expect("watch");
    assert_eq!(
        (missed.status, missed.raised_at),
        (WelfareStatus::Open, Some(at(900))),
        "raised when stored, since the miss"
    );
    let all = store
        .welfare_tasks(&WelfareFilter::All, 10)
        .await
        .expect("list");
    assert_eq!(all.len(), 2, "open first, then resolved");
    assert_eq!(all[0].id, missed.id);
}

/// A check-in moves only from the statuses named; each occurrence is
/// reminded and announced once, and settled once, on its stored time.
pub async fn checkins_move_and_each_step_happens_once(env: Env) {
    let store = &env.store;
    let c = chat(store, "ci").await;
    let stranger = account(store, "ci-stranger", "Stan", Role::Volunteer).await;
    assert!(
        store
            .have_talked(&c.seeker.id, &c.volunteer.id)
            .await
            .expect("talked")
    );
    assert!(
        !store
            .have_talked(&c.seeker.id, &stranger.id)
            .await
            .expect("talked")
    );
    let proposed = store
        .propose_checkin(&NewCheckin {
            id: CheckinId::generate(),
            seeker: c.seeker.id.clone(),
            volunteer: c.volunteer.id.clone(),
            proposed_by: c.seeker.id.clone(),
            schedule: Schedule::new("tuesday", "10:00", "Europe/London").expect("valid"),
            kind: CheckinKind::Voice,
            now: at(0),
        })
        .await
        .expect("propose");
    assert_eq!(proposed.status, CheckinStatus::Proposed);
    assert_eq!(proposed.time.to_string(), "10:00");
    assert_eq!(proposed.volunteer.display_name, c.volunteer.display_name);
    let id = proposed.id.clone();
    // Not pausable before it is accepted.
    assert!(
        store
            .move_checkin(&id, &[CheckinStatus::Active], CheckinStatus::Paused, None)
            .await
            .expect("move")
            .is_none()
    );
    let active = store
        .move_checkin(
            &id,
            &[CheckinStatus::Proposed],
            CheckinStatus::Active,
            Some(at(1000)),
        )
        .await
        .expect("move")
        .expect("accepted");
    assert_eq!(
        (active.status, active.next_at),
        (CheckinStatus::Active, Some(at(1000)))
    );
    assert!(
        store
            .move_checkin(
                &id,
                &[CheckinStatus::Proposed],
                CheckinStatus::Active,
                Some(at(1))
            )
            .await
            .expect("move")
            .is_none()
    );
    assert_eq!(
        store
            .checkins_of(&c.volunteer.id)
            .await
            .expect("list")
            .len(),
        1
    );
    // Due listing and steps.
    assert!(
        store
            .checkins_due(at(999), at(0), 10)
            .await
            .expect("due")
            .is_empty()
    );
    assert_eq!(
        store
            .checkins_due(at(1000), at(0), 10)
            .await
            .expect("due")
            .len(),
        1
    );
    let steps: Vec<_> = (0..6)
        .map(|_| {
            let (store, id) = (Arc::clone(store), id.clone());
            tokio::spawn(async move {
                store
                    .mark_checkin_step(&id, at(1000), CheckinStep::Reminded)
                    .await
            })
        })
        .collect();
    let mut won = 0;
    for step in steps {
        won += usize::from(step.await.expect("join").expect("step"));
    }
    assert_eq!(won, 1, "reminded once");
    assert!(
        store
            .mark_checkin_step(&id, at(1000), CheckinStep::Announced)
            .await
            .expect("step")
    );
    assert!(
        !store
            .mark_checkin_step(&id, at(1000), CheckinStep::Announced)
            .await
            .expect("step")
    );
    assert!(
        !store
            .mark_checkin_step(&id, at(999), CheckinStep::Announced)
            .await
            .expect("step"),
        "not its time"
    );
    // Both steps done: out of the due set until it is time to settle.
    assert!(
        store
            .checkins_due(at(1000), at(999), 10)
            .await
            .expect("due")
            .is_empty()
    );
    assert_eq!(
        store
            .checkins_due(at(1000), at(1000), 10)
            .await
            .expect("due")
            .len(),
        1
    );
    // Settled once: missed twice counts two; kept starts again.
    let first = store
        .settle_checkin(&id, at(1000), CheckinOutcome::Missed, Some(at(2000)))
        .await
        .expect("settle")
        .expect("settled");
    assert_eq!(
        (first.missed_in_a_row, first.next_at, first.last_at),
        (1, Some(at(2000)), Some(at(1000)))
    );
    assert_eq!(first.last_outcome, Some(CheckinOutcome::Missed));
    assert!(
        store
            .settle_checkin(&id, at(1000), CheckinOutcome::Missed, Some(at(2000)))
            .await
            .expect("settle")
            .is_none()
    );
    let second = store
        .settle_checkin(&id, at(2000), CheckinOutcome::Missed, Some(at(3000)))
        .await
        .expect("settle")
        .expect("settled");
    assert_eq!(second.missed_in_a_row, 2);
    store.reset_checkin_misses(&id).await.expect("reset");
    let kept = store
        .settle_checkin(&id, at(3000), CheckinOutcome::Kept, Some(at(4000)))
        .await
        .expect("settle")
        .expect("settled");
    assert_eq!(
        (kept.missed_in_a_row, kept.last_outcome),
        (0, Some(CheckinOutcome::Kept))
    );
    // Paused: no next time, not due; cancelled: gone from the list.
    let paused = store
        .move_checkin(&id, &[CheckinStatus::Active], CheckinStatus::Paused, None)
        .await
        .expect("move")
        .expect("paused");
    assert_eq!(
        (paused.status, paused.next_at),
        (CheckinStatus::Paused, None)
    );
    assert!(
        store
            .checkins_due(at(10_000), at(10_000), 10)
            .await
            .expect("due")
            .is_empty()
    );
    let all = [
        CheckinStatus::Proposed,
        CheckinStatus::Active,
        CheckinStatus::Paused,
    ];
    store
        .move_checkin(&id, &all, CheckinStatus::Cancelled, None)
        .await
        .expect("move")
        .expect("cancelled");
    assert!(
        store
            .move_checkin(&id, &all, CheckinStatus::Cancelled, None)
            .await
            .expect("move")
            .is_none()
    );
    assert!(
        store
            .checkins_of(&c.seeker.id)
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(
        store
            .checkin(&id)
            .await
            .expect("read")
            .expect("kept")
            .status,
        CheckinStatus::Cancelled
    );
}
