//! The wellbeing cap: a volunteer who has taken
//! `HELPLINE_MAX_EMOTIONAL_SESSIONS_PER_DAY` emotional-support sessions in
//! the last 24 hours is not offered another (other topics still reach
//! them), may not take one (`conflict`) or be asked for one by name, and
//! is offered them again a day later. `GET /api/me/week` sums a
//! volunteer's last seven days and suggests rest past
//! `HELPLINE_WEEKLY_HOURS_HINT`. After an emotional chat or a resolved
//! safety alert the volunteer is offered a debrief with staff. On SQLite and PostgreSQL, with the
//! controllable clock.

use crate::common::{Backend, TestApp, ok, refused};
use serde_json::{Value, json};
use std::time::Duration;

both_backends!(
    a_volunteer_rests_after_the_days_emotional_sessions,
    a_volunteers_week_suggests_rest,
    hard_sessions_end_with_a_debrief_offered,
);

async fn ask(client: &helpline_client::Client, topic: &str) -> Value {
    ok(client
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "topic": topic}),
        )
        .await
        .unwrap())
}

async fn a_volunteer_rests_after_the_days_emotional_sessions(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.max_emotional_sessions_per_day = 1;
        s.max_active_chats = 0;
        // Tokens outlive the day the test moves the clock by.
        s.token_ttl_secs = 7 * 24 * 3600;
    })
    .await;
    let vic = app.register("volunteer").await;
    let mut v = app.connect(&vic).await;
    let (ann, bea, cy) = (
        app.register("seeker").await,
        app.register("seeker").await,
        app.register("seeker").await,
    );
    let (a, b, c) = (
        app.connect(&ann).await,
        app.connect(&bea).await,
        app.connect(&cy).await,
    );
    let first = ask(&a, "emotional").await;
    assert_eq!(first["onlineVolunteers"], 1);
    v.event("seeker:incoming").await.unwrap();
    ok(
        v.ack("volunteer:accept", json!({"requestId": first["requestId"]}))
            .await
            .unwrap(),
    );

    // The day's one session is done: the next emotional request does not
    // reach Vic, nor may she take it; a daily one still reaches her.
    let second = ask(&b, "emotional").await;
    assert_eq!(second["onlineVolunteers"], 0, "{second}");
    refused(
        &v.ack(
            "volunteer:accept",
            json!({"requestId": second["requestId"]}),
        )
        .await
        .unwrap(),
        "conflict",
    );
    refused(
        &c.ack(
            "seeker:request",
            json!({"requestType": "chat", "topic": "emotional", "volunteerId": vic.id}),
        )
        .await
        .unwrap(),
        "conflict",
    );
    let daily = ask(&c, "daily").await;
    assert_eq!(daily["onlineVolunteers"], 1);
    let offer = v.event("seeker:incoming").await.unwrap();
    assert_eq!(offer["requestId"], daily["requestId"]);

    // A day after her session she may take emotional requests again.
    app.clock.advance(Duration::from_secs(24 * 3600));
    let dot = app.register("seeker").await;
    let d = app.connect(&dot).await;
    let again = ask(&d, "emotional").await;
    assert_eq!(again["onlineVolunteers"], 1, "{again}");
}

async fn a_volunteers_week_suggests_rest(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.weekly_hours_hint = 1;
        s.token_ttl_secs = 30 * 24 * 3600;
    })
    .await;
    let vic = app.register("volunteer").await;
    let mut v = app.connect(&vic).await;
    let ann = app.register("seeker").await;
    let a = app.connect(&ann).await;
    let week = |token: String| {
        let app = &app;
        async move { app.get("/api/me/week", Some(&token)).await }
    };
    let (code, empty) = week(vic.token.clone()).await;
    assert_eq!(code, 200, "{empty}");
    assert_eq!(
        empty,
        json!({"sessions": 0, "emotionalSessions": 0, "minutes": 0, "weeklyHoursHint": 1, "restSuggested": false})
    );
    let (code, _) = week(ann.token.clone()).await;
    assert_eq!(code, 403);

    let asked = ask(&a, "emotional").await;
    v.event("seeker:incoming").await.unwrap();
    let taken = ok(v
        .ack("volunteer:accept", json!({"requestId": asked["requestId"]}))
        .await
        .unwrap());
    app.clock.advance(Duration::from_secs(30 * 60));
    let (_, half) = week(vic.token.clone()).await;
    assert_eq!(
        (
            half["sessions"].clone(),
            half["minutes"].clone(),
            half["restSuggested"].clone()
        ),
        (json!(1), json!(30), json!(false))
    );
    app.clock.advance(Duration::from_secs(31 * 60));
    ok(v.ack(
        "chat:end",
        json!({"conversationId": taken["conversationId"]}),
    )
    .await
    .unwrap());
    app.clock.advance(Duration::from_secs(3600));
    let (_, past) = week(vic.token.clone()).await;
    assert_eq!(
        past,
        json!({"sessions": 1, "emotionalSessions": 1, "minutes": 61, "weeklyHoursHint": 1, "restSuggested": true}),
        "ended chats stop counting time"
    );
    app.clock.advance(Duration::from_secs(7 * 24 * 3600));
    let (_, later) = week(vic.token.clone()).await;
    assert_eq!(later["sessions"], 0, "{later}");
}

