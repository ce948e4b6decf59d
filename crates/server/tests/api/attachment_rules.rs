//! Attachment rules, on SQLite and PostgreSQL: the permission table's
//! upload and download rows through REST and the attachment `message:send`
//! rows through Socket.IO (participants of any role yes, strangers 404,
//! blocked senders and ended conversations refused), one message per
//! attachment, and files leaving the disk when their message is deleted or
//! expires, or when an upload is never sent.

use crate::common::attachments::{files_become, png, send, upload};
use crate::common::{Backend, TestApp, ok, refused, session};
use helpline_core::user::Role;
use serde_json::json;
use std::time::Duration;

both_backends!(
    who_may_upload_and_download,
    one_message_per_attachment,
    deleting_or_expiring_removes_the_files,
);

async fn who_may_upload_and_download(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, volunteer, s, _, conversation) = session(&app).await;
    let support = app.create_account(Role::Support).await;
    let strangers = [
        app.register("seeker").await,
        app.register("volunteer").await,
        support.clone(),
    ];
    let (_, mine) = upload(
        &app,
        &seeker,
        &conversation,
        "a.txt",
        "text/plain",
        b"hello",
    )
    .await;
    let file = format!("/api/attachments/{}", mine["id"].as_str().unwrap());
    // Unsent: only its uploader sees it.
    assert_eq!(app.get_bytes(&file, &seeker.token).await.0, 200);
    assert_eq!(app.get_bytes(&file, &volunteer.token).await.0, 404);
    ok(send(&s, &conversation, "file", &mine, "m").await);
    for participant in [&seeker, &volunteer] {
        assert_eq!(app.get_bytes(&file, &participant.token).await.0, 200);
    }
    for stranger in &strangers {
        let (status, body) =
            upload(&app, stranger, &conversation, "x.txt", "text/plain", b"x").await;
        assert_eq!(
            (status, body["error"]["code"].clone()),
            (404, json!("not_found"))
        );
        assert_eq!(app.get_bytes(&file, &stranger.token).await.0, 404);
        assert_eq!(
            app.get_bytes(&format!("{file}/thumbnail"), &stranger.token)
                .await
                .0,
            404
        );
    }
    assert_eq!(
        app.get_bytes("/api/attachments/nope", &seeker.token)
            .await
            .0,
        404
    );
    assert_eq!(
        upload(&app, &seeker, &json!("nope"), "x.txt", "text/plain", b"x")
            .await
            .0,
        404
    );
    let (status, _) = app
        .upload(
            &format!(
                "/api/conversations/{}/attachments",
                conversation.as_str().unwrap()
            ),
            "forged",
            &[("file", Some("x"), "text/plain", b"x")],
        )
        .await;
    assert_eq!(status, 401);

    // Support in a conversation of its own is a participant like anyone.
    let (status, direct) = app
        .post(
            "/api/conversations",
            Some(&support.token),
            json!({"participantId": seeker.id}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, theirs) = upload(
        &app,
        &support,
        &direct["id"],
        "help.txt",
        "text/plain",
        b"how to",
    )
    .await;
    assert_eq!(status, 201);
    let support_client = app.connect(&support).await;
    ok(send(&support_client, &direct["id"], "file", &theirs, "h").await);
    let path = format!("/api/attachments/{}", theirs["id"].as_str().unwrap());
    assert_eq!(app.get_bytes(&path, &seeker.token).await.0, 200);
    assert_eq!(app.get_bytes(&path, &volunteer.token).await.0, 404);

    // Blocked: the volunteer blocks the seeker, who may no longer upload there.
    let (status, _) = app
        .post(
            &format!("/api/users/{}/block", seeker.id),
            Some(&volunteer.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = upload(&app, &seeker, &conversation, "b.txt", "text/plain", b"b").await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (403, json!("forbidden"))
    );
    assert_eq!(
        upload(&app, &volunteer, &conversation, "c.txt", "text/plain", b"c")
            .await
            .0,
        201,
        "the blocker still may"
    );
    // Ended: no more uploads, but what was sent stays downloadable.
    ok(s.ack("chat:end", json!({"conversationId": conversation}))
        .await
        .unwrap());
    let (status, body) = upload(&app, &volunteer, &conversation, "d.txt", "text/plain", b"d").await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (409, json!("conversation_ended"))
    );
    assert_eq!(app.get_bytes(&file, &volunteer.token).await.0, 200);
}

