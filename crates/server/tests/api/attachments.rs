//! Attachments end to end, on SQLite and PostgreSQL: real multipart
//! uploads, `message:send` with an `attachmentId`, downloads with their
//! headers and thumbnails, sniffing, the size limit and the quota, and bad
//! multipart bodies. Who may upload, download and send, and how files
//! leave the disk, are in `attachment_rules.rs`.

use crate::common::attachments::{picture, png, send, upload};
use crate::common::{Backend, TestApp, ok, refused, session};
use serde_json::{Value, json};

both_backends!(
    upload_send_and_download_round_trip,
    the_type_is_sniffed_and_must_fit_the_message,
    limits_and_quota_store_nothing,
    bad_multipart_is_refused,
);

async fn upload_send_and_download_round_trip(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, volunteer, s, mut v, conversation) = session(&app).await;
    let photo = png(800, 400);
    let (status, stored) = upload(
        &app,
        &seeker,
        &conversation,
        "../Holiday Grüße.png",
        "image/png",
        &photo,
    )
    .await;
    assert_eq!(status, 201, "{stored}");
    assert_eq!(stored["name"], "Holiday Grüße.png");
    assert_eq!(stored["mime"], "image/png");
    assert_eq!(stored["size"], photo.len());
    assert_eq!(stored["thumbnail"], true);
    assert_eq!(
        app.attachment_files().len(),
        2,
        "the file and its thumbnail"
    );

    let sent = ok(send(&s, &conversation, "image", &stored, "p1").await)["message"].clone();
    assert_eq!(sent["type"], "image");
    assert_eq!(sent["attachment"], stored);
    let heard = v.event("message:new").await.unwrap();
    assert_eq!(heard["attachment"], stored);

    let id = stored["id"].as_str().unwrap();
    let (status, headers, body) = app
        .get_bytes(&format!("/api/attachments/{id}"), &volunteer.token)
        .await;
    assert_eq!(status, 200);
    assert_eq!(body, photo);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(
        headers["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("private")
    );
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"Holiday Gr__e.png\"; filename*=UTF-8''Holiday%20Gr%C3%BC%C3%9Fe.png"
    );

    // Thumbnails: PNG and JPEG pictures get a JPEG of at most 320 px.
    let (status, headers, thumb) = app
        .get_bytes(
            &format!("/api/attachments/{id}/thumbnail"),
            &volunteer.token,
        )
        .await;
    assert_eq!(
        (status, headers["content-type"].to_str().unwrap()),
        (200, "image/jpeg")
    );
    let small = image::load_from_memory_with_format(&thumb, image::ImageFormat::Jpeg).unwrap();
    assert_eq!((small.width(), small.height()), (320, 160));
    let jpeg = picture(300, 900, image::ImageOutputFormat::Jpeg(90));
    let (status, from_jpeg) = upload(
        &app,
        &volunteer,
        &conversation,
        "scan.jpg",
        "image/jpeg",
        &jpeg,
    )
    .await;
    assert_eq!(
        (
            status,
            from_jpeg["mime"].clone(),
            from_jpeg["thumbnail"].clone()
        ),
        (201, json!("image/jpeg"), json!(true))
    );
    let path = format!(
        "/api/attachments/{}/thumbnail",
        from_jpeg["id"].as_str().unwrap()
    );
    let (_, _, thumb) = app.get_bytes(&path, &volunteer.token).await;
    let small = image::load_from_memory(&thumb).unwrap();
    assert_eq!((small.width(), small.height()), (107, 320));

    // A voice note and a file; history and sync carry the attachment too.
    let (_, voice) = upload(
        &app,
        &volunteer,
        &conversation,
        "note.ogg",
        "audio/ogg",
        b"OggS\0\x02\0\0\0\0\0\0\0\0OpusHead",
    )
    .await;
    assert_eq!(
        (voice["mime"].clone(), voice["thumbnail"].clone()),
        (json!("audio/ogg"), json!(false))
    );
    let voice_message = ok(send(&v, &conversation, "voice", &voice, "n1").await)["message"].clone();
    let (_, history) = app
        .get(
            &format!(
                "/api/conversations/{}/messages",
                conversation.as_str().unwrap()
            ),
            Some(&seeker.token),
        )
        .await;
    let carried: Vec<Value> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["attachment"].clone())
        .collect();
    assert!(
        carried.contains(&stored) && carried.contains(&voice),
        "{history}"
    );
    let synced = ok(s
        .ack(
            "message:sync",
            json!({"conversationId": conversation, "afterSeq": 0}),
        )
        .await
        .unwrap());
    let last = synced["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (last["id"].clone(), last["attachment"].clone()),
        (voice_message["id"].clone(), voice)
    );
    let text = ok(s
        .ack(
            "message:send",
            json!({"conversationId": conversation, "content": "lovely", "clientMessageId": "t"}),
        )
        .await
        .unwrap());
    assert_eq!(text["message"]["attachment"], Value::Null);
}

