//! Typing indicators: relayed to the others, throttled, ended by a stop or
//! a sent message, and lapsing by themselves when the typist goes quiet.

use crate::common::{Backend, TestApp, ok, refused, session};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_is_throttled_stopped_and_lapses() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| s.typing_timeout_ms = 300).await;
    let (seeker, _, s, mut v, conversation) = session(&app).await;
    let typing = |is_typing: bool| json!({"conversationId": conversation, "userId": seeker.id, "isTyping": is_typing});

    // Many starts in a row are one relay; the stop is the next thing heard.
    for _ in 0..5 {
        ok(
            s.ack("typing:start", json!({"conversationId": conversation}))
                .await
                .unwrap(),
        );
    }
    ok(
        s.ack("typing:stop", json!({"conversationId": conversation}))
            .await
            .unwrap(),
    );
    assert_eq!(v.event("typing").await.unwrap(), typing(true));
    assert_eq!(v.event("typing").await.unwrap(), typing(false));
    // A stop when not typing is not relayed.
    ok(
        s.ack("typing:stop", json!({"conversationId": conversation}))
            .await
            .unwrap(),
    );

    // Sending a message ends typing.
    ok(
        s.ack("typing:start", json!({"conversationId": conversation}))
            .await
            .unwrap(),
    );
    assert_eq!(v.event("typing").await.unwrap(), typing(true));
    ok(s.ack(
        "message:send",
        json!({"conversationId": conversation, "content": "hi", "clientMessageId": "1"}),
    )
    .await
    .unwrap());
    assert_eq!(v.event("typing").await.unwrap(), typing(false));
    v.event("message:new").await.unwrap();

    // Silence: the indicator lapses by itself.
    ok(
        s.ack("typing:start", json!({"conversationId": conversation}))
            .await
            .unwrap(),
    );
    assert_eq!(v.event("typing").await.unwrap(), typing(true));
    assert_eq!(
        v.event("typing").await.unwrap(),
        typing(false),
        "lapsed without a stop"
    );
    assert!(
        v.drain("typing").is_empty(),
        "exactly one start and one stop each time"
    );

    ok(s.ack("chat:end", json!({"conversationId": conversation}))
        .await
        .unwrap());
    refused(
        &s.ack("typing:start", json!({"conversationId": conversation}))
            .await
            .unwrap(),
        "conversation_ended",
    );
}
