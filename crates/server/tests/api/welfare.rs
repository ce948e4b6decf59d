//! Welfare checks: a call between a seeker and a volunteer that drops asks
//! the volunteer to call back; if the two are not in touch within
//! `HELPLINE_WELFARE_AFTER_SECS`, every support agent gets a task, which
//! support resolves with a note. A hang-up asks nothing and raises
//! nothing; a drop followed by a message clears the check. On SQLite and
//! PostgreSQL, with the controllable clock.

use crate::common::calls::invite;
use crate::common::{Backend, TestApp, ok, session};
use helpline_core::user::Role;
use serde_json::{Value, json};
use std::time::Duration;

both_backends!(
    a_dropped_call_asks_for_a_call_back_then_tells_support,
    a_hang_up_or_a_call_back_raises_nothing
);

/// A voice call from the seeker, answered by the volunteer; returns it.
async fn answered(
    s: &helpline_client::Client,
    v: &mut helpline_client::Client,
    conversation: &Value,
) -> Value {
    let call = invite(s, conversation, "voice").await;
    v.event("call:incoming").await.unwrap();
    ok(v.ack("call:accept", json!({"callId": call["id"]}))
        .await
        .unwrap());
    call
}

/// Moves the clock on until `client` hears `name` (the sweeper runs on
/// each move).
async fn advance_until(
    app: &TestApp,
    client: &mut helpline_client::Client,
    name: &str,
    step: u64,
) -> Value {
    for _ in 0..100 {
        app.clock.advance(Duration::from_secs(step));
        if let Ok(event) = client.event_within(name, Duration::from_millis(300)).await {
            return event;
        }
    }
    panic!("no {name} after 100 steps of {step} s");
}

async fn a_dropped_call_asks_for_a_call_back_then_tells_support(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sue = app.create_account(Role::Support).await;
    let mut staff = app.connect(&sue).await;
    let (seeker, volunteer, s, mut v, conversation) = session(&app).await;
    // The seeker's daughter looks after her (caregivers see open checks).
    let (_, invitation) = app
        .post(
            "/api/caregivers/invitations",
            Some(&seeker.token),
            json!({}),
        )
        .await;
    let kim = app.register("caregiver").await;
    let (code, _) = app
        .post(
            "/api/caregiving/redeem",
            Some(&kim.token),
            json!({"code": invitation["code"]}),
        )
        .await;
    assert_eq!(code, 201);
    let call = answered(&s, &mut v, &conversation).await;
    // The seeker's device is lost: after the grace period the call fails.
    drop(s);
    let back = advance_until(&app, &mut v, "welfare:call_back", 16).await;
    assert_eq!(back["callId"], call["id"], "{back}");
    assert_eq!(back["conversationId"], conversation);
    assert_eq!(back["seeker"]["id"], json!(seeker.id));
    assert_eq!(back["seeker"]["displayName"], seeker.user["displayName"]);
    assert_eq!(back["media"], "voice");
    let (_, none) = app.get("/api/welfare", Some(&sue.token)).await;
    assert_eq!(none, json!([]), "nothing for support while watching");

    // Nobody got back in touch: support gets a task once.
    let told = advance_until(&app, &mut staff, "support:welfare", 60).await;
    let task = told["task"].clone();
    assert_eq!(task["cause"], "call_dropped", "{task}");
    assert_eq!(task["status"], "open");
    assert_eq!(task["seeker"]["id"], json!(seeker.id));
    assert_eq!(task["volunteer"]["id"], json!(volunteer.id));
    assert_eq!(task["conversationId"], conversation);
    app.clock.advance(Duration::from_secs(600));
    assert!(
        staff
            .event_within("support:welfare", Duration::from_millis(300))
            .await
            .is_err(),
        "raised once"
    );

    // The caregiver sees that staff were told, and why — nothing more.
    let (_, looked) = app.get("/api/caregiving", Some(&kim.token)).await;
    let open = &looked[0]["openWelfare"];
    assert_eq!(open.as_array().map(Vec::len), Some(1), "{looked}");
    assert_eq!(open[0]["cause"], "call_dropped");
    assert!(open[0].get("conversationId").is_none());

    // Listing and resolving: support only; a note is required; once.
    let (code, _) = app.get("/api/welfare", Some(&volunteer.token)).await;
    assert_eq!(code, 403);
    let (code, _) = app.get("/api/welfare?status=lost", Some(&sue.token)).await;
    assert_eq!(code, 400);
    let (code, open) = app.get("/api/welfare?status=open", Some(&sue.token)).await;
    assert_eq!((code, open[0]["id"].clone()), (200, task["id"].clone()));
    let id = task["id"].as_str().unwrap();
    let resolve = format!("/api/welfare/{id}/resolve");
    let (code, _) = app
        .post(&resolve, Some(&sue.token), json!({"note": "  "}))
        .await;
    assert_eq!(code, 400);
    let (code, _) = app
        .post(&resolve, Some(&volunteer.token), json!({"note": "x"}))
        .await;
    assert_eq!(code, 403);
    let (code, _) = app
        .post(
            "/api/welfare/no-such/resolve",
            Some(&sue.token),
            json!({"note": "x"}),
        )
        .await;
    assert_eq!(code, 404);
    let (code, done) = app
        .post(
            &resolve,
            Some(&sue.token),
            json!({"note": "Rang her: the tablet's battery died"}),
        )
        .await;
    assert_eq!((code, done["status"].clone()), (200, json!("resolved")));
    assert_eq!(done["resolvedBy"]["id"], json!(sue.id));
    let (code, _) = app
        .post(&resolve, Some(&sue.token), json!({"note": "again"}))
        .await;
    assert_eq!(code, 409);
    let (_, open) = app.get("/api/welfare?status=open", Some(&sue.token)).await;
    assert_eq!(open, json!([]));
    let (_, looked) = app.get("/api/caregiving", Some(&kim.token)).await;
    assert_eq!(looked[0]["openWelfare"], json!([]));
}

async fn a_hang_up_or_a_call_back_raises_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sue = app.create_account(Role::Support).await;
    let mut staff = app.connect(&sue).await;
    let (seeker, _, s, mut v, conversation) = session(&app).await;
    // A hang-up: nothing asked, nothing raised.
    let call = answered(&s, &mut v, &conversation).await;
    ok(s.ack("call:hangup", json!({"callId": call["id"]}))
        .await
        .unwrap());
    v.event("call:ended").await.unwrap();
    assert!(
        v.event_within("welfare:call_back", Duration::from_millis(300))
            .await
            .is_err()
    );
    // A drop, then the volunteer writes: the check is cleared.
    answered(&s, &mut v, &conversation).await;
    drop(s);
    advance_until(&app, &mut v, "welfare:call_back", 16).await;
    ok(v.ack(
        "message:send",
        json!({"conversationId": conversation, "content": "Are you all right?", "clientMessageId": "back"}),
    )
    .await
    .unwrap());
    app.clock
        .advance(Duration::from_secs(app.settings.welfare_after_secs + 60));
    assert!(
        staff
            .event_within("support:welfare", Duration::from_millis(500))
            .await
            .is_err(),
        "in touch again: nothing for support"
    );
    let (_, all) = app.get("/api/welfare", Some(&sue.token)).await;
    assert_eq!(all, json!([]));
    let _ = seeker;
}
