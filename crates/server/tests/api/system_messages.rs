//! Messages the server writes itself, on SQLite and PostgreSQL: "… accepted
//! the request" opens every conversation a claim creates, "… ended the chat"
//! closes every ended one; both reach the room as `message:new`, show in
//! history and sync, never count as unread, and clients cannot send
//! `system` messages of their own.

use crate::common::{Backend, TestApp, ok, refused};
use serde_json::{Value, json};

both_backends!(accepting_and_ending_write_system_messages);

async fn accepting_and_ending_write_system_messages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, volunteer) = (
        app.register("seeker").await,
        app.register("volunteer").await,
    );
    let mut v = app.connect(&volunteer).await;
    let mut s = app.connect(&seeker).await;
    let request = ok(s
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "volunteerId": volunteer.id}),
        )
        .await
        .unwrap());
    let accepted = ok(v
        .ack(
            "volunteer:accept",
            json!({"requestId": request["requestId"]}),
        )
        .await
        .unwrap());
    let conversation = accepted["conversationId"].clone();
    let volunteer_name = volunteer.user["displayName"].as_str().unwrap().to_owned();

    // Both hear the conversation's first message, by the volunteer.
    s.event("session:started").await.unwrap();
    for client in [&mut s, &mut v] {
        let first = client.event("message:new").await.unwrap();
        assert_eq!(
            (
                first["seq"].clone(),
                first["type"].clone(),
                first["senderId"].clone(),
                first["conversationId"].clone()
            ),
            (
                json!(1),
                json!("system"),
                json!(volunteer.id),
                conversation.clone()
            )
        );
        assert_eq!(
            first["content"],
            format!("{volunteer_name} accepted the request")
        );
        assert_eq!(
            (first["expiresAt"].clone(), first["attachment"].clone()),
            (Value::Null, Value::Null)
        );
    }
    // It is not unread, and it is the conversation's last message until someone writes.
    let (_, unread) = app.get("/api/unread", Some(&seeker.token)).await;
    assert_eq!(unread["total"], 0, "{unread}");
    let (_, list) = app.get("/api/conversations", Some(&seeker.token)).await;
    assert_eq!(list[0]["lastMessage"]["type"], "system");
    assert_eq!(list[0]["unreadCount"], 0);

    // Clients cannot write system messages.
    refused(
        &s.ack("message:send", json!({"conversationId": conversation, "type": "system", "content": "I am the server", "clientMessageId": "x"}))
            .await
            .unwrap(),
        "invalid",
    );
    let hello = ok(s
        .ack(
            "message:send",
            json!({"conversationId": conversation, "content": "Hello", "clientMessageId": "h"}),
        )
        .await
        .unwrap());
    assert_eq!(hello["message"]["seq"], 2, "the refused send took no seq");

    // Ending: the last message says who ended it, before chat:ended.
    ok(s.ack("chat:end", json!({"conversationId": conversation}))
        .await
        .unwrap());
    let seeker_name = seeker.user["displayName"].as_str().unwrap().to_owned();
    for client in [&mut s, &mut v] {
        let mut notes = Vec::new();
        loop {
            let m = client.event("message:new").await.unwrap();
            if m["type"] == "system" {
                notes.push(m);
                break;
            }
        }
        let last = &notes[0];
        assert_eq!(
            (
                last["seq"].clone(),
                last["senderId"].clone(),
                last["content"].clone()
            ),
            (
                json!(3),
                json!(seeker.id),
                json!(format!("{seeker_name} ended the chat"))
            )
        );
        let ended = client.event("chat:ended").await.unwrap();
        assert_eq!(ended["endedBy"], json!(seeker.id));
    }
    let (status, history) = app
        .get(
            &format!(
                "/api/conversations/{}/messages",
                conversation.as_str().unwrap()
            ),
            Some(&volunteer.token),
        )
        .await;
    assert_eq!(status, 200);
    let kinds: Vec<(i64, String)> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["seq"].as_i64().unwrap(),
                m["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (1, "system".into()),
            (2, "text".into()),
            (3, "system".into())
        ]
    );
    let synced = ok(v
        .ack(
            "message:sync",
            json!({"conversationId": conversation, "afterSeq": 2}),
        )
        .await
        .unwrap());
    assert_eq!(
        synced["messages"][0]["content"],
        format!("{seeker_name} ended the chat")
    );
    // A second end changes nothing: no second notice.
    refused(
        &v.ack("chat:end", json!({"conversationId": conversation}))
            .await
            .unwrap(),
        "conversation_ended",
    );
    let (_, again) = app
        .get(
            &format!(
                "/api/conversations/{}/messages",
                conversation.as_str().unwrap()
            ),
            Some(&volunteer.token),
        )
        .await;
    assert_eq!(again["messages"].as_array().unwrap().len(), 3);
}
