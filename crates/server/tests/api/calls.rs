//! Call lifecycle through the real Socket.IO client on both backends:
//! ringing on every callee device, the accept race, reject, cancel, hangup
//! with its duration, the ring timeout, busy, glare, the disconnect grace
//! and the conversation ending. Time moves with the server's ManualClock.

use crate::common::calls::{converse, ended, invite, invite_raw, notice};
use crate::common::{Backend, TestApp, ok, refused, session};
use serde_json::{Value, json};
use std::time::Duration;

both_backends!(
    invite_rings_every_device_and_one_accept_wins,
    reject_cancel_and_wrong_moves,
    ring_timeout_is_a_missed_call,
    busy_callee_rejects_at_once,
    glare_keeps_the_lower_ids_invite,
    disconnect_grace_fails_the_call,
    ending_the_conversation_ends_the_call,
);

async fn invite_rings_every_device_and_one_accept_wins(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, volunteer, mut s, mut v, conversation) = session(&app).await;
    let mut v2 = app.connect(&volunteer).await;
    let call = invite(&s, &conversation, "voice").await;
    assert_eq!(call["status"], "ringing");
    assert_eq!(call["callerId"], json!(seeker.id));
    assert_eq!(call["calleeId"], json!(volunteer.id));
    assert_eq!(call["durationSecs"], Value::Null);
    let incoming = json!({"callId": call["id"], "conversationId": conversation, "callerId": seeker.id, "media": "voice"});
    assert_eq!(v.event("call:incoming").await.unwrap(), incoming);
    assert_eq!(v2.event("call:incoming").await.unwrap(), incoming);
    refused(&invite_raw(&s, &conversation).await, "conflict");

    let accept = json!({"callId": call["id"]});
    let (a, b) = tokio::join!(
        v.ack("call:accept", accept.clone()),
        v2.ack("call:accept", accept)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let winner_is_v = a["ok"] == json!(true);
    assert_ne!(a["ok"], b["ok"], "exactly one accept wins: {a} {b}");
    refused(if winner_is_v { &b } else { &a }, "conflict");
    let (winner, loser) = if winner_is_v {
        (&mut v, &mut v2)
    } else {
        (&mut v2, &mut v)
    };
    let accepted = winner.event("call:accepted").await.unwrap();
    assert_eq!(accepted["acceptedBy"], json!(volunteer.id));
    assert_eq!(accepted["call"]["status"], "active");
    assert_eq!(
        s.event("call:accepted").await.unwrap()["callId"],
        call["id"]
    );
    assert_eq!(
        loser.event("call:answered_elsewhere").await.unwrap(),
        json!({"callId": call["id"]})
    );

    app.clock.advance(Duration::from_secs(245));
    let hung = ok(s
        .ack("call:hangup", json!({"callId": call["id"]}))
        .await
        .unwrap());
    assert_eq!(hung["call"]["durationSecs"], 245);
    let end = ended(&call, "ended", "hangup", json!(245));
    for device in [&mut s, &mut v, &mut v2] {
        assert_eq!(device.event("call:ended").await.unwrap(), end);
    }
    assert_eq!(notice(&mut v).await, "Voice call · 4 min");
    refused(
        &s.ack("call:hangup", json!({"callId": call["id"]}))
            .await
            .unwrap(),
        "conflict",
    );
    let conv = conversation.as_str().unwrap();
    let (status, body) = app
        .get(
            &format!("/api/calls?conversationId={conv}"),
            Some(&seeker.token),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["calls"][0]["status"], "ended");
    assert_eq!(body["calls"][0]["durationSecs"], 245);
    assert!(body["calls"][0]["answeredAt"].is_string());
    for device in [&mut s, &mut v, &mut v2] {
        assert!(
            device.drain("call:ended").is_empty(),
            "one terminal event per device"
        );
    }
}

