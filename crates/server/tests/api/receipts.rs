//! Delivery and read receipts, unread counts across devices, and
//! archiving, on SQLite and PostgreSQL.

use crate::common::{Backend, TestApp, ok, session};
use serde_json::{Value, json};

both_backends!(delivered_and_read_receipts, unread_counts_and_archive);

async fn delivered_and_read_receipts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, volunteer, mut s, v, conversation) = session(&app).await;
    let delivered =
        |seq: i64| json!({"conversationId": conversation, "userId": volunteer.id, "upToSeq": seq});

    // The volunteer's device acknowledges message:new: a delivery receipt.
    ok(s.ack(
        "message:send",
        json!({"conversationId": conversation, "content": "one", "clientMessageId": "1"}),
    )
    .await
    .unwrap());
    // (seq 1 is the server's "… accepted the request".)
    assert_eq!(s.event("message:delivered").await.unwrap(), delivered(2));

    // Offline: nothing is delivered until the volunteer syncs.
    drop(v);
    for i in 3..=4 {
        ok(s.ack("message:send", json!({"conversationId": conversation, "content": "more", "clientMessageId": format!("{i}")})).await.unwrap());
    }
    let v = app.connect(&volunteer).await;
    ok(v.ack(
        "message:sync",
        json!({"conversationId": conversation, "afterSeq": 2}),
    )
    .await
    .unwrap());
    assert_eq!(s.event("message:delivered").await.unwrap(), delivered(4));

    // Fetching history counts too.
    drop(v);
    ok(s.ack(
        "message:send",
        json!({"conversationId": conversation, "content": "five", "clientMessageId": "5"}),
    )
    .await
    .unwrap());
    let path = format!(
        "/api/conversations/{}/messages",
        conversation.as_str().unwrap()
    );
    app.get(&path, Some(&volunteer.token)).await;
    assert_eq!(s.event("message:delivered").await.unwrap(), delivered(5));

    // Reading: the seeker sees the read receipt; the reader's other device its unread count.
    let mut phone = app.connect(&volunteer).await;
    let laptop = app.connect(&volunteer).await;
    ok(laptop
        .ack(
            "message:read",
            json!({"conversationId": conversation, "upToSeq": 5}),
        )
        .await
        .unwrap());
    let read = s.event("message:read").await.unwrap();
    assert_eq!(
        (read["userId"].clone(), read["upToSeq"].clone()),
        (json!(volunteer.id), json!(5))
    );
    assert_eq!(
        phone.event("unread:updated").await.unwrap(),
        json!({"conversationId": conversation, "unreadCount": 0, "total": 0})
    );

    // A client that reconnects reads the ticks from REST.
    let (_, list) = app.get("/api/conversations", Some(&seeker.token)).await;
    let them = list[0]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == volunteer.id.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (them["deliveredSeq"].clone(), them["readSeq"].clone()),
        (json!(5), json!(5))
    );
    assert!(
        s.drain("message:delivered").is_empty(),
        "a raised mark is announced once"
    );
}

async fn unread_counts_and_archive(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let seeker = app.register("seeker").await;
    let (first, second) = (
        app.register("volunteer").await,
        app.register("volunteer").await,
    );
    let s = app.connect(&seeker).await;
    let mut conversations = Vec::new();
    for volunteer in [&first, &second] {
        let v = app.connect(volunteer).await;
        let request = ok(s
            .ack(
                "seeker:request",
                json!({"requestType": "chat", "volunteerId": volunteer.id}),
            )
            .await
            .unwrap());
        let id = ok(v
            .ack(
                "volunteer:accept",
                json!({"requestId": request["requestId"]}),
            )
            .await
            .unwrap())["conversationId"]
            .clone();
        for i in 0..2 {
            ok(v.ack("message:send", json!({"conversationId": id, "content": "hello", "clientMessageId": format!("{i}")})).await.unwrap());
        }
        conversations.push(id);
    }
    let (status, unread) = app.get("/api/unread", Some(&seeker.token)).await;
    assert_eq!(status, 200);
    assert_eq!(unread["total"], 4);
    assert_eq!(unread["conversations"].as_array().unwrap().len(), 2);
    ok(s.ack(
        "message:read",
        json!({"conversationId": conversations[0], "upToSeq": 3}),
    )
    .await
    .unwrap());
    let (_, unread) = app.get("/api/unread", Some(&seeker.token)).await;
    assert_eq!(
        unread,
        json!({"total": 2, "conversations": [{"conversationId": conversations[1], "unreadCount": 2}]})
    );

    // Archive: out of the default list, into ?archived=true, on every device.
    let mut other_device = app.connect(&seeker).await;
    let archive = format!(
        "/api/conversations/{}/archive",
        conversations[0].as_str().unwrap()
    );
    let (status, body) = app.post(&archive, Some(&seeker.token), json!({})).await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"conversationId": conversations[0], "archived": true})
        )
    );
    assert_eq!(
        other_device.event("conversation:archived").await.unwrap(),
        json!({"conversationId": conversations[0], "archived": true})
    );
    let ids = |list: &Value| {
        list.as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].clone())
            .collect::<Vec<_>>()
    };
    let (_, list) = app.get("/api/conversations", Some(&seeker.token)).await;
    assert_eq!(ids(&list), [conversations[1].clone()]);
    let (_, archived) = app
        .get("/api/conversations?archived=true", Some(&seeker.token))
        .await;
    assert_eq!(ids(&archived), [conversations[0].clone()]);
    assert_eq!(archived[0]["archived"], true);
    let (status, _) = app
        .get("/api/conversations?archived=maybe", Some(&seeker.token))
        .await;
    assert_eq!(status, 400);
    let (status, _) = app.post(&archive, Some(&first.token), json!({})).await;
    assert_eq!(
        status, 200,
        "archiving is per person: the volunteer may archive too"
    );
    let (status, _) = app
        .post(
            "/api/conversations/nope/archive",
            Some(&seeker.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 404);

    // A new message brings it back.
    let v = app.connect(&first).await;
    ok(v.ack("message:send", json!({"conversationId": conversations[0], "content": "still there?", "clientMessageId": "x"})).await.unwrap());
    let (_, list) = app.get("/api/conversations", Some(&seeker.token)).await;
    assert_eq!(
        ids(&list),
        [conversations[0].clone(), conversations[1].clone()]
    );
    let unarchive = format!(
        "/api/conversations/{}/unarchive",
        conversations[1].as_str().unwrap()
    );
    let (status, body) = app.post(&unarchive, Some(&seeker.token), json!({})).await;
    assert_eq!((status, body["archived"].clone()), (200, json!(false)));
}
