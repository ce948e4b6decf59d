//! WebRTC signaling relay on both backends: offers, answers and candidates
//! pass only between the caller's inviting device and the accepting device
//! while the call is active, renegotiation included; everyone else gets
//! `forbidden` and nothing is relayed; oversized fields are `invalid`.

use crate::common::{Backend, TestApp, ok, refused, session};
use serde_json::json;

both_backends!(
    relay_only_between_the_two_devices,
    a_device_that_comes_back_takes_its_call
);

async fn relay_only_between_the_two_devices(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, volunteer, mut s, mut v, conversation) = session(&app).await;
    let mut s2 = app.connect(&seeker).await;
    let mut v2 = app.connect(&volunteer).await;
    let stranger = app.register("seeker").await;
    let x = app.connect(&stranger).await;
    let call = ok(s
        .ack(
            "call:invite",
            json!({"conversationId": conversation, "media": "voice"}),
        )
        .await
        .unwrap())["call"]
        .clone();
    let id = call["id"].clone();
    let offer = |sdp: &str| json!({"callId": id, "sdp": sdp});
    refused(
        &s.ack("webrtc:offer", offer("ringing")).await.unwrap(),
        "forbidden",
    );
    v.event("call:incoming").await.unwrap();
    ok(v.ack("call:accept", json!({"callId": id})).await.unwrap());
    v2.event("call:answered_elsewhere").await.unwrap();

    // Everyone but the two devices is refused.
    refused(
        &v2.ack("webrtc:answer", offer("other callee device"))
            .await
            .unwrap(),
        "forbidden",
    );
    refused(
        &s2.ack("webrtc:offer", offer("other caller device"))
            .await
            .unwrap(),
        "forbidden",
    );
    refused(
        &x.ack("webrtc:offer", offer("stranger")).await.unwrap(),
        "forbidden",
    );
    refused(
        &x.ack("webrtc:offer", json!({"callId": "nope", "sdp": "x"}))
            .await
            .unwrap(),
        "forbidden",
    );
    // Size limits.
    let big = "a".repeat(64 * 1024 + 1);
    refused(
        &s.ack("webrtc:offer", offer(&big)).await.unwrap(),
        "invalid",
    );
    let fat = json!({"callId": id, "candidate": {"candidate": "c".repeat(2100)}});
    refused(&s.ack("webrtc:ice", fat).await.unwrap(), "invalid");
    refused(
        &s.ack("webrtc:ice", json!({"callId": id, "candidate": "text"}))
            .await
            .unwrap(),
        "invalid",
    );
    refused(
        &s.ack("webrtc:offer", json!({"callId": id})).await.unwrap(),
        "invalid",
    );

    // The two devices: offer, answer, candidates both ways.
    let max = "o".repeat(64 * 1024);
    ok(s.ack("webrtc:offer", offer(&max)).await.unwrap());
    let got = v.event("webrtc:offer").await.unwrap();
    assert_eq!(
        got["sdp"].as_str().unwrap().len(),
        64 * 1024,
        "the first offer to arrive is the allowed one"
    );
    assert_eq!(got["callId"], id);
    ok(v.ack("webrtc:answer", offer("v=0 answer")).await.unwrap());
    // The device that accepted was not told the call was answered elsewhere
    // (it would have arrived before this ack).
    assert!(v.drain("call:answered_elsewhere").is_empty());
    assert_eq!(s.event("webrtc:answer").await.unwrap(), offer("v=0 answer"));
    let candidate = json!({"candidate": "candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host", "sdpMid": "0", "sdpMLineIndex": 0, "usernameFragment": "abcd"});
    ok(
        s.ack("webrtc:ice", json!({"callId": id, "candidate": candidate}))
            .await
            .unwrap(),
    );
    assert_eq!(
        v.event("webrtc:ice").await.unwrap(),
        json!({"callId": id, "candidate": candidate})
    );
    ok(
        v.ack("webrtc:ice", json!({"callId": id, "candidate": candidate}))
            .await
            .unwrap(),
    );
    assert_eq!(s.event("webrtc:ice").await.unwrap()["candidate"], candidate);
    // Renegotiation (adding video, ICE restart): the same events again.
    ok(v.ack("webrtc:offer", offer("v=0 renegotiate"))
        .await
        .unwrap());
    assert_eq!(
        s.event("webrtc:offer").await.unwrap()["sdp"],
        "v=0 renegotiate"
    );
    ok(s.ack("webrtc:answer", offer("v=0 re-answer"))
        .await
        .unwrap());
    assert_eq!(
        v.event("webrtc:answer").await.unwrap()["sdp"],
        "v=0 re-answer"
    );

    ok(v.ack("call:hangup", json!({"callId": id})).await.unwrap());
    refused(
        &s.ack("webrtc:offer", offer("after the end")).await.unwrap(),
        "forbidden",
    );
    refused(
        &v.ack("webrtc:ice", json!({"callId": id, "candidate": candidate}))
            .await
            .unwrap(),
        "forbidden",
    );
    // call:ended reaches every device after anything relayed before it, so
    // what the other devices hold now is all they were ever sent.
    for device in [&mut s, &mut s2, &mut v, &mut v2] {
        device.event("call:ended").await.unwrap();
    }
    for device in [&mut s2, &mut v2] {
        for name in ["webrtc:offer", "webrtc:answer", "webrtc:ice"] {
            assert!(
                device.drain(name).is_empty(),
                "{name} leaked to another device"
            );
        }
    }
    assert!(
        v.drain("webrtc:offer").is_empty(),
        "nothing else reached the accepting device"
    );
    assert!(s.drain("webrtc:answer").is_empty());
}