async fn the_type_is_sniffed_and_must_fit_the_message(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, _, s, _, conversation) = session(&app).await;
    // A page calling itself a PNG is text; random bytes calling themselves a PDF are nothing known.
    let (_, page) = upload(
        &app,
        &seeker,
        &conversation,
        "photo.png",
        "image/png",
        b"<html><script>alert(1)</script></html>",
    )
    .await;
    assert_eq!(page["mime"], "text/plain");
    assert_eq!(page["thumbnail"], false);
    let (_, blob) = upload(
        &app,
        &seeker,
        &conversation,
        "doc.pdf",
        "application/pdf",
        b"\x00\x01\x02binary\xff",
    )
    .await;
    assert_eq!(blob["mime"], "application/octet-stream");
    let (status, headers, _) = app
        .get_bytes(
            &format!("/api/attachments/{}", page["id"].as_str().unwrap()),
            &seeker.token,
        )
        .await;
    assert_eq!(
        (status, headers["content-type"].to_str().unwrap()),
        (200, "text/plain; charset=utf-8")
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    // The message type must fit the sniffed type.
    refused(
        &send(&s, &conversation, "image", &page, "a").await,
        "invalid",
    );
    refused(
        &send(&s, &conversation, "voice", &blob, "b").await,
        "invalid",
    );
    refused(
        &send(&s, &conversation, "text", &blob, "c").await,
        "invalid",
    );
    refused(
        &s.ack(
            "message:send",
            json!({"conversationId": conversation, "type": "image", "clientMessageId": "d"}),
        )
        .await
        .unwrap(),
        "invalid",
    );
    refused(&s.ack("message:send", json!({"conversationId": conversation, "type": "system", "content": "I am the server", "clientMessageId": "e"})).await.unwrap(), "invalid");
    let sent = ok(send(&s, &conversation, "file", &blob, "f").await);
    assert_eq!(
        sent["message"]["attachment"]["mime"],
        "application/octet-stream"
    );
}

async fn limits_and_quota_store_nothing(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.attachment_max_bytes = 1000;
        s.attachment_quota_bytes = 1500;
    })
    .await;
    let (seeker, volunteer, _, _, conversation) = session(&app).await;
    let (status, body) = upload(
        &app,
        &seeker,
        &conversation,
        "big.txt",
        "text/plain",
        &[b'a'; 1001],
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (413, json!("too_large"))
    );
    assert!(app.attachment_files().is_empty());
    let (status, _) = upload(
        &app,
        &seeker,
        &conversation,
        "fits.txt",
        "text/plain",
        &[b'a'; 1000],
    )
    .await;
    assert_eq!(status, 201);
    let (status, body) = upload(
        &app,
        &seeker,
        &conversation,
        "more.txt",
        "text/plain",
        &[b'b'; 600],
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (413, json!("quota_exceeded")),
        "{body}"
    );
    assert!(body["error"]["message"].as_str().unwrap().contains("quota"));
    assert_eq!(
        app.attachment_files().len(),
        1,
        "the refused upload left no file"
    );
    let (status, _) = upload(
        &app,
        &volunteer,
        &conversation,
        "theirs.txt",
        "text/plain",
        &[b'c'; 1000],
    )
    .await;
    assert_eq!(status, 201, "the quota is per person");
    let (status, _) = upload(
        &app,
        &seeker,
        &conversation,
        "small.txt",
        "text/plain",
        &[b'd'; 500],
    )
    .await;
    assert_eq!(status, 201, "exactly at the quota");
}

/// The permission table's upload and download rows, through REST.
async fn bad_multipart_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, _, _, _, conversation) = session(&app).await;
    let path = format!(
        "/api/conversations/{}/attachments",
        conversation.as_str().unwrap()
    );
    let (status, body) = app
        .upload(
            &path,
            &seeker.token,
            &[("other", Some("a.txt"), "text/plain", b"a")],
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (400, json!("invalid")),
        "no file field"
    );
    let (status, body) = app
        .upload(
            &path,
            &seeker.token,
            &[("file", Some("empty.txt"), "text/plain", b"")],
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (400, json!("invalid")),
        "an empty file"
    );
    let (status, body) = app
        .post(&path, Some(&seeker.token), json!({"file": "not multipart"}))
        .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (400, json!("invalid")),
        "not multipart"
    );
    let broken = app
        .http
        .post(format!("{}{path}", app.base))
        .bearer_auth(&seeker.token)
        .header("content-type", "multipart/form-data; boundary=xyz")
        .body("--xyz\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nno end")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status().as_u16(), 400);
    assert!(app.attachment_files().is_empty());
    // A name is optional: the upload is called "file".
    let (status, body) = app
        .upload(&path, &seeker.token, &[("file", None, "text/plain", b"a")])
        .await;
    assert_eq!((status, body["name"].clone()), (201, json!("file")));
}
