//! Every client event fed bad input answers `invalid` (or `forbidden` for
//! a role that may not send it at all), changes nothing, and leaves the
//! connection working.

#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod common;

use common::{Backend, TestApp, ok, refused, session};
use serde_json::{Value, json};

fn deep(levels: usize) -> String {
    format!("{}1{}", "[".repeat(levels), "]".repeat(levels))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_refuses_bad_input_and_the_connection_survives() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (seeker, volunteer) = (
        app.register("seeker").await,
        app.register("volunteer").await,
    );
    let v = app.connect(&volunteer).await;
    let s = app.connect(&seeker).await;
    let request = ok(s
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "volunteerId": volunteer.id}),
        )
        .await
        .unwrap());
    let conversation = ok(v
        .ack(
            "volunteer:accept",
            json!({"requestId": request["requestId"]}),
        )
        .await
        .unwrap())["conversationId"]
        .clone();
    let long = "x".repeat(4001);
    let cases: Vec<(&str, &str, Value)> = vec![
        ("s", "seeker:request", json!({})),
        ("s", "seeker:request", json!({"requestType": 1})),
        ("s", "seeker:request", json!({"requestType": "fax"})),
        (
            "s",
            "seeker:request",
            json!({"requestType": "chat", "topic": 3}),
        ),
        (
            "s",
            "seeker:request",
            json!({"requestType": "chat", "note": "n".repeat(501)}),
        ),
        (
            "s",
            "seeker:request",
            json!({"requestType": "chat", "volunteerId": {"$ne": null}}),
        ),
        ("s", "seeker:request", json!("chat")),
        ("s", "seeker:request", json!([1, 2])),
        ("s", "request:cancel", json!({"requestId": 5})),
        ("s", "request:cancel", json!({"requestId": ""})),
        ("s", "request:status", json!({"requestId": ["x"]})),
        ("v", "volunteer:accept", json!({})),
        ("v", "volunteer:accept", json!({"requestId": true})),
        (
            "v",
            "volunteer:accept",
            json!({"requestId": "x".repeat(200)}),
        ),
        ("v", "volunteer:reject", json!({})),
        ("v", "volunteer:availability", json!({"status": 1})),
        ("v", "volunteer:availability", json!({})),
        (
            "s",
            "message:send",
            json!({"conversationId": conversation, "content": long, "clientMessageId": "a"}),
        ),
        (
            "s",
            "message:send",
            json!({"conversationId": conversation, "content": "", "clientMessageId": "a"}),
        ),
        (
            "s",
            "message:send",
            json!({"conversationId": conversation, "content": 12, "clientMessageId": "a"}),
        ),
        (
            "s",
            "message:send",
            json!({"conversationId": conversation, "content": "hi"}),
        ),
        (
            "s",
            "message:send",
            json!({"conversationId": conversation, "content": "hi", "clientMessageId": "c".repeat(65)}),
        ),
        (
            "s",
            "message:send",
            json!({"conversationId": conversation, "content": "hi", "clientMessageId": "a", "type": "system"}),
        ),
        (
            "s",
            "message:send",
            json!({"conversationId": conversation, "content": {"nested": {"deep": [1]}}, "clientMessageId": "a"}),
        ),
        (
            "s",
            "message:send",
            json!({"content": "hi", "clientMessageId": "a"}),
        ),
        ("s", "message:sync", json!({"conversationId": conversation})),
        (
            "s",
            "message:sync",
            json!({"conversationId": conversation, "afterSeq": -1}),
        ),
        (
            "s",
            "message:sync",
            json!({"conversationId": conversation, "afterSeq": 0, "limit": 501}),
        ),
        (
            "s",
            "message:sync",
            json!({"conversationId": conversation, "afterSeq": 1.5}),
        ),
        ("s", "typing:start", json!({"conversationId": null})),
        ("s", "typing:stop", json!({"conversationId": 1})),
        (
            "s",
            "message:read",
            json!({"conversationId": conversation, "upToSeq": "3"}),
        ),
        ("s", "message:read", json!({"conversationId": conversation})),
        ("s", "chat:end", json!({})),
        ("s", "chat:end", json!({"conversationId": false})),
        ("s", "conversation:start", json!({})),
        ("s", "conversation:start", json!({"participantId": ["x"]})),
        (
            "s",
            "message:edit",
            json!({"conversationId": conversation, "messageId": 1, "content": "x"}),
        ),
        (
            "s",
            "message:edit",
            json!({"conversationId": conversation, "messageId": "m"}),
        ),
        (
            "s",
            "message:delete",
            json!({"conversationId": conversation}),
        ),
        (
            "s",
            "message:react",
            json!({"conversationId": conversation, "messageId": "m", "emoji": {"x": 1}}),
        ),
        (
            "s",
            "message:send",
            json!({"conversationId": conversation, "content": "hi", "clientMessageId": "a", "replyToId": 3}),
        ),
        (
            "s",
            "conversation:settings",
            json!({"conversationId": conversation, "autoDeleteSecs": "1h"}),
        ),
        ("s", "conversation:settings", json!({"autoDeleteSecs": 30})),
        (
            "s",
            "message:send",
            json!({"conversationId": conversation, "content": "hi", "clientMessageId": "a", "expiresInSecs": -5}),
        ),
        ("s", "no:such:event", json!({})),
    ];
    for (who, event, payload) in &cases {
        let client = if *who == "s" { &s } else { &v };
        refused(
            &client.ack(event, payload.clone()).await.unwrap(),
            "invalid",
        );
    }
    // Malformed frames: deep nesting, a non-object argument, invalid JSON.
    for raw in [
        format!(r#"["message:send",{}]"#, deep(5000)),
        format!(
            r#"["message:send",{{"conversationId":"c","content":{}}}]"#,
            deep(200)
        ),
        r#"["message:send","just a string"]"#.to_owned(),
        r#"["message:send",42]"#.to_owned(),
    ] {
        refused(&s.ack_raw(&raw).await.unwrap(), "invalid");
    }
    // Nothing changed, and both connections still work.
    let sync = ok(s
        .ack(
            "message:sync",
            json!({"conversationId": conversation, "afterSeq": 1}),
        )
        .await
        .unwrap());
    assert_eq!(
        sync["messages"],
        json!([]),
        "no bad message was stored after the accepted notice"
    );
    let sent = ok(s.ack("message:send", json!({"conversationId": conversation, "content": "still here", "clientMessageId": "ok"})).await.unwrap());
    assert_eq!(sent["message"]["seq"], 2);
    ok(v.ack(
        "message:send",
        json!({"conversationId": conversation, "content": "me too", "clientMessageId": "ok"}),
    )
    .await
    .unwrap());
    ok(s.ack("request:status", json!({})).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_refuses_bad_bodies() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    for (body, status, code) in [
        (
            json!({"username": "ab", "password": "password123", "displayName": "A", "role": "seeker"}),
            400,
            "invalid",
        ),
        (
            json!({"username": "Upper", "password": "password123", "displayName": "A", "role": "seeker"}),
            400,
            "invalid",
        ),
        (
            json!({"username": "anna", "password": "short", "displayName": "A", "role": "seeker"}),
            400,
            "invalid",
        ),
        (
            json!({"username": "anna", "password": "password123", "displayName": " ", "role": "seeker"}),
            400,
            "invalid",
        ),
        (
            json!({"username": "anna", "password": "password123", "displayName": "A", "role": "support"}),
            400,
            "invalid",
        ),
        (
            json!({"username": "anna", "password": "password123", "displayName": "A", "role": "seeker", "languages": "en"}),
            400,
            "invalid",
        ),
        (json!([]), 400, "invalid"),
    ] {
        let (got, answer) = app.post("/api/auth/register", None, body.clone()).await;
        assert_eq!(
            (got, answer["error"]["code"].clone()),
            (status, json!(code)),
            "{body}"
        );
    }
    let good = json!({"username": "anna", "password": "password123", "displayName": "Anna", "role": "volunteer", "languages": ["en", "fr"]});
    let (status, created) = app.post("/api/auth/register", None, good.clone()).await;
    assert_eq!(status, 201);
    assert_eq!(created["user"]["languages"], json!(["en", "fr"]));
    assert!(
        created["user"]["createdAt"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    let (status, taken) = app.post("/api/auth/register", None, good).await;
    assert_eq!(
        (status, taken["error"]["code"].clone()),
        (409, json!("username_taken"))
    );
    let (status, wrong) = app
        .post(
            "/api/auth/login",
            None,
            json!({"username": "anna", "password": "wrongpass1"}),
        )
        .await;
    assert_eq!(
        (status, wrong["error"]["code"].clone()),
        (401, json!("invalid_credentials"))
    );
    let (status, _) = app
        .post(
            "/api/auth/login",
            None,
            json!({"username": "nobody", "password": "password123"}),
        )
        .await;
    assert_eq!(status, 401);
    let (status, login) = app
        .post(
            "/api/auth/login",
            None,
            json!({"username": "anna", "password": "password123"}),
        )
        .await;
    assert_eq!(
        (status, login["user"]["role"].clone()),
        (200, json!("volunteer"))
    );
    let response = app
        .http
        .post(format!("{}/api/auth/login", app.base))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let huge = "x".repeat(100_000);
    let response = app
        .http
        .post(format!("{}/api/auth/login", app.base))
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    let (status, missing) = app.get("/api/nothing", None).await;
    assert_eq!(
        (status, missing["error"]["code"].clone()),
        (404, json!("not_found"))
    );
}

/// A NUL character is `invalid` wherever it comes in (an event's text or
/// id, a REST body, a URL's path or query), the same on both backends
/// (PostgreSQL cannot store one), and nothing is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nul_characters_are_invalid_on_both_backends() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = TestApp::spawn(backend).await;
        let (seeker, _, s, _v, conversation) = session(&app).await;
        let conversation = conversation.as_str().unwrap().to_owned();
        for payload in [
            json!({"conversationId": conversation, "content": "a\u{0}b", "clientMessageId": "m1"}),
            json!({"conversationId": conversation, "content": "hi", "clientMessageId": "m\u{0}"}),
            json!({"conversationId": format!("{conversation}\u{0}"), "content": "hi", "clientMessageId": "m2"}),
        ] {
            refused(&s.ack("message:send", payload).await.unwrap(), "invalid");
        }
        let body = json!({"username": "nul", "password": "password123", "displayName": "A\u{0}", "role": "seeker"});
        let (status, answer) = app.post("/api/auth/register", None, body).await;
        assert_eq!(
            (status, answer["error"]["code"].clone()),
            (400, json!("invalid"))
        );
        for path in [
            format!("/api/conversations/{conversation}%00/messages"),
            "/api/search?q=a%00b".to_owned(),
        ] {
            let (status, answer) = app.get(&path, Some(&seeker.token)).await;
            assert_eq!(
                (status, answer["error"]["code"].clone()),
                (400, json!("invalid")),
                "{path}"
            );
        }
        let sent = ok(s
            .ack(
                "message:send",
                json!({"conversationId": conversation, "content": "fine", "clientMessageId": "m1"}),
            )
            .await
            .unwrap());
        assert_eq!(sent["message"]["seq"], 2, "nothing was stored before it");
    }
}
