//! Calls beyond the lifecycle, on both backends: calls started by voice
//! requests, ICE servers with TURN credentials, call records and stats.

use crate::common::calls::invite;
use crate::common::{Backend, TestApp, ok, refused, session};
use serde_json::{Value, json};

both_backends!(
    voice_request_starts_an_accepted_call,
    ice_servers_and_records_for_participants_only,
    stats_are_stored_once_per_side,
);

async fn voice_request_starts_an_accepted_call(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, volunteer) = (
        app.register("seeker").await,
        app.register("volunteer").await,
    );
    let mut v = app.connect(&volunteer).await;
    let mut s = app.connect(&seeker).await;
    let s2 = app.connect(&seeker).await;
    let request = ok(s
        .ack(
            "seeker:request",
            json!({"requestType": "voice", "volunteerId": volunteer.id}),
        )
        .await
        .unwrap());
    ok(v.ack(
        "volunteer:accept",
        json!({"requestId": request["requestId"]}),
    )
    .await
    .unwrap());
    let started = s.event("session:started").await.unwrap();
    assert_eq!(started["requestType"], "voice");
    assert_eq!(started["seniorId"], json!(seeker.id));
    let call_id = started["callId"].clone();
    assert!(call_id.is_string(), "{started}");
    assert_eq!(v.event("session:started").await.unwrap()["callId"], call_id);
    let conv = started["conversationId"].as_str().unwrap();
    let (_, body) = app
        .get(
            &format!("/api/calls?conversationId={conv}"),
            Some(&volunteer.token),
        )
        .await;
    let call = &body["calls"][0];
    assert_eq!(
        (call["id"].clone(), call["status"].clone()),
        (call_id.clone(), json!("active"))
    );
    assert_eq!(call["callerId"], json!(seeker.id));
    // The volunteer's device cannot signal before the seeker's device offers.
    refused(
        &v.ack("webrtc:answer", json!({"callId": call_id, "sdp": "early"}))
            .await
            .unwrap(),
        "forbidden",
    );
    ok(s.ack(
        "webrtc:offer",
        json!({"callId": call_id, "sdp": "v=0 offer"}),
    )
    .await
    .unwrap());
    assert_eq!(
        v.event("webrtc:offer").await.unwrap(),
        json!({"callId": call_id, "sdp": "v=0 offer"})
    );
    refused(
        &s2.ack("webrtc:offer", json!({"callId": call_id, "sdp": "other"}))
            .await
            .unwrap(),
        "forbidden",
    );
    ok(v.ack(
        "webrtc:answer",
        json!({"callId": call_id, "sdp": "v=0 answer"}),
    )
    .await
    .unwrap());
    assert_eq!(s.event("webrtc:answer").await.unwrap()["sdp"], "v=0 answer");
    // A chat request has no call.
    let (_, _, mut chat, _, _) = session(&app).await;
    let started = chat.event("session:started").await.unwrap();
    assert!(started.get("callId").is_none(), "{started}");
}

async fn ice_servers_and_records_for_participants_only(backend: Backend) {
    let app = TestApp::spawn_with(backend, |settings| {
        settings.calls.stun_urls = vec!["stun:127.0.0.1:3478".into()];
        settings.calls.turn_urls = vec!["turn:127.0.0.1:3478?transport=udp".into()];
        settings.calls.turn_secret = Some("turn-shared-secret".into());
        settings.calls.turn_ttl_secs = 600;
    })
    .await;
    let (seeker, _, s, mut v, conversation) = session(&app).await;
    let call = invite(&s, &conversation, "voice").await;
    let path = format!("/api/calls/{}/ice-servers", call["id"].as_str().unwrap());
    let (status, body) = app.get(&path, Some(&seeker.token)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ttlSecs"], 600);
    assert_eq!(
        body["iceServers"][0],
        json!({"urls": ["stun:127.0.0.1:3478"]})
    );
    let turn = &body["iceServers"][1];
    let username = turn["username"].as_str().unwrap();
    let (expiry, user) = username.split_once(':').unwrap();
    assert_eq!(user, seeker.id);
    let expiry: i64 = expiry.parse().unwrap();
    let (_, expected) = helpline_server::calls::ice::turn_credentials(
        "turn-shared-secret",
        &helpline_core::UserId::from_trusted(&seeker.id),
        expiry,
    );
    assert_eq!(turn["credential"], json!(expected));
    let stranger = app.register("volunteer").await;
    assert_eq!(app.get(&path, Some(&stranger.token)).await.0, 404);
    assert_eq!(app.get(&path, None).await.0, 401);
    assert_eq!(
        app.get("/api/calls/nope/ice-servers", Some(&seeker.token))
            .await
            .0,
        404
    );
    let conv = conversation.as_str().unwrap();
    assert_eq!(
        app.get(
            &format!("/api/calls?conversationId={conv}"),
            Some(&stranger.token)
        )
        .await
        .0,
        404
    );
    assert_eq!(app.get("/api/calls", Some(&seeker.token)).await.0, 400);
    ok(s.ack("call:cancel", json!({"callId": call["id"]}))
        .await
        .unwrap());
    v.event("call:ended").await.unwrap();
    assert_eq!(
        app.get(&path, Some(&seeker.token)).await.0,
        404,
        "only live calls"
    );
}

async fn stats_are_stored_once_per_side(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, _, s, mut v, conversation) = session(&app).await;
    let call = invite(&s, &conversation, "voice").await;
    v.event("call:incoming").await.unwrap();
    let report = json!({"callId": call["id"], "rttMs": 38.5, "jitterMs": 2, "packetsLost": 3, "bytesSent": 1950000, "bytesReceived": 1930000});
    refused(
        &s.ack("call:stats", report.clone()).await.unwrap(),
        "conflict",
    );
    ok(v.ack("call:accept", json!({"callId": call["id"]}))
        .await
        .unwrap());
    ok(s.ack("call:hangup", json!({"callId": call["id"]}))
        .await
        .unwrap());
    for bad in [
        json!({"callId": call["id"]}),
        json!({"callId": call["id"], "rttMs": -1}),
        json!({"callId": call["id"], "bytesSent": "9"}),
    ] {
        refused(&s.ack("call:stats", bad).await.unwrap(), "invalid");
    }
    let stranger = app.register("seeker").await;
    refused(
        &app.connect(&stranger)
            .await
            .ack("call:stats", report.clone())
            .await
            .unwrap(),
        "not_found",
    );
    let stored = ok(s.ack("call:stats", report.clone()).await.unwrap());
    assert_eq!(
        stored["call"]["stats"]["caller"],
        json!({"rttMs": 38.5, "jitterMs": 2.0, "packetsLost": 3, "bytesSent": 1950000, "bytesReceived": 1930000})
    );
    assert_eq!(stored["call"]["stats"]["callee"], Value::Null);
    refused(&s.ack("call:stats", report).await.unwrap(), "conflict");
    ok(v.ack(
        "call:stats",
        json!({"callId": call["id"], "packetsReceived": 12000}),
    )
    .await
    .unwrap());
    let conv = conversation.as_str().unwrap();
    let (_, body) = app
        .get(
            &format!("/api/calls?conversationId={conv}"),
            Some(&seeker.token),
        )
        .await;
    assert_eq!(
        body["calls"][0]["stats"]["callee"],
        json!({"packetsReceived": 12000})
    );
    assert_eq!(body["calls"][0]["stats"]["caller"]["rttMs"], 38.5);
}
