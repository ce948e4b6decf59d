//! The request → session → chat flow, end to end over Socket.IO and REST,
//! on SQLite and PostgreSQL.

use crate::common::{Backend, TestApp, ok, refused};
use serde_json::json;

both_backends!(basic_chat, cancel, queued_then_volunteer_arrives);

async fn basic_chat(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, volunteer) = (
        app.register("seeker").await,
        app.register("volunteer").await,
    );
    let mut v = app.connect(&volunteer).await;
    let mut s = app.connect(&seeker).await;

    let ack = ok(s
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "topic": "daily", "note": "Hello"}),
        )
        .await
        .unwrap());
    assert_eq!(ack["status"], "pending");
    assert_eq!(ack["onlineVolunteers"], 1);
    let request_id = ack["requestId"].as_str().unwrap().to_owned();

    let incoming = v.event("seeker:incoming").await.unwrap();
    assert_eq!(incoming["requestId"], request_id.as_str());
    assert_eq!(incoming["seniorId"], seeker.id.as_str());
    assert_eq!(incoming["seeker"]["id"], seeker.id.as_str());
    assert_eq!(incoming["requestType"], "chat");
    assert_eq!(incoming["topic"], "daily");
    assert_eq!(incoming["note"], "Hello");
    assert!(incoming["expiresAt"].as_str().unwrap().ends_with('Z'));

    let accepted = ok(v
        .ack("volunteer:accept", json!({"requestId": request_id}))
        .await
        .unwrap());
    let conversation = accepted["conversationId"].as_str().unwrap().to_owned();
    for client in [&mut s, &mut v] {
        let started = client.event("session:started").await.unwrap();
        assert_eq!(
            started,
            json!({"conversationId": conversation, "requestId": request_id, "seniorId": seeker.id, "volunteerId": volunteer.id, "requestType": "chat"})
        );
    }

    // The conversation opens with the server's "… accepted the request".
    for client in [&mut s, &mut v] {
        let notice = client.event("message:new").await.unwrap();
        assert_eq!(
            (notice["seq"].clone(), notice["type"].clone()),
            (json!(1), json!("system"))
        );
    }
    let sent = ok(s.ack("message:send", json!({"conversationId": conversation, "content": "Hi there", "clientMessageId": "s-1"})).await.unwrap());
    assert_eq!(sent["message"]["seq"], 2);
    assert_eq!(sent["message"]["senderId"], seeker.id.as_str());
    assert_eq!(v.event("message:new").await.unwrap()["content"], "Hi there");
    assert_eq!(
        s.event("message:new").await.unwrap()["seq"],
        2,
        "the sender's sockets get it too"
    );
    ok(v.ack("message:send", json!({"conversationId": conversation, "content": "Hello!", "type": "text", "clientMessageId": "v-1"})).await.unwrap());
    let reply = s.event("message:new").await.unwrap();
    assert_eq!(
        (reply["seq"].clone(), reply["content"].clone()),
        (json!(3), json!("Hello!"))
    );

    ok(
        s.ack("typing:start", json!({"conversationId": conversation}))
            .await
            .unwrap(),
    );
    assert_eq!(
        v.event("typing").await.unwrap(),
        json!({"conversationId": conversation, "userId": seeker.id, "isTyping": true})
    );
    let read = ok(s
        .ack(
            "message:read",
            json!({"conversationId": conversation, "upToSeq": 3}),
        )
        .await
        .unwrap());
    assert_eq!(read["upToSeq"], 3);
    let receipt = v.event("message:read").await.unwrap();
    assert_eq!(
        (receipt["userId"].clone(), receipt["upToSeq"].clone()),
        (json!(seeker.id), json!(3))
    );

    ok(v.ack("chat:end", json!({"conversationId": conversation}))
        .await
        .unwrap());
    for client in [&mut s, &mut v] {
        assert_eq!(
            client.event("chat:ended").await.unwrap(),
            json!({"conversationId": conversation, "endedBy": volunteer.id})
        );
    }
    refused(
        &s.ack("chat:end", json!({"conversationId": conversation}))
            .await
            .unwrap(),
        "conversation_ended",
    );
    refused(
        &s.ack(
            "message:send",
            json!({"conversationId": conversation, "content": "late", "clientMessageId": "s-2"}),
        )
        .await
        .unwrap(),
        "conversation_ended",
    );

    let (status, history) = app
        .get(
            &format!("/api/conversations/{conversation}/messages"),
            Some(&seeker.token),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        history["messages"].as_array().unwrap().len(),
        4,
        "the two notices and two messages"
    );
    assert_eq!(history["hasMore"], false);
    let (_, list) = app.get("/api/conversations", Some(&volunteer.token)).await;
    assert_eq!(list[0]["id"], conversation.as_str());
    assert_eq!(list[0]["status"], "ended");
    assert_eq!(list[0]["lastMessage"]["seq"], 4);
    assert_eq!(list[0]["lastMessage"]["type"], "system", "… ended the chat");
    assert_eq!(
        list[0]["unreadCount"], 1,
        "the seeker's first message is unread for the volunteer"
    );
    assert_eq!(list[0]["participants"].as_array().unwrap().len(), 2);

    let (_, requests) = app.get("/api/requests", Some(&seeker.token)).await;
    assert_eq!(requests[0]["status"], "completed");
    assert_eq!(requests[0]["volunteerId"], volunteer.id.as_str());
    assert!(requests[0]["completedAt"].is_string());
    let path = format!("/api/requests/{request_id}/feedback");
    let (status, _) = app
        .post(&path, Some(&volunteer.token), json!({"rating": 5}))
        .await;
    assert_eq!(status, 403, "only the seeker rates");
    let (status, _) = app
        .post(&path, Some(&seeker.token), json!({"rating": 9}))
        .await;
    assert_eq!(status, 400);
    let (status, rated) = app
        .post(
            &path,
            Some(&seeker.token),
            json!({"rating": 5, "feedback": "Lovely"}),
        )
        .await;
    assert_eq!(status, 200, "{rated}");
    assert_eq!(
        (rated["rating"].clone(), rated["feedback"].clone()),
        (json!(5), json!("Lovely"))
    );
    let (status, again) = app
        .post(&path, Some(&seeker.token), json!({"rating": 4}))
        .await;
    assert_eq!(
        (status, again["error"]["code"].clone()),
        (409, json!("conflict"))
    );
}

