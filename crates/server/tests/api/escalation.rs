//! Escalation: a request nobody has taken after
//! `HELPLINE_ESCALATE_AFTER_SECS` is escalated once; support hears
//! `support:escalation` and the seeker `request:escalated`; only then may
//! a support agent take it, and talk with the seeker like a volunteer.
//! On SQLite and PostgreSQL, with the controllable clock.

use crate::common::{Backend, TestApp, ok, refused};
use helpline_core::user::Role;
use serde_json::json;
use std::time::Duration;

both_backends!(a_waiting_request_reaches_support_who_may_take_it);

async fn a_waiting_request_reaches_support_who_may_take_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let support = app.create_account(Role::Support).await;
    let mut staff = app.connect(&support).await;
    let seeker = app.register("seeker").await;
    let mut s = app.connect(&seeker).await;
    let asked = ok(s
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    let request_id = asked["requestId"].clone();
    s.event("seeker:queued").await.unwrap();

    // Before it is escalated, support may not take it.
    refused(
        &staff
            .ack("volunteer:accept", json!({"requestId": request_id}))
            .await
            .unwrap(),
        "forbidden",
    );
    app.clock
        .advance(Duration::from_secs(app.settings.escalate_after_secs + 1));
    let escalation = staff.event("support:escalation").await.unwrap();
    assert_eq!(escalation["request"]["id"], request_id);
    assert_eq!(escalation["request"]["status"], "pending");
    assert!(
        escalation["request"]["escalatedAt"].is_string(),
        "{escalation}"
    );
    assert_eq!(escalation["seekerDisplayName"], seeker.user["displayName"]);
    let told = s.event("request:escalated").await.unwrap();
    assert_eq!(told["requestId"], request_id);
    let status = ok(s.ack("request:status", json!({})).await.unwrap());
    assert!(status["request"]["escalatedAt"].is_string(), "{status}");

    // Once only, however long it waits.
    app.clock.advance(Duration::from_secs(60));
    assert!(
        staff
            .event_within("support:escalation", Duration::from_millis(300))
            .await
            .is_err(),
        "escalated twice"
    );

    // Support takes it and they talk.
    let taken = ok(staff
        .ack("volunteer:accept", json!({"requestId": request_id}))
        .await
        .unwrap());
    let conversation = taken["conversationId"].clone();
    let started = s.event("session:started").await.unwrap();
    assert_eq!(started["volunteerId"], json!(support.id));
    ok(staff
        .ack(
            "message:send",
            json!({"conversationId": conversation, "content": "I'm Sam from the team. How are you?", "clientMessageId": "c1"}),
        )
        .await
        .unwrap());
    loop {
        let message = s.event("message:new").await.unwrap();
        if message["senderId"] == json!(support.id) {
            break;
        }
    }
}