async fn reject_cancel_and_wrong_moves(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, _, mut s, mut v, conversation) = session(&app).await;
    for bad in [
        json!({"conversationId": conversation}),
        json!({"conversationId": conversation, "media": "fax"}),
        json!("x"),
    ] {
        refused(&s.ack("call:invite", bad).await.unwrap(), "invalid");
    }
    refused(
        &s.ack(
            "call:invite",
            json!({"conversationId": "nope", "media": "voice"}),
        )
        .await
        .unwrap(),
        "not_found",
    );
    let stranger = app.register("seeker").await;
    let x = app.connect(&stranger).await;
    refused(&invite_raw(&x, &conversation).await, "forbidden");

    let call = invite(&s, &conversation, "video").await;
    v.event("call:incoming").await.unwrap();
    let id = json!({"callId": call["id"]});
    refused(
        &s.ack("call:reject", id.clone()).await.unwrap(),
        "forbidden",
    );
    refused(
        &v.ack("call:cancel", id.clone()).await.unwrap(),
        "forbidden",
    );
    refused(
        &s.ack("call:accept", id.clone()).await.unwrap(),
        "forbidden",
    );
    refused(&s.ack("call:hangup", id.clone()).await.unwrap(), "conflict");
    refused(
        &x.ack("call:reject", id.clone()).await.unwrap(),
        "not_found",
    );
    refused(&v.ack("call:reject", json!({})).await.unwrap(), "invalid");
    let rejected = ok(v.ack("call:reject", id.clone()).await.unwrap());
    assert_eq!(rejected["call"]["status"], "rejected");
    let end = ended(&call, "rejected", "rejected", Value::Null);
    assert_eq!(s.event("call:ended").await.unwrap(), end);
    assert_eq!(v.event("call:ended").await.unwrap(), end);
    assert_eq!(notice(&mut s).await, "Video call declined");
    assert_eq!(notice(&mut v).await, "Video call declined");
    refused(&v.ack("call:accept", id).await.unwrap(), "conflict");

    let call = invite(&s, &conversation, "voice").await;
    v.event("call:incoming").await.unwrap();
    ok(s.ack("call:cancel", json!({"callId": call["id"]}))
        .await
        .unwrap());
    let end = ended(&call, "cancelled", "cancelled", Value::Null);
    assert_eq!(v.event("call:ended").await.unwrap(), end);
    assert_eq!(s.event("call:ended").await.unwrap(), end);
    assert_eq!(notice(&mut v).await, "Cancelled voice call");
}

async fn ring_timeout_is_a_missed_call(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, _, mut s, mut v, conversation) = session(&app).await;
    let call = invite(&s, &conversation, "voice").await;
    v.event("call:incoming").await.unwrap();
    app.clock.advance(Duration::from_secs(61));
    let end = ended(&call, "missed", "timeout", Value::Null);
    assert_eq!(v.event("call:ended").await.unwrap(), end);
    assert_eq!(s.event("call:ended").await.unwrap(), end);
    assert_eq!(notice(&mut s).await, "Missed voice call");
    refused(
        &v.ack("call:accept", json!({"callId": call["id"]}))
            .await
            .unwrap(),
        "conflict",
    );
    // A second server on the same database sweeps too: whichever sweeper
    // takes the call announces it (to the sockets on its node), once.
    let sibling = app.sibling().await;
    let mut s_there = sibling.connect(&seeker).await;
    let call = invite(&s, &conversation, "voice").await;
    app.clock.advance(Duration::from_secs(61));
    let end = tokio::select! {
        here = s.event("call:ended") => here.unwrap(),
        there = s_there.event("call:ended") => there.unwrap(),
    };
    assert_eq!(end, ended(&call, "missed", "timeout", Value::Null));
    let missed = ok(s
        .ack(
            "message:sync",
            json!({"conversationId": conversation, "afterSeq": 0}),
        )
        .await
        .unwrap())["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["content"] == "Missed voice call")
        .count();
    assert_eq!(missed, 2, "one notice per missed call");
    let announced = s.drain("call:ended").len() + s_there.drain("call:ended").len();
    assert_eq!(announced, 0, "the other node did not announce it again");
    sibling.stop().await;
}

async fn busy_callee_rejects_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, volunteer, s, mut v, conversation) = session(&app).await;
    let call = invite(&s, &conversation, "voice").await;
    v.event("call:incoming").await.unwrap();
    ok(v.ack("call:accept", json!({"callId": call["id"]}))
        .await
        .unwrap());
    let other = app.register("seeker").await;
    let mut o = app.connect(&other).await;
    let second = converse(&o, &v, &volunteer).await;
    let busy = invite(&o, &second, "video").await;
    assert_eq!(busy["status"], "rejected");
    assert_eq!(busy["reason"], "busy");
    let end = ended(&busy, "rejected", "busy", Value::Null);
    assert_eq!(o.event("call:ended").await.unwrap(), end);
    assert_eq!(v.event("call:ended").await.unwrap(), end);
    assert_eq!(notice(&mut o).await, "Video call · line busy");
    assert!(
        v.drain("call:incoming").is_empty(),
        "a busy callee does not ring"
    );
    // The caller of a live call cannot place another.
    refused(&invite_raw(&s, &conversation).await, "conflict");
}