/// A device that lost its connection (or a reloaded app) takes its call
/// back with `call:resume`: its side's signaling moves to the new socket,
/// the other device hears `call:resumed`, and the relay follows.
async fn a_device_that_comes_back_takes_its_call(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, volunteer, s, mut v, conversation) = session(&app).await;
    let stranger = app.connect(&app.register("seeker").await).await;
    let call = ok(s
        .ack(
            "call:invite",
            json!({"conversationId": conversation, "media": "video"}),
        )
        .await
        .unwrap())["call"]
        .clone();
    let id = call["id"].clone();
    v.event("call:incoming").await.unwrap();
    ok(v.ack("call:accept", json!({"callId": id})).await.unwrap());
    // Both live calls are listed for their participants.
    let (status, live) = app.get("/api/calls/live", Some(&seeker.token)).await;
    assert_eq!(status, 200);
    assert_eq!(live["calls"][0]["id"], id, "{live}");

    // The seeker's device drops; a new one takes the call back.
    s.close();
    let mut s2 = app.connect(&seeker).await;
    let resumed = ok(s2.ack("call:resume", json!({"callId": id})).await.unwrap());
    assert_eq!(resumed["call"]["status"], "active");
    let heard = v.event("call:resumed").await.unwrap();
    assert_eq!(
        heard,
        json!({"callId": id, "userId": seeker.id, "renegotiate": true})
    );
    ok(s2
        .ack("webrtc:offer", json!({"callId": id, "sdp": "ice restart"}))
        .await
        .unwrap());
    assert_eq!(v.event("webrtc:offer").await.unwrap()["sdp"], "ice restart");
    ok(
        v.ack("webrtc:answer", json!({"callId": id, "sdp": "answer"}))
            .await
            .unwrap(),
    );
    assert_eq!(s2.event("webrtc:answer").await.unwrap()["sdp"], "answer");

    // The callee's side moves too; strangers and ended calls are refused.
    let mut v2 = app.connect(&volunteer).await;
    ok(v2.ack("call:resume", json!({"callId": id})).await.unwrap());
    assert_eq!(
        s2.event("call:resumed").await.unwrap()["userId"],
        volunteer.id.as_str()
    );
    // The volunteer's first device, still connected, is told it lost the call.
    assert_eq!(v.event("call:moved").await.unwrap(), json!({"callId": id}));
    // A device whose media survived its reconnect moves only the signaling.
    let s3 = app.connect(&seeker).await;
    refused(
        &s3.ack("call:resume", json!({"callId": id, "renegotiate": "no"}))
            .await
            .unwrap(),
        "invalid",
    );
    ok(s3
        .ack("call:resume", json!({"callId": id, "renegotiate": false}))
        .await
        .unwrap());
    assert_eq!(
        v2.event("call:resumed").await.unwrap()["renegotiate"],
        false
    );
    assert_eq!(s2.event("call:moved").await.unwrap(), json!({"callId": id}));
    refused(
        &v.ack("webrtc:answer", json!({"callId": id, "sdp": "old device"}))
            .await
            .unwrap(),
        "forbidden",
    );
    refused(
        &stranger
            .ack("call:resume", json!({"callId": id}))
            .await
            .unwrap(),
        "not_found",
    );
    refused(&s2.ack("call:resume", json!({})).await.unwrap(), "invalid");
    ok(v2.ack("call:hangup", json!({"callId": id})).await.unwrap());
    refused(
        &s3.ack("call:resume", json!({"callId": id})).await.unwrap(),
        "conflict",
    );
}
