//! Replies, edits, deletion for everyone and reactions, over Socket.IO,
//! on SQLite and PostgreSQL: who may do each, what every device hears, and
//! what history and sync show afterwards.

use crate::common::{Backend, TestApp, ok, refused, session};
use serde_json::json;

both_backends!(replies_edits_and_deletes, reactions);

async fn replies_edits_and_deletes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, volunteer, s, mut v, conversation) = session(&app).await;
    let mut v_phone = app.connect(&volunteer).await;
    let first = ok(s.ack("message:send", json!({"conversationId": conversation, "content": "How do I call my grandson?", "clientMessageId": "1"})).await.unwrap())["message"].clone();
    let id = first["id"].clone();

    // Reply.
    let reply = ok(v.ack("message:send", json!({"conversationId": conversation, "content": "Let me show you", "clientMessageId": "r", "replyToId": id})).await.unwrap())["message"].clone();
    assert_eq!(
        reply["replyTo"],
        json!({"id": id, "seq": 2, "senderId": seeker.id, "preview": "How do I call my grandson?", "deleted": false})
    );
    refused(&v.ack("message:send", json!({"conversationId": conversation, "content": "x", "clientMessageId": "r2", "replyToId": "nope"})).await.unwrap(), "invalid");

    // Edit: the sender only.
    refused(
        &v.ack(
            "message:edit",
            json!({"conversationId": conversation, "messageId": id, "content": "hijack"}),
        )
        .await
        .unwrap(),
        "forbidden",
    );
    refused(
        &s.ack(
            "message:edit",
            json!({"conversationId": conversation, "messageId": id, "content": ""}),
        )
        .await
        .unwrap(),
        "invalid",
    );
    refused(
        &s.ack(
            "message:edit",
            json!({"conversationId": conversation, "messageId": "nope", "content": "x"}),
        )
        .await
        .unwrap(),
        "not_found",
    );
    let edited = ok(s.ack("message:edit", json!({"conversationId": conversation, "messageId": id, "content": "How do I video call my grandson?"})).await.unwrap());
    assert_eq!(edited["message"]["seq"], 2);
    assert!(edited["message"]["editedAt"].is_string());
    for device in [&mut v, &mut v_phone] {
        let seen = device.event("message:edited").await.unwrap();
        assert_eq!(
            (seen["id"].clone(), seen["content"].clone()),
            (id.clone(), json!("How do I video call my grandson?"))
        );
    }
    let stranger = app.register("seeker").await;
    let x = app.connect(&stranger).await;
    refused(
        &x.ack(
            "message:edit",
            json!({"conversationId": conversation, "messageId": id, "content": "x"}),
        )
        .await
        .unwrap(),
        "forbidden",
    );
    refused(
        &x.ack(
            "message:delete",
            json!({"conversationId": conversation, "messageId": id}),
        )
        .await
        .unwrap(),
        "forbidden",
    );

    // Delete: the sender only; every device hears it; history and sync keep only a tombstone.
    refused(
        &v.ack(
            "message:delete",
            json!({"conversationId": conversation, "messageId": id}),
        )
        .await
        .unwrap(),
        "forbidden",
    );
    let deleted = ok(s
        .ack(
            "message:delete",
            json!({"conversationId": conversation, "messageId": id}),
        )
        .await
        .unwrap());
    assert_eq!(deleted["seq"], 2);
    for device in [&mut v, &mut v_phone] {
        assert_eq!(
            device.event("message:deleted").await.unwrap(),
            json!({"conversationId": conversation, "messageId": id, "seq": 2})
        );
    }
    refused(
        &s.ack(
            "message:delete",
            json!({"conversationId": conversation, "messageId": id}),
        )
        .await
        .unwrap(),
        "not_found",
    );
    refused(
        &s.ack(
            "message:edit",
            json!({"conversationId": conversation, "messageId": id, "content": "back"}),
        )
        .await
        .unwrap(),
        "not_found",
    );
    let sync = ok(v
        .ack(
            "message:sync",
            json!({"conversationId": conversation, "afterSeq": 1}),
        )
        .await
        .unwrap());
    assert_eq!(sync["messages"][0]["content"], "");
    assert!(sync["messages"][0]["deletedAt"].is_string());
    assert_eq!(sync["messages"][1]["replyTo"]["deleted"], true);
    assert_eq!(sync["messages"][1]["replyTo"]["preview"], "");
    let (_, history) = app
        .get(
            &format!(
                "/api/conversations/{}/messages",
                conversation.as_str().unwrap()
            ),
            Some(&volunteer.token),
        )
        .await;
    assert!(
        !history.to_string().contains("grandson"),
        "deleted content is gone: {history}"
    );

    // After the end: no edits, but the sender may still delete.
    let second = ok(v
        .ack(
            "message:send",
            json!({"conversationId": conversation, "content": "bye", "clientMessageId": "b"}),
        )
        .await
        .unwrap())["message"]["id"]
        .clone();
    ok(s.ack("chat:end", json!({"conversationId": conversation}))
        .await
        .unwrap());
    refused(
        &v.ack(
            "message:edit",
            json!({"conversationId": conversation, "messageId": second, "content": "x"}),
        )
        .await
        .unwrap(),
        "conversation_ended",
    );
    ok(v.ack(
        "message:delete",
        json!({"conversationId": conversation, "messageId": second}),
    )
    .await
    .unwrap());
}