async fn glare_keeps_the_lower_ids_invite(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, volunteer, mut s, mut v, conversation) = session(&app).await;
    let seeker_lower = seeker.id < volunteer.id;
    for first_is_seeker in [true, false] {
        let (first, second) = if first_is_seeker {
            (&mut s, &mut v)
        } else {
            (&mut v, &mut s)
        };
        let theirs = invite(first, &conversation, "voice").await;
        second.event("call:incoming").await.unwrap();
        let mine = invite(second, &conversation, "voice").await;
        let winner = if seeker_lower {
            &seeker.id
        } else {
            &volunteer.id
        };
        assert_eq!(
            mine["callerId"],
            json!(winner),
            "the lower id's invite survives"
        );
        assert_eq!(mine["status"], "active");
        let first_won = theirs["callerId"] == json!(winner);
        if first_won {
            assert_eq!(
                mine["id"], theirs["id"],
                "the existing call survives, answered"
            );
        } else {
            let end = ended(&theirs, "cancelled", "glare", Value::Null);
            assert_eq!(first.event("call:ended").await.unwrap(), end);
            assert_eq!(second.event("call:ended").await.unwrap(), end);
        }
        let accepted = first.event("call:accepted").await.unwrap();
        assert_eq!(
            accepted["callId"], mine["id"],
            "both learn the surviving call"
        );
        // The two inviting devices are the call's devices: they can signal.
        let (offerer, answerer) = if mine["callerId"] == json!(seeker.id) {
            (&s, &mut v)
        } else {
            (&v, &mut s)
        };
        ok(offerer
            .ack(
                "webrtc:offer",
                json!({"callId": mine["id"], "sdp": "v=0 glare"}),
            )
            .await
            .unwrap());
        assert_eq!(
            answerer.event("webrtc:offer").await.unwrap()["sdp"],
            "v=0 glare"
        );
        ok(s.ack("call:hangup", json!({"callId": mine["id"]}))
            .await
            .unwrap());
        s.event("call:ended").await.unwrap();
        v.event("call:ended").await.unwrap();
        s.drain("call:accepted");
        v.drain("call:accepted");
    }
}

async fn disconnect_grace_fails_the_call(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, _, s, mut v, conversation) = session(&app).await;
    let call = invite(&s, &conversation, "voice").await;
    v.event("call:incoming").await.unwrap();
    ok(v.ack("call:accept", json!({"callId": call["id"]}))
        .await
        .unwrap());
    app.clock.advance(Duration::from_secs(30));
    drop(s);
    // The caller stays away past the grace period (15 s by default): the
    // clock moves on until the sweeper ends the call.
    let end = loop {
        app.clock.advance(Duration::from_secs(16));
        if let Ok(end) = v
            .event_within("call:ended", Duration::from_millis(300))
            .await
        {
            break end;
        }
    };
    assert_eq!(end["status"], "failed");
    assert_eq!(end["reason"], "disconnected");
    assert!(end["durationSecs"].as_i64().unwrap() >= 46, "{end}");
    assert!(notice(&mut v).await.ends_with("(connection lost)"));
    // Coming back in time keeps a call alive.
    let s = app.connect(&seeker).await;
    let call = invite(&s, &conversation, "voice").await;
    v.event("call:incoming").await.unwrap();
    ok(v.ack("call:accept", json!({"callId": call["id"]}))
        .await
        .unwrap());
    drop(s);
    let s = app.connect(&seeker).await;
    app.clock.advance(Duration::from_secs(20));
    let hung = ok(s
        .ack("call:hangup", json!({"callId": call["id"]}))
        .await
        .unwrap());
    assert_eq!(hung["call"]["reason"], "hangup");
}

async fn ending_the_conversation_ends_the_call(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, _, mut s, mut v, conversation) = session(&app).await;
    let call = invite(&s, &conversation, "video").await;
    v.event("call:incoming").await.unwrap();
    ok(v.ack("call:accept", json!({"callId": call["id"]}))
        .await
        .unwrap());
    app.clock.advance(Duration::from_secs(90));
    ok(v.ack("chat:end", json!({"conversationId": conversation}))
        .await
        .unwrap());
    let end = ended(&call, "ended", "conversation_ended", json!(90));
    assert_eq!(s.event("call:ended").await.unwrap(), end);
    assert_eq!(v.event("call:ended").await.unwrap(), end);
    assert_eq!(notice(&mut s).await, "Video call · 1 min");
    s.event("chat:ended").await.unwrap();
    refused(&invite_raw(&s, &conversation).await, "conversation_ended");
}
