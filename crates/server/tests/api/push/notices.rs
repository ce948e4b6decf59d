//! What is pushed, to whom and when: requests to on-call volunteers and
//! taken back when they close, quiet hours and names, sessions, the message
//! throttle, calls and missed calls; never a canary from a chat or a note.

use super::{CANARY, push_app, push_service, push_settings, subscribe};
use crate::common::cluster::{Broker, spawn_cluster_with};
use crate::common::{Account, Backend, TestApp, ok, session};
use reqwest::Method;
use serde_json::json;
use std::time::{Duration, Instant};

both_backends!(
    requests_reach_on_call_volunteers,
    quiet_hours_names_and_settings,
    sessions_messages_and_the_throttle,
    calls_ring_and_are_missed,
    told_in_the_app_then_gone,
    escalations_reach_support_by_push,
    batches_push_on_call_volunteers_in_turn,
    safety_alerts_reach_support_by_push,
);
both_brokers!(told_on_one_node_gone_from_another);

async fn requests_reach_on_call_volunteers(backend: Backend) {
    let (app, mock) = push_app(backend).await;
    let seeker = app.register("seeker").await;
    let (on_call, online, away, unsubscribed) = (
        app.register("volunteer").await,
        app.register("volunteer").await,
        app.register("volunteer").await,
        app.register("volunteer").await,
    );
    let on_call_device = subscribe(&app, &on_call, &mock).await;
    let online_device = subscribe(&app, &online, &mock).await;
    let away_device = subscribe(&app, &away, &mock).await;
    let _ = unsubscribed;
    // Away is remembered after the app closes.
    let a = app.connect(&away).await;
    ok(a.ack("volunteer:availability", json!({"status": "away"}))
        .await
        .unwrap());
    a.close();
    let mut o = app.connect(&online).await;
    let s = app.connect(&seeker).await;
    wait_offline(&app, &seeker, &away.id).await;

    let asked = Instant::now();
    let ack = ok(s
        .ack(
            "seeker:request",
            json!({"requestType": "voice", "note": CANARY}),
        )
        .await
        .unwrap());
    assert_eq!(ack["onlineVolunteers"], 1);
    assert_eq!(ack["onCallVolunteers"], 1);
    let request_id = ack["requestId"].as_str().expect("id").to_owned();
    o.event("seeker:incoming").await.unwrap();
    let push = mock.next(&on_call_device).await;
    assert!(
        asked.elapsed() < Duration::from_secs(1),
        "told within a second, took {:?}",
        asked.elapsed()
    );
    assert_eq!(push.payload["kind"], "request");
    assert_eq!(push.payload["tag"], format!("request-{request_id}"));
    assert_eq!(push.payload["url"], format!("/?request={request_id}"));
    assert_eq!(push.payload["title"], "Someone would like a voice call");
    assert_eq!(push.urgency.as_deref(), Some("high"));
    let timeout = app.settings.request_timeout_secs;
    assert!(
        push.ttl <= timeout && push.ttl + 5 >= timeout,
        "ttl {}",
        push.ttl
    );
    assert!(push.topic.is_some());
    // /api/volunteers says who is on call.
    let (_, listed) = app.get("/api/volunteers", Some(&seeker.token)).await;
    let on_call_of = |id: &str| {
        listed
            .as_array()
            .expect("list")
            .iter()
            .find(|v| v["id"] == id)
            .map(|v| v["onCall"].clone())
    };
    assert_eq!(on_call_of(&on_call.id), Some(json!(true)));
    assert_eq!(on_call_of(&online.id), Some(json!(false)));
    assert_eq!(on_call_of(&away.id), Some(json!(false)));
    assert_eq!(on_call_of(&unsubscribed.id), Some(json!(false)));

    // Cancelled: the notice is taken back, with the same tag.
    ok(s.ack("request:cancel", json!({})).await.unwrap());
    let closed = mock.next(&on_call_device).await;
    assert_eq!(closed.payload["kind"], "request_closed");
    assert_eq!(closed.payload["tag"], push.payload["tag"]);
    assert_eq!(closed.topic, push.topic);

    // Taken by someone else, or expired: taken back too.
    for ends in ["claimed", "expired"] {
        let ack = ok(s
            .ack("seeker:request", json!({"requestType": "chat"}))
            .await
            .unwrap());
        assert_eq!(ack["onCallVolunteers"], 1, "{ends}");
        assert_eq!(mock.next(&on_call_device).await.payload["kind"], "request");
        if ends == "claimed" {
            o.event("seeker:incoming").await.unwrap();
            ok(
                o.ack("volunteer:accept", json!({"requestId": ack["requestId"]}))
                    .await
                    .unwrap(),
            );
        } else {
            app.clock
                .advance(Duration::from_secs(app.settings.request_timeout_secs + 1));
        }
        assert_eq!(
            mock.next(&on_call_device).await.payload["kind"],
            "request_closed",
            "{ends}"
        );
        if ends == "claimed" {
            let conversation = o.event("session:started").await.unwrap()["conversationId"].clone();
            ok(o.ack("chat:end", json!({"conversationId": conversation}))
                .await
                .unwrap());
        }
    }
    // A request made to one on-call volunteer reaches them alone.
    let ack = ok(s
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "volunteerId": on_call.id}),
        )
        .await
        .unwrap());
    assert_eq!(
        (
            ack["onlineVolunteers"].clone(),
            ack["onCallVolunteers"].clone()
        ),
        (json!(0), json!(1))
    );
    assert_eq!(mock.next(&on_call_device).await.payload["kind"], "request");
    assert!(mock.received(&online_device).is_empty());
    assert!(mock.received(&away_device).is_empty());
    ok(s.ack("request:cancel", json!({})).await.unwrap());
    assert_eq!(
        mock.next(&on_call_device).await.payload["kind"],
        "request_closed"
    );
    // A block takes the notice back from the blocked volunteer.
    ok(s.ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    assert_eq!(mock.next(&on_call_device).await.payload["kind"], "request");
    let (status, _) = app
        .post(
            &format!("/api/users/{}/block", on_call.id),
            Some(&seeker.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        mock.next(&on_call_device).await.payload["kind"],
        "request_closed"
    );
    for text in mock.all_plaintexts() {
        assert!(!text.contains(CANARY), "a note leaked into a push: {text}");
    }
    mock.assert_clean();
}

/// Waits until `volunteer` shows as offline to `viewer`.
async fn wait_offline(app: &TestApp, viewer: &Account, volunteer: &str) {
    for _ in 0..200 {
        let (_, listed) = app.get("/api/volunteers", Some(&viewer.token)).await;
        let online = listed
            .as_array()
            .and_then(|l| l.iter().find(|v| v["id"] == volunteer))
            .map(|v| v["online"] == json!(true));
        if online == Some(false) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{volunteer} stayed online");
}

async fn quiet_hours_names_and_settings(backend: Backend) {
    let (app, mock) = push_app(backend).await;
    let seeker = app.register("seeker").await;
    let volunteer = app.register("volunteer").await;
    let device = subscribe(&app, &volunteer, &mock).await;
    let (status, settings) = app.get("/api/me/settings", Some(&volunteer.token)).await;
    assert_eq!(status, 200);
    assert_eq!(
        settings,
        json!({"quietHours": null, "pushShowNames": false, "preferFamiliar": true})
    );
    // Quiet from this hour (on the server's clock, in UTC) for two hours.
    let now_ms = helpline_core::Clock::now(&app.clock).millis();
    let hour = (now_ms / 3_600_000) % 24;
    let quiet = json!({
        "from": format!("{hour:02}:00"),
        "to": format!("{:02}:00", (hour + 2) % 24),
        "timeZone": "UTC",
    });
    for bad in [
        json!({"quietHours": {"from": "25:00", "to": "08:00", "timeZone": "UTC"}}),
        json!({"quietHours": {"from": "22:00", "to": "08:00", "timeZone": "Nowhere/City"}}),
        json!({"quietHours": "night"}),
        json!({"pushShowName": true}),
        json!({"pushShowNames": "yes"}),
    ] {
        let (status, answer) = app
            .send(
                Method::PUT,
                "/api/me/settings",
                Some(&volunteer.token),
                bad.clone(),
            )
            .await;
        assert_eq!(status, 400, "{bad} → {answer}");
    }
    let (status, saved) = app
        .send(
            Method::PUT,
            "/api/me/settings",
            Some(&volunteer.token),
            json!({"quietHours": quiet}),
        )
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["quietHours"], quiet);
    assert_eq!(saved["pushShowNames"], false);

    let s = app.connect(&seeker).await;
    let ack = ok(s
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    assert_eq!(ack["onCallVolunteers"], 0, "quiet hours");
    ok(s.ack("request:cancel", json!({})).await.unwrap());
    mock.quiet(&device, Duration::from_millis(300)).await;

    // Two hours later the quiet hours are over; names are now allowed.
    app.clock.advance(Duration::from_secs(2 * 3600));
    let (_, saved) = app
        .send(
            Method::PUT,
            "/api/me/settings",
            Some(&volunteer.token),
            json!({"pushShowNames": true}),
        )
        .await;
    assert_eq!(saved["quietHours"], quiet, "kept");
    let ack = ok(s
        .ack("seeker:request", json!({"requestType": "video"}))
        .await
        .unwrap());
    assert_eq!(ack["onCallVolunteers"], 1);
    let push = mock.next(&device).await;
    let name = seeker.user["displayName"].as_str().expect("name");
    assert_eq!(
        push.payload["title"],
        format!("{name} would like a video call")
    );
    mock.assert_clean();
}

async fn sessions_messages_and_the_throttle(backend: Backend) {
    let (app, mock) = push_app(backend).await;
    let (seeker, volunteer, s, v, conversation) = session(&app).await;
    let volunteer_device = subscribe(&app, &volunteer, &mock).await;
    let seeker_device = subscribe(&app, &seeker, &mock).await;
    v.close();
    wait_offline(&app, &seeker, &volunteer.id).await;
    let conversation = conversation.as_str().expect("id").to_owned();
    let send = |text: &str, n: u32| json!({"conversationId": conversation, "content": text, "clientMessageId": format!("m{n}")});
    ok(s.ack("message:send", send(CANARY, 1)).await.unwrap());
    let push = mock.next(&volunteer_device).await;
    assert_eq!(push.payload["kind"], "message");
    assert_eq!(push.payload["title"], "New message");
    assert_eq!(push.payload["url"], format!("/chats/{conversation}"));
    assert_eq!(push.payload["tag"], format!("conversation-{conversation}"));
    assert_eq!(push.urgency.as_deref(), Some("normal"));
    let topic = push.topic.clone().expect("topic");
    assert!(topic.len() <= 32);
    // More within the minute: no push now, one when the minute is over.
    for n in 2..5 {
        ok(s.ack("message:send", send("more", n)).await.unwrap());
    }
    mock.quiet(&volunteer_device, Duration::from_millis(300))
        .await;
    app.clock.advance(Duration::from_secs(61));
    let later = mock.next(&volunteer_device).await;
    assert_eq!(later.payload["kind"], "message");
    assert_eq!(later.topic.as_deref(), Some(topic.as_str()));
    // And no more than that one.
    ok(s.ack("message:send", send("later", 5)).await.unwrap());
    mock.quiet(&volunteer_device, Duration::from_millis(300))
        .await;
    app.clock.advance(Duration::from_secs(60));
    assert_eq!(
        mock.next(&volunteer_device).await.payload["kind"],
        "message"
    );
    assert_eq!(mock.received(&volunteer_device).len(), 3);
    // The seeker is connected: never pushed.
    assert!(mock.received(&seeker_device).is_empty());

    // A new request accepted while the seeker is away: "session".
    let mut v = app.connect(&volunteer).await;
    ok(v.ack("chat:end", json!({"conversationId": conversation}))
        .await
        .unwrap());
    let ack = ok(s
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    s.close();
    // Whether the server has read the close by the accept or not, the
    // seeker is pushed (`told_in_the_app_then_gone`).
    v.event("seeker:incoming").await.unwrap();
    let claimed = ok(v
        .ack("volunteer:accept", json!({"requestId": ack["requestId"]}))
        .await
        .unwrap());
    let push = mock.next(&seeker_device).await;
    assert_eq!(push.payload["kind"], "session");
    assert_eq!(push.payload["title"], "A volunteer is ready to talk");
    let chat = claimed["conversationId"].as_str().expect("id");
    assert_eq!(push.payload["url"], format!("/chats/{chat}"));
    assert_eq!(push.urgency.as_deref(), Some("high"));
    for text in mock.all_plaintexts() {
        assert!(
            !text.contains(CANARY),
            "message text leaked into a push: {text}"
        );
    }
    mock.assert_clean();
}

/// Someone told of an accept or a ringing call in the app who leaves at
/// once is pushed after all; one who leaves after the window is not.
async fn told_in_the_app_then_gone(backend: Backend) {
    let (app, mock) = push_app(backend).await;
    let (seeker, volunteer) = (
        app.register("seeker").await,
        app.register("volunteer").await,
    );
    let seeker_device = subscribe(&app, &seeker, &mock).await;
    let v = app.connect(&volunteer).await;
    let mut s = app.connect(&seeker).await;
    let request = json!({"requestType": "chat", "volunteerId": volunteer.id});
    let asked = ok(s.ack("seeker:request", request.clone()).await.unwrap());
    let accept = |ack: &serde_json::Value| json!({"requestId": ack["requestId"]});
    let claimed = ok(v.ack("volunteer:accept", accept(&asked)).await.unwrap());
    s.event("session:started").await.unwrap();
    s.close();
    let push = mock.next(&seeker_device).await;
    assert_eq!(push.payload["kind"], "session");
    let chat = claimed["conversationId"].clone();
    assert_eq!(
        push.payload["url"],
        format!("/chats/{}", chat.as_str().expect("id"))
    );

    // A call rings in the app; the seeker leaves while it rings.
    let mut s = app.connect(&seeker).await;
    let placed = ok(v
        .ack(
            "call:invite",
            json!({"conversationId": chat, "media": "voice"}),
        )
        .await
        .unwrap());
    let call_id = placed["call"]["id"].as_str().expect("call id").to_owned();
    s.event("call:incoming").await.unwrap();
    s.close();
    let ring = mock.next(&seeker_device).await;
    assert_eq!(ring.payload["kind"], "call");
    assert_eq!(ring.payload["tag"], format!("call-{call_id}"));
    app.clock.advance(Duration::from_secs(
        app.settings.calls.ring_timeout_secs + 1,
    ));
    assert_eq!(
        mock.next(&seeker_device).await.payload["kind"],
        "call_missed"
    );

    // Told in the app and still there after the window: no push.
    let mut s = app.connect(&seeker).await;
    ok(v.ack("chat:end", json!({"conversationId": chat}))
        .await
        .unwrap());
    let asked = ok(s.ack("seeker:request", request).await.unwrap());
    ok(v.ack("volunteer:accept", accept(&asked)).await.unwrap());
    s.event("session:started").await.unwrap();
    app.clock.advance(Duration::from_secs(11));
    s.close();
    mock.quiet(&seeker_device, Duration::from_millis(300)).await;
    assert_eq!(mock.received(&seeker_device).len(), 3);
    mock.assert_clean();
}

/// The seeker is on one node, the volunteer accepts on another: the
/// seeker's departure reaches the accepting node as news, which pushes.
async fn told_on_one_node_gone_from_another(broker: Broker) {
    let nodes = spawn_cluster_with(broker, 2, push_settings).await;
    let mock = push_service(&nodes[0]).await;
    let (seeker, volunteer) = (
        nodes[0].register("seeker").await,
        nodes[0].register("volunteer").await,
    );
    let seeker_device = subscribe(&nodes[0], &seeker, &mock).await;
    let mut s = nodes[0].connect(&seeker).await;
    let mut v = nodes[1].connect(&volunteer).await;
    let request = json!({"requestType": "chat", "volunteerId": volunteer.id});
    let asked = ok(s.ack("seeker:request", request).await.unwrap());
    // Node 0's news of the seeker came before the offer it sent.
    v.event("seeker:incoming").await.unwrap();
    ok(
        v.ack("volunteer:accept", json!({"requestId": asked["requestId"]}))
            .await
            .unwrap(),
    );
    s.event("session:started").await.unwrap();
    s.close();
    assert_eq!(mock.next(&seeker_device).await.payload["kind"], "session");
    mock.quiet(&seeker_device, Duration::from_millis(300)).await;
    assert_eq!(mock.received(&seeker_device).len(), 1);
    mock.assert_clean();
}

async fn calls_ring_and_are_missed(backend: Backend) {
    let (app, mock) = push_app(backend).await;
    let (seeker, volunteer, s, v, conversation) = session(&app).await;
    let volunteer_device = subscribe(&app, &volunteer, &mock).await;
    v.close();
    wait_offline(&app, &seeker, &volunteer.id).await;
    let placed = ok(s
        .ack(
            "call:invite",
            json!({"conversationId": conversation, "media": "video"}),
        )
        .await
        .unwrap());
    let call_id = placed["call"]["id"].as_str().expect("call id").to_owned();
    let push = mock.next(&volunteer_device).await;
    assert_eq!(push.payload["kind"], "call");
    assert_eq!(push.payload["tag"], format!("call-{call_id}"));
    assert_eq!(
        push.payload["url"],
        format!(
            "/chats/{}?call={call_id}",
            conversation.as_str().expect("id")
        )
    );
    assert_eq!(push.payload["title"], "Incoming video call");
    assert_eq!(push.urgency.as_deref(), Some("high"));
    let ring = app.settings.calls.ring_timeout_secs;
    assert!(push.ttl <= ring && push.ttl + 5 >= ring, "ttl {}", push.ttl);
    // Nobody answers.
    app.clock.advance(Duration::from_secs(ring + 1));
    let missed = mock.next(&volunteer_device).await;
    assert_eq!(missed.payload["kind"], "call_missed");
    assert_eq!(missed.payload["tag"], push.payload["tag"]);
    // The missed call's system message does not add a second notice.
    mock.quiet(&volunteer_device, Duration::from_millis(300))
        .await;
    // Rung while away, answered on a device that connects: the ringing
    // notice goes at once.
    let placed = ok(s
        .ack(
            "call:invite",
            json!({"conversationId": conversation, "media": "voice"}),
        )
        .await
        .unwrap());
    let call_id = placed["call"]["id"].as_str().expect("call id").to_owned();
    assert_eq!(mock.next(&volunteer_device).await.payload["kind"], "call");
    let v = app.connect(&volunteer).await;
    ok(v.ack("call:accept", json!({"callId": call_id}))
        .await
        .unwrap());
    let closed = mock.next(&volunteer_device).await;
    assert_eq!(closed.payload["kind"], "call_closed");
    assert_eq!(closed.payload["tag"], format!("call-{call_id}"));
    ok(s.ack("call:hangup", json!({"callId": call_id}))
        .await
        .unwrap());
    mock.quiet(&volunteer_device, Duration::from_millis(300))
        .await;
    mock.assert_clean();
}

/// An escalated request is pushed to support agents who are not
/// connected, and taken back when someone takes it.
async fn escalations_reach_support_by_push(backend: Backend) {
    let (app, mock) = push_app(backend).await;
    let support = app.create_account(helpline_core::user::Role::Support).await;
    let device = subscribe(&app, &support, &mock).await;
    let seeker = app.register("seeker").await;
    let s = app.connect(&seeker).await;
    let asked = ok(s
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "note": CANARY}),
        )
        .await
        .unwrap());
    app.clock
        .advance(Duration::from_secs(app.settings.escalate_after_secs + 1));
    let push = mock.next(&device).await;
    assert_eq!(push.payload["kind"], "request");
    assert_eq!(push.payload["title"], "Someone has been waiting a while");
    let request_id = asked["requestId"].as_str().expect("id");
    assert_eq!(push.payload["tag"], format!("request-{request_id}"));
    assert_eq!(push.urgency.as_deref(), Some("high"));
    let volunteer = app.register("volunteer").await;
    let v = app.connect(&volunteer).await;
    ok(v.ack("volunteer:accept", json!({"requestId": request_id}))
        .await
        .unwrap());
    let closed = mock.next(&device).await;
    assert_eq!(closed.payload["kind"], "request_closed");
    assert_eq!(closed.payload["tag"], push.payload["tag"]);
    for text in mock.all_plaintexts() {
        assert!(!text.contains(CANARY), "a note leaked into a push: {text}");
    }
    mock.assert_clean();
}