async fn reactions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, volunteer, mut s, v, conversation) = session(&app).await;
    let id = ok(s.ack("message:send", json!({"conversationId": conversation, "content": "Thank you!", "clientMessageId": "1"})).await.unwrap())["message"]["id"].clone();
    let added = ok(v
        .ack(
            "message:react",
            json!({"conversationId": conversation, "messageId": id, "emoji": "❤️"}),
        )
        .await
        .unwrap());
    assert_eq!(
        added["reactions"],
        json!([{"emoji": "❤️", "count": 1, "userIds": [volunteer.id]}])
    );
    let heard = s.event("message:reaction").await.unwrap();
    assert_eq!(
        heard,
        json!({"conversationId": conversation, "messageId": id, "reactions": [{"emoji": "❤️", "count": 1, "userIds": [volunteer.id]}]})
    );
    ok(s.ack(
        "message:react",
        json!({"conversationId": conversation, "messageId": id, "emoji": "❤️"}),
    )
    .await
    .unwrap());
    assert_eq!(
        s.event("message:reaction").await.unwrap()["reactions"][0]["count"],
        2
    );
    let removed = ok(v
        .ack(
            "message:react",
            json!({"conversationId": conversation, "messageId": id, "emoji": "❤️"}),
        )
        .await
        .unwrap());
    assert_eq!(
        removed["reactions"],
        json!([{"emoji": "❤️", "count": 1, "userIds": [seeker.id]}])
    );
    for bad in [json!("a"), json!(""), json!(5), json!("👍".repeat(17))] {
        refused(
            &v.ack(
                "message:react",
                json!({"conversationId": conversation, "messageId": id, "emoji": bad}),
            )
            .await
            .unwrap(),
            "invalid",
        );
    }
    let (_, history) = app
        .get(
            &format!(
                "/api/conversations/{}/messages",
                conversation.as_str().unwrap()
            ),
            Some(&seeker.token),
        )
        .await;
    assert_eq!(
        history["messages"][1]["reactions"][0]["userIds"],
        json!([seeker.id])
    );
    ok(s.ack(
        "message:delete",
        json!({"conversationId": conversation, "messageId": id}),
    )
    .await
    .unwrap());
    refused(
        &v.ack(
            "message:react",
            json!({"conversationId": conversation, "messageId": id, "emoji": "👍"}),
        )
        .await
        .unwrap(),
        "not_found",
    );
}