/// The attachment message send rows of the table, through Socket.IO.
async fn one_message_per_attachment(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, _, s, v, conversation) = session(&app).await;
    let (_, other_seeker, _, _, other) = session(&app).await;
    let (_, a) = upload(&app, &seeker, &conversation, "a.txt", "text/plain", b"a").await;
    let (_, elsewhere) = upload(&app, &other_seeker, &other, "o.txt", "text/plain", b"o").await;
    refused(&send(&v, &conversation, "file", &a, "v").await, "invalid");
    refused(
        &send(&s, &conversation, "file", &elsewhere, "x").await,
        "invalid",
    );
    refused(&send(&s, &other, "file", &a, "y").await, "forbidden");
    let first = ok(send(&s, &conversation, "file", &a, "1").await);
    let retry = ok(send(&s, &conversation, "file", &a, "1").await);
    assert_eq!(
        retry["message"], first["message"],
        "a retry gets the first message back"
    );
    refused(&send(&s, &conversation, "file", &a, "2").await, "invalid");
    refused(
        &send(&s, &conversation, "file", &json!({"id": "nope"}), "3").await,
        "invalid",
    );
}

async fn deleting_or_expiring_removes_the_files(backend: Backend) {
    // The clock moves past a day below; tokens must outlive that.
    let app = TestApp::spawn_with(backend, |settings| settings.token_ttl_secs = 7 * 86_400).await;
    let (seeker, volunteer, s, mut v, conversation) = session(&app).await;
    let (_, deleted) = upload(
        &app,
        &seeker,
        &conversation,
        "a.png",
        "image/png",
        &png(10, 10),
    )
    .await;
    let message = ok(send(&s, &conversation, "image", &deleted, "d").await)["message"].clone();
    assert_eq!(app.attachment_files().len(), 2);
    ok(s.ack(
        "message:delete",
        json!({"conversationId": conversation, "messageId": message["id"]}),
    )
    .await
    .unwrap());
    v.event("message:deleted").await.unwrap();
    assert!(
        app.attachment_files().is_empty(),
        "file and thumbnail are gone at once"
    );
    let path = format!("/api/attachments/{}", deleted["id"].as_str().unwrap());
    assert_eq!(app.get_bytes(&path, &volunteer.token).await.0, 404);

    // Expiry: the sweeper deletes the message, then its file.
    let (_, timed) = upload(&app, &seeker, &conversation, "b.txt", "text/plain", b"bye").await;
    let sent = s
        .ack("message:send", json!({"conversationId": conversation, "type": "file", "attachmentId": timed["id"], "clientMessageId": "t", "expiresInSecs": 30}))
        .await
        .unwrap();
    assert!(ok(sent)["message"]["expiresAt"].is_string());
    v.drain("message:new");
    app.clock.advance(Duration::from_secs(31));
    v.event("message:deleted").await.unwrap();
    files_become(&app, 0).await;
    let path = format!("/api/attachments/{}", timed["id"].as_str().unwrap());
    assert_eq!(app.get_bytes(&path, &seeker.token).await.0, 404);

    // An upload never sent is swept after a day.
    let (_, unsent) = upload(
        &app,
        &seeker,
        &conversation,
        "c.txt",
        "text/plain",
        b"never sent",
    )
    .await;
    app.clock.advance(Duration::from_secs(23 * 3600));
    let path = format!("/api/attachments/{}", unsent["id"].as_str().unwrap());
    assert_eq!(
        app.get_bytes(&path, &seeker.token).await.0,
        200,
        "still there within a day"
    );
    app.clock.advance(Duration::from_secs(2 * 3600));
    files_become(&app, 0).await;
    assert_eq!(app.get_bytes(&path, &seeker.token).await.0, 404);
}
