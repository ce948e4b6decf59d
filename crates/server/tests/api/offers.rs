//! Who is offered a request and what happens when nobody takes it:
//! targeted requests and rejection, availability, expiry, one seeker in
//! two conversations at once, and the cap on a volunteer's active chats,
//! on SQLite and PostgreSQL.

use crate::common::{Backend, TestApp, ok, refused};
use serde_json::json;

both_backends!(
    targeted_request_and_reject,
    availability,
    expiry,
    seeker_in_two_conversations,
    the_chat_cap,
);

async fn targeted_request_and_reject(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let seeker = app.register("seeker").await;
    let (chosen, other) = (
        app.register("volunteer").await,
        app.register("volunteer").await,
    );
    let mut c = app.connect(&chosen).await;
    let mut o = app.connect(&other).await;
    let mut s = app.connect(&seeker).await;
    refused(
        &s.ack(
            "seeker:request",
            json!({"requestType": "chat", "volunteerId": seeker.id}),
        )
        .await
        .unwrap(),
        "not_found",
    );
    let ack = ok(s
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "volunteerId": chosen.id}),
        )
        .await
        .unwrap());
    assert_eq!(ack["onlineVolunteers"], 1);
    let request_id = ack["requestId"].clone();
    assert_eq!(
        c.event("seeker:incoming").await.unwrap()["requestId"],
        request_id
    );
    refused(
        &o.ack("volunteer:accept", json!({"requestId": request_id}))
            .await
            .unwrap(),
        "forbidden",
    );
    refused(
        &o.ack("volunteer:reject", json!({"requestId": request_id}))
            .await
            .unwrap(),
        "forbidden",
    );
    ok(c.ack("volunteer:reject", json!({"requestId": request_id}))
        .await
        .unwrap());
    assert_eq!(
        s.event("request:rejected").await.unwrap(),
        json!({"requestId": request_id})
    );
    let status = ok(s.ack("request:status", json!({})).await.unwrap());
    assert_eq!(status["request"]["status"], "rejected");
    assert!(
        o.drain("seeker:incoming").is_empty(),
        "a targeted request goes to the chosen volunteer only"
    );

    // An open request declined by one volunteer stays pending for the others.
    let open = ok(s
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    c.event("seeker:incoming").await.unwrap();
    o.event("seeker:incoming").await.unwrap();
    ok(
        c.ack("volunteer:reject", json!({"requestId": open["requestId"]}))
            .await
            .unwrap(),
    );
    assert_eq!(
        ok(s.ack("request:status", json!({})).await.unwrap())["request"]["status"],
        "pending"
    );
    ok(
        o.ack("volunteer:accept", json!({"requestId": open["requestId"]}))
            .await
            .unwrap(),
    );
}

