//! Cases for support's overview: every pending request, and every active
//! conversation a request opened.

use crate::fixtures::{TTL_MS, at, chat, new_request, request_at, seeker, volunteer};
use crate::harness::Env;
use helpline_core::request::ChatCap;
use helpline_store::ActiveSession;

/// Only pending, unexpired requests are listed, oldest first, with the seeker's name.
pub async fn pending_requests_are_listed_oldest_first(env: Env) {
    let store = &env.store;
    let (sa, sb, sc, sd) = (
        seeker(store, "sa").await,
        seeker(store, "sb").await,
        seeker(store, "sc").await,
        seeker(store, "sd").await,
    );
    let target = volunteer(store, "v").await;
    let newer = request_at(store, &sa, None, at(-1000)).await;
    let older = request_at(store, &sb, Some(&target), at(-2000)).await;
    let cancelled = request_at(store, &sc, None, at(-500)).await;
    store
        .cancel_request(&cancelled.id)
        .await
        .expect("cancel")
        .expect("pending");
    store
        .open_request(
            &new_request(&sd, None, at(-TTL_MS), at(0)),
            &[],
            ChatCap::none(),
            None,
        )
        .await
        .expect("due now");

    let pending = store.pending_requests(at(0)).await.expect("pending");
    let listed: Vec<_> = pending
        .iter()
        .map(|p| (p.request.id.clone(), p.seeker_display_name.as_str()))
        .collect();
    assert_eq!(
        listed,
        vec![
            (older.id.clone(), "Seeker sb"),
            (newer.id.clone(), "Seeker sa")
        ]
    );
    assert_eq!(pending[0].request, older);
    assert!(
        store
            .pending_requests(at(TTL_MS))
            .await
            .expect("later")
            .is_empty(),
        "expired ones are not pending"
    );
}

/// Active request conversations are listed with both people; ended and
/// direct ones are not.
pub async fn active_sessions_name_both_people(env: Env) {
    let store = &env.store;
    assert!(store.active_sessions().await.expect("none").is_empty());
    let first = chat(store, "a").await;
    let second = chat(store, "b").await;
    let ended = chat(store, "c").await;
    store
        .end_conversation(
            &ended.conversation,
            &ended.seeker.id,
            &crate::fixtures::ended_note(),
            at(10),
        )
        .await
        .expect("end")
        .expect("was active");
    store
        .start_direct_conversation(
            &first.seeker.id,
            &second.volunteer.id,
            &helpline_core::ConversationId::generate(),
            at(20),
        )
        .await
        .expect("direct");

    let mut sessions = store.active_sessions().await.expect("sessions");
    sessions.sort_by(|a, b| a.conversation_id.cmp(&b.conversation_id));
    let mut expected: Vec<ActiveSession> = [&first, &second]
        .into_iter()
        .map(|c| ActiveSession {
            conversation_id: c.conversation.clone(),
            request_id: c.request.id.clone(),
            seeker_id: c.seeker.id.clone(),
            seeker_display_name: c.seeker.display_name.clone(),
            volunteer_id: c.volunteer.id.clone(),
            volunteer_display_name: c.volunteer.display_name.clone(),
            started_at: at(0),
        })
        .collect();
    expected.sort_by(|a, b| a.conversation_id.cmp(&b.conversation_id));
    assert_eq!(sessions, expected);
}
