//! Rate limits through the real edges: a user who sends events or REST
//! requests faster than the allowance gets `rate_limited` (429) and nothing
//! changes; a username with
//! too many failed logins answers 429 — even with the right password — until
//! the allowance refills; a socket is disconnected when its token expires.
//! Time moves with the server's clock, not sleeps.

use crate::common::{Backend, TestApp, ok, refused, session};
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_sending_too_fast_is_refused_until_the_allowance_refills() {
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| {
        // One event per 1000 s: real time passing during the test refills nothing.
        settings.rate_events_per_sec = 0.001;
        settings.rate_events_burst = 4;
    })
    .await;
    // session() spends one event of each side (request, accept); the seeker
    // has three left.
    let (seeker, volunteer, s, _v, conversation) = session(&app).await;
    let send = |text: &str| json!({"conversationId": conversation, "content": text, "clientMessageId": crate::common::unique("m")});
    ok(s.ack("message:send", send("one")).await.unwrap());
    ok(s.ack("message:send", send("two")).await.unwrap());
    ok(s.ack(
        "message:read",
        json!({"conversationId": conversation, "upToSeq": 2}),
    )
    .await
    .unwrap());
    refused(
        &s.ack("message:send", send("too fast")).await.unwrap(),
        "rate_limited",
    );
    // The allowance is the user's, not the socket's.
    let second_device = app.connect(&seeker).await;
    refused(
        &second_device
            .ack("message:send", send("other tab"))
            .await
            .unwrap(),
        "rate_limited",
    );
    // REST requests draw on the same allowance.
    let (status, body) = app.get("/api/conversations", Some(&seeker.token)).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (429, &json!("rate_limited"))
    );
    // Nothing refused was stored.
    let path = format!(
        "/api/conversations/{}/messages",
        conversation.as_str().unwrap()
    );
    let (status, page) = app.get(&path, Some(&volunteer.token)).await;
    assert_eq!(status, 200);
    let contents: Vec<_> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["type"] == "text")
        .map(|m| m["content"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(contents, ["one", "two"]);
    // 1000 s later there is one token again; the connection survived.
    app.clock.advance(Duration::from_secs(1000));
    ok(s.ack("message:send", send("three")).await.unwrap());
    refused(
        &s.ack("message:send", send("again too fast")).await.unwrap(),
        "rate_limited",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_lock_a_username_for_a_while() {
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.login_attempts = 2;
    })
    .await;
    let ann = app.register("seeker").await;
    let bob = app.register("seeker").await;
    let (ann_name, bob_name) = (
        ann.user["username"].as_str().unwrap().to_owned(),
        bob.user["username"].as_str().unwrap().to_owned(),
    );
    let login = |username: &str, password: &str| {
        app.post(
            "/api/auth/login",
            None,
            json!({"username": username, "password": password}),
        )
    };
    for _ in 0..2 {
        let (status, body) = login(&ann_name, "wrong-password").await;
        assert_eq!(status, 401);
        assert_eq!(body["error"]["code"], "invalid_credentials");
    }
    // Locked: even the right password is refused, so guessing learns nothing.
    let (status, body) = login(&ann_name, "password123").await;
    assert_eq!(status, 429);
    assert_eq!(body["error"]["code"], "rate_limited");
    let (status, body) = login(&ann_name.to_uppercase(), "password123").await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (429, &json!("rate_limited"))
    );
    // Other usernames are not affected.
    let (status, _) = login(&bob_name, "password123").await;
    assert_eq!(status, 200);
    // Half the window refills one attempt (2 per 15 minutes).
    app.clock.advance(Duration::from_secs(7 * 60 + 31));
    let (status, body) = login(&ann_name, "password123").await;
    assert_eq!(status, 200, "{body}");
    assert!(body["token"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_is_disconnected_when_its_token_expires() {
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.token_ttl_secs = 60;
    })
    .await;
    let seeker = app.register("seeker").await;
    let mut expiring = app.connect(&seeker).await;
    app.clock.advance(Duration::from_secs(30));
    // A token issued now lives 30 s longer than the first one.
    let later = app.register("seeker").await;
    let mut lasting = app.connect(&later).await;
    ok(expiring.ack("request:status", json!({})).await.unwrap());
    app.clock.advance(Duration::from_secs(31));
    expiring.event("auth:expired").await.unwrap();
    assert!(
        expiring.event("anything").await.is_err(),
        "the server closes the socket after auth:expired"
    );
    // The later token is still valid: that socket stays and answers.
    ok(lasting.ack("request:status", json!({})).await.unwrap());
    assert!(lasting.drain("auth:expired").is_empty());
    // The expired token is refused at the handshake and on REST...
    let refused = helpline_client::Client::connect(&app.base, json!({"token": seeker.token})).await;
    assert!(refused.is_err(), "an expired token must not connect");
    let (status, _) = app.get("/api/me", Some(&seeker.token)).await;
    assert_eq!(status, 401);
    // ...and a fresh one from /api/auth/login connects again.
    let (status, body) = app
        .post(
            "/api/auth/login",
            None,
            json!({"username": seeker.user["username"], "password": "password123"}),
        )
        .await;
    assert_eq!(status, 200);
    let renewed = crate::common::Account {
        token: body["token"].as_str().unwrap().to_owned(),
        ..seeker.clone()
    };
    let again = app.connect(&renewed).await;
    ok(again.ack("request:status", json!({})).await.unwrap());
    app.clock.advance(Duration::from_secs(30));
    lasting.event("auth:expired").await.unwrap();
}