async fn availability(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, volunteer) = (
        app.register("seeker").await,
        app.register("volunteer").await,
    );
    let mut v = app.connect(&volunteer).await;
    let (_, listed) = app.get("/api/volunteers", Some(&seeker.token)).await;
    let me = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == volunteer.id.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (me["online"].clone(), me["availability"].clone()),
        (json!(true), json!("available"))
    );

    assert_eq!(
        ok(v.ack("volunteer:availability", json!({"status": "away"}))
            .await
            .unwrap())["status"],
        "away"
    );
    let (_, listed) = app.get("/api/volunteers", Some(&seeker.token)).await;
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == volunteer.id.as_str() && x["availability"] == "away")
    );
    let mut s = app.connect(&seeker).await;
    let ack = ok(s
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    assert_eq!(
        ack["onlineVolunteers"], 0,
        "away volunteers are not offered requests"
    );
    s.event("seeker:queued").await.unwrap();
    ok(
        v.ack("volunteer:availability", json!({"status": "available"}))
            .await
            .unwrap(),
    );
    assert_eq!(
        v.event("seeker:incoming").await.unwrap()["requestId"],
        ack["requestId"]
    );
    refused(
        &v.ack("volunteer:availability", json!({"status": "busy"}))
            .await
            .unwrap(),
        "invalid",
    );
    refused(
        &s.ack("volunteer:availability", json!({"status": "away"}))
            .await
            .unwrap(),
        "forbidden",
    );
    drop(v);
    // Once the volunteer's last socket is gone they are offline.
    for _ in 0..100 {
        let (_, listed) = app.get("/api/volunteers", Some(&seeker.token)).await;
        if listed.as_array().unwrap().iter().any(|x| {
            x["id"] == volunteer.id.as_str()
                && x["online"] == false
                && x["availability"] == "offline"
        }) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("volunteer still online after disconnecting");
}

async fn expiry(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.request_timeout_secs = 1).await;
    let (seeker, volunteer) = (
        app.register("seeker").await,
        app.register("volunteer").await,
    );
    let mut v = app.connect(&volunteer).await;
    let mut s = app.connect(&seeker).await;
    let ack = ok(s
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    let incoming = v.event("seeker:incoming").await.unwrap();
    assert_eq!(
        s.event("request:expired").await.unwrap(),
        json!({"requestId": ack["requestId"]})
    );
    assert_eq!(
        v.event("request:cancelled").await.unwrap(),
        json!({"requestId": ack["requestId"], "seniorId": seeker.id, "reason": "expired"})
    );
    refused(
        &v.ack(
            "volunteer:accept",
            json!({"requestId": incoming["requestId"]}),
        )
        .await
        .unwrap(),
        "not_pending",
    );
    let status = ok(s.ack("request:status", json!({})).await.unwrap());
    assert_eq!(status["request"]["status"], "expired");
    ok(s.ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
}

async fn seeker_in_two_conversations(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let seeker = app.register("seeker").await;
    let (first, second) = (
        app.register("volunteer").await,
        app.register("volunteer").await,
    );
    let mut s = app.connect(&seeker).await;
    let mut a = app.connect(&first).await;
    let request = ok(s
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "volunteerId": first.id}),
        )
        .await
        .unwrap());
    let one = ok(a
        .ack(
            "volunteer:accept",
            json!({"requestId": request["requestId"]}),
        )
        .await
        .unwrap())["conversationId"]
        .clone();
    let mut b = app.connect(&second).await;
    let request = ok(s
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "volunteerId": second.id}),
        )
        .await
        .unwrap());
    let two = ok(b
        .ack(
            "volunteer:accept",
            json!({"requestId": request["requestId"]}),
        )
        .await
        .unwrap())["conversationId"]
        .clone();
    assert_ne!(one, two);

    ok(s.ack(
        "message:send",
        json!({"conversationId": one, "content": "to first", "clientMessageId": "1"}),
    )
    .await
    .unwrap());
    ok(s.ack(
        "message:send",
        json!({"conversationId": two, "content": "to second", "clientMessageId": "1"}),
    )
    .await
    .unwrap());
    // Each volunteer first heard their conversation's "… accepted the request".
    for (client, text) in [(&mut a, "to first"), (&mut b, "to second")] {
        let notice = client.event("message:new").await.unwrap();
        assert_eq!(notice["type"], "system");
        assert_eq!(client.event("message:new").await.unwrap()["content"], text);
    }
    ok(a.ack(
        "message:send",
        json!({"conversationId": one, "content": "from first", "clientMessageId": "a"}),
    )
    .await
    .unwrap());
    ok(b.ack(
        "message:send",
        json!({"conversationId": two, "content": "from second", "clientMessageId": "b"}),
    )
    .await
    .unwrap());
    assert_eq!(
        a.event("message:new").await.unwrap()["content"],
        "from first"
    );
    assert_eq!(
        b.event("message:new").await.unwrap()["content"],
        "from second"
    );
    refused(
        &a.ack(
            "message:send",
            json!({"conversationId": two, "content": "sneak", "clientMessageId": "x"}),
        )
        .await
        .unwrap(),
        "forbidden",
    );
    // A round trip through each conversation proves nothing from the other arrived.
    assert!(
        a.drain("message:new").is_empty(),
        "first volunteer saw another conversation"
    );
    assert!(
        b.drain("message:new").is_empty(),
        "second volunteer saw another conversation"
    );
    let mut seen: Vec<String> = Vec::new();
    while seen.len() < 4 {
        let m = s.event("message:new").await.unwrap();
        // Each conversation also opened with "… accepted the request".
        if m["type"] != "system" {
            seen.push(m["content"].as_str().unwrap().to_owned());
        }
    }
    seen.sort();
    assert_eq!(seen, ["from first", "from second", "to first", "to second"]);
    let (status, _) = app
        .get(
            &format!("/api/conversations/{}/messages", two.as_str().unwrap()),
            Some(&first.token),
        )
        .await;
    assert_eq!(status, 404);
}

/// A volunteer at `HELPLINE_MAX_ACTIVE_CHATS` is offered no new request
/// and cannot accept one (`conflict`, the request stays pending); ending
/// a chat offers them what waits.
async fn the_chat_cap(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.max_active_chats = 1).await;
    let (ann, bea) = (app.register("seeker").await, app.register("seeker").await);
    let vic = app.register("volunteer").await;
    let mut v = app.connect(&vic).await;
    let a = app.connect(&ann).await;
    let mut b = app.connect(&bea).await;
    let first = ok(a
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    assert_eq!(first["onlineVolunteers"], 1);
    v.event("seeker:incoming").await.unwrap();
    let chat = ok(v
        .ack("volunteer:accept", json!({"requestId": first["requestId"]}))
        .await
        .unwrap())["conversationId"]
        .clone();

    let second = ok(b
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    assert_eq!(second["onlineVolunteers"], 0, "vic is at the cap");
    b.event("seeker:queued").await.unwrap();
    let refusal = v
        .ack(
            "volunteer:accept",
            json!({"requestId": second["requestId"]}),
        )
        .await
        .unwrap();
    refused(&refusal, "conflict");
    assert!(
        refusal["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("active chats")),
        "{refusal}"
    );
    let status = ok(b.ack("request:status", json!({})).await.unwrap());
    assert_eq!(status["request"]["status"], "pending", "{status}");

    // The chat ends: a place is free, and Bea's request is offered.
    ok(v.ack("chat:end", json!({"conversationId": chat}))
        .await
        .unwrap());
    let offered = v.event("seeker:incoming").await.unwrap();
    assert_eq!(offered["requestId"], second["requestId"]);
    ok(v.ack(
        "volunteer:accept",
        json!({"requestId": second["requestId"]}),
    )
    .await
    .unwrap());
    b.event("session:started").await.unwrap();
}