async fn hard_sessions_end_with_a_debrief_offered(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sue = app.create_account(helpline_core::user::Role::Support).await;
    let mut staff = app.connect(&sue).await;
    let vic = app.register("volunteer").await;
    let mut v = app.connect(&vic).await;
    let ann = app.register("seeker").await;
    let mut a = app.connect(&ann).await;

    // A daily chat ends: no debrief.
    let daily = ask(&a, "daily").await;
    v.event("seeker:incoming").await.unwrap();
    let taken = ok(v
        .ack("volunteer:accept", json!({"requestId": daily["requestId"]}))
        .await
        .unwrap());
    ok(a.ack(
        "chat:end",
        json!({"conversationId": taken["conversationId"]}),
    )
    .await
    .unwrap());
    v.event("chat:ended").await.unwrap();
    assert!(
        v.event_within("wellbeing:debrief", Duration::from_millis(300))
            .await
            .is_err()
    );

    // An emotional one: offered, whoever ends it.
    let hard = ask(&a, "emotional").await;
    v.event("seeker:incoming").await.unwrap();
    let taken = ok(v
        .ack("volunteer:accept", json!({"requestId": hard["requestId"]}))
        .await
        .unwrap());
    ok(a.ack(
        "chat:end",
        json!({"conversationId": taken["conversationId"]}),
    )
    .await
    .unwrap());
    let offered = v.event("wellbeing:debrief").await.unwrap();
    assert_eq!(
        offered,
        json!({"reason": "emotional", "conversationId": taken["conversationId"]})
    );

    // One tap opens a conversation with staff, with a note.
    let (code, _) = app
        .post("/api/me/debrief", Some(&ann.token), json!({}))
        .await;
    assert_eq!(code, 403);
    let (code, opened) = app
        .post("/api/me/debrief", Some(&vic.token), json!({}))
        .await;
    assert_eq!(code, 200, "{opened}");
    assert_eq!(opened["staff"]["id"], json!(sue.id));
    let started = staff.event("conversation:started").await.unwrap();
    assert_eq!(
        started["conversation"]["id"], opened["conversationId"],
        "{started}"
    );
    let note = staff.event("message:new").await.unwrap();
    assert_eq!(note["type"], "system");
    assert!(
        note["content"]
            .as_str()
            .unwrap_or_default()
            .contains("would like to talk over a hard session"),
        "{note}"
    );

    // A resolved alert in a chat Vic was part of: offered too.
    let third = ask(&a, "daily").await;
    v.event("seeker:incoming").await.unwrap();
    let taken = ok(v
        .ack("volunteer:accept", json!({"requestId": third["requestId"]}))
        .await
        .unwrap());
    let raised = ok(a
        .ack(
            "safety:alert",
            json!({"conversationId": taken["conversationId"]}),
        )
        .await
        .unwrap());
    let path = format!(
        "/api/alerts/{}/resolve",
        raised["alert"]["id"].as_str().unwrap_or_default()
    );
    let (code, _) = app
        .post(&path, Some(&sue.token), json!({"note": "Talked to Ann"}))
        .await;
    assert_eq!(code, 200);
    let offered = v.event("wellbeing:debrief").await.unwrap();
    assert_eq!(offered["reason"], "alert");
    a.event("safety:resolved").await.unwrap();
}