/// Under batched dispatch an on-call volunteer is ranked with the
/// connected ones: pushed only when a batch reaches them, offered it when
/// they open the app (with why), and told when it is taken.
async fn batches_push_on_call_volunteers_in_turn(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        push_settings(s);
        s.dispatch = "batched".into();
        s.dispatch_batch_size = 1;
        s.dispatch_widen_secs = 30;
    })
    .await;
    let mock = push_service(&app).await;
    let seeker = app.register_speaking("seeker", &["Urdu"]).await;
    let (speaker, other, online) = (
        app.register_speaking("volunteer", &["Urdu"]).await,
        app.register("volunteer").await,
        app.register("volunteer").await,
    );
    let speaker_device = subscribe(&app, &speaker, &mock).await;
    let other_device = subscribe(&app, &other, &mock).await;
    let mut o = app.connect(&online).await;
    let s = app.connect(&seeker).await;

    // First batch: the Urdu speaker, on call, pushed; nobody online told.
    let ack = ok(s
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    assert_eq!(
        (
            ack["onlineVolunteers"].clone(),
            ack["onCallVolunteers"].clone()
        ),
        (json!(0), json!(1)),
        "{ack}"
    );
    assert_eq!(mock.next(&speaker_device).await.payload["kind"], "request");
    mock.quiet(&other_device, Duration::from_millis(300)).await;
    // She opens the app: offered it, and why.
    let mut sp = app.connect(&speaker).await;
    let offer = sp.event("seeker:incoming").await.unwrap();
    assert_eq!(offer["requestId"], ack["requestId"]);
    assert_eq!(
        offer["why"],
        json!([{"kind": "language", "language": "Urdu"}])
    );
    sp.close();

    // The next batch: one of the two never-helped, by id; the other after.
    app.clock.advance(Duration::from_secs(30));
    let online_first = online.id < other.id;
    if online_first {
        o.event("seeker:incoming").await.unwrap();
        mock.quiet(&other_device, Duration::from_millis(300)).await;
        app.clock.advance(Duration::from_secs(30));
    }
    assert_eq!(mock.next(&other_device).await.payload["kind"], "request");
    if !online_first {
        app.clock.advance(Duration::from_secs(30));
        o.event("seeker:incoming").await.unwrap();
    }
    ok(
        o.ack("volunteer:accept", json!({"requestId": ack["requestId"]}))
            .await
            .unwrap(),
    );
    for device in [&speaker_device, &other_device] {
        assert_eq!(mock.next(device).await.payload["kind"], "request_closed");
    }
    mock.assert_clean();
}

/// A safety alert reaches a support agent whose app is closed at once, and
/// again while nobody acknowledges it; never with the note.
async fn safety_alerts_reach_support_by_push(backend: Backend) {
    let (app, mock) = push_app(backend).await;
    let support = app.create_account(helpline_core::user::Role::Support).await;
    let device = subscribe(&app, &support, &mock).await;
    let seeker = app.register("seeker").await;
    let s = app.connect(&seeker).await;
    let raised = ok(s
        .ack("safety:alert", json!({"note": CANARY}))
        .await
        .unwrap());
    let id = raised["alert"]["id"].as_str().expect("id").to_owned();
    let push = mock.next(&device).await;
    assert_eq!(push.payload["kind"], "alert");
    assert_eq!(push.payload["title"], "Safety alert");
    assert_eq!(push.payload["tag"], format!("alert-{id}"));
    assert_eq!(push.urgency.as_deref(), Some("high"));
    app.clock
        .advance(Duration::from_secs(app.settings.alert_repeat_secs));
    assert_eq!(mock.next(&device).await.payload["kind"], "alert");
    for text in mock.all_plaintexts() {
        assert!(!text.contains(CANARY), "a note leaked into a push: {text}");
    }
    mock.assert_clean();
}