async fn cancel(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, volunteer) = (
        app.register("seeker").await,
        app.register("volunteer").await,
    );
    let mut v = app.connect(&volunteer).await;
    let mut s = app.connect(&seeker).await;
    let request_id = ok(s
        .ack("seeker:request", json!({"requestType": "voice"}))
        .await
        .unwrap())["requestId"]
        .clone();
    v.event("seeker:incoming").await.unwrap();
    refused(
        &s.ack("seeker:request", json!({"requestType": "chat"}))
            .await
            .unwrap(),
        "conflict",
    );

    let cancelled = ok(s.ack("request:cancel", json!({})).await.unwrap());
    assert_eq!(cancelled["requestId"], request_id);
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(
        v.event("request:cancelled").await.unwrap(),
        json!({"requestId": request_id, "seniorId": seeker.id})
    );
    assert_eq!(
        s.event("request:cancelled").await.unwrap(),
        json!({"requestId": request_id, "status": "cancelled"})
    );
    refused(
        &s.ack("request:cancel", json!({"requestId": request_id}))
            .await
            .unwrap(),
        "not_pending",
    );
    refused(
        &v.ack("volunteer:accept", json!({"requestId": request_id}))
            .await
            .unwrap(),
        "not_pending",
    );

    let status = ok(s
        .ack("request:status", json!({"requestId": request_id}))
        .await
        .unwrap());
    assert_eq!(status["request"]["status"], "cancelled");
    assert_eq!(
        s.event("request:status:response").await.unwrap()["request"]["id"],
        request_id
    );
    ok(s.ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
}

async fn queued_then_volunteer_arrives(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, volunteer) = (
        app.register("seeker").await,
        app.register("volunteer").await,
    );
    let mut s = app.connect(&seeker).await;
    let ack = ok(s
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "topic": "emotional"}),
        )
        .await
        .unwrap());
    assert_eq!(ack["onlineVolunteers"], 0);
    assert_eq!(
        s.event("seeker:queued").await.unwrap(),
        json!({"requestId": ack["requestId"]})
    );

    let mut v = app.connect(&volunteer).await;
    let incoming = v.event("seeker:incoming").await.unwrap();
    assert_eq!(incoming["requestId"], ack["requestId"]);
    let accepted = ok(v
        .ack("volunteer:accept", json!({"seniorId": seeker.id}))
        .await
        .unwrap());
    assert_eq!(accepted["requestId"], ack["requestId"]);
    assert_eq!(
        s.event("session:started").await.unwrap()["conversationId"],
        accepted["conversationId"]
    );
}
