//! `GET /api/search`: ranked full-text search over what the caller may
//! read, never leaking another conversation, deleted or replaced text.

use crate::common::{Backend, TestApp, ok};
use serde_json::{Value, json};

both_backends!(search_over_readable_messages);

async fn search_over_readable_messages(backend: Backend) {
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
        conversations.push(
            ok(v.ack(
                "volunteer:accept",
                json!({"requestId": request["requestId"]}),
            )
            .await
            .unwrap())["conversationId"]
                .clone(),
        );
    }
    let send = |conversation: &Value, text: &str, key: &str| {
        s.ack(
            "message:send",
            json!({"conversationId": conversation, "content": text, "clientMessageId": key}),
        )
    };
    ok(send(
        &conversations[0],
        "My doctor appointment is on Tuesday",
        "1",
    )
    .await
    .unwrap());
    ok(send(&conversations[0], "The doctor was kind", "2")
        .await
        .unwrap());
    let secret = ok(
        send(&conversations[1], "Doctor Who is my favourite show", "1")
            .await
            .unwrap(),
    )["message"]["id"]
        .clone();
    let contents = |body: &Value| {
        body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["content"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };

    // The seeker sees both conversations; each volunteer only theirs.
    let (status, body) = app.get("/api/search?q=doctor", Some(&seeker.token)).await;
    assert_eq!(
        (status, body["results"].as_array().unwrap().len()),
        (200, 3)
    );
    let (_, body) = app.get("/api/search?q=DOCTOR", Some(&first.token)).await;
    let mut got = contents(&body);
    got.sort();
    assert_eq!(
        got,
        ["My doctor appointment is on Tuesday", "The doctor was kind"]
    );
    assert!(
        !body.to_string().contains("favourite"),
        "never another conversation"
    );
    let other = conversations[1].as_str().unwrap();
    let (status, _) = app
        .get(
            &format!("/api/search?q=doctor&conversationId={other}"),
            Some(&first.token),
        )
        .await;
    assert_eq!(status, 404);
    let (_, body) = app
        .get("/api/search?q=tuesday%20doctor", Some(&first.token))
        .await;
    assert_eq!(
        contents(&body),
        ["My doctor appointment is on Tuesday"],
        "every word must match"
    );

    // Paging.
    let (_, page) = app
        .get("/api/search?q=doctor&limit=2", Some(&seeker.token))
        .await;
    assert_eq!(
        (
            page["results"].as_array().unwrap().len(),
            page["hasMore"].clone()
        ),
        (2, json!(true))
    );
    let (_, rest) = app
        .get("/api/search?q=doctor&limit=2&offset=2", Some(&seeker.token))
        .await;
    assert_eq!(
        (
            rest["results"].as_array().unwrap().len(),
            rest["hasMore"].clone()
        ),
        (1, json!(false))
    );
    let first_conversation = conversations[0].as_str().unwrap();
    let (_, older) = app
        .get(
            &format!("/api/search?q=doctor&conversationId={first_conversation}&beforeSeq=3"),
            Some(&seeker.token),
        )
        .await;
    assert_eq!(contents(&older), ["My doctor appointment is on Tuesday"]);

    // Deleted and replaced text is gone.
    ok(s.ack(
        "message:delete",
        json!({"conversationId": conversations[1], "messageId": secret}),
    )
    .await
    .unwrap());
    let (_, body) = app
        .get("/api/search?q=favourite", Some(&seeker.token))
        .await;
    assert_eq!(body["results"], json!([]));
    let kind = ok(send(&conversations[0], "placeholder words", "3")
        .await
        .unwrap())["message"]["id"]
        .clone();
    ok(s.ack(
        "message:edit",
        json!({"conversationId": conversations[0], "messageId": kind, "content": "rewritten text"}),
    )
    .await
    .unwrap());
    let (_, body) = app
        .get("/api/search?q=placeholder", Some(&seeker.token))
        .await;
    assert_eq!(body["results"], json!([]));
    let (_, body) = app
        .get("/api/search?q=rewritten", Some(&seeker.token))
        .await;
    assert_eq!(contents(&body), ["rewritten text"]);

    // Bad queries.
    for bad in [
        "/api/search",
        "/api/search?q=%20%2A%2A",
        "/api/search?q=x&limit=500",
        "/api/search?q=x&beforeSeq=3",
        "/api/search?q=x&offset=-1",
    ] {
        let (status, body) = app.get(bad, Some(&seeker.token)).await;
        assert_eq!(
            (status, body["error"]["code"].clone()),
            (400, json!("invalid")),
            "{bad}"
        );
    }
    let (status, _) = app.get("/api/search?q=doctor", None).await;
    assert_eq!(status, 401);
}
