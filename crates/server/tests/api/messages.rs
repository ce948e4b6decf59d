//! Message delivery: idempotent resend, gapless seq under concurrent
//! senders, reconnect then sync, history paging, and who may read what.

use crate::common::{Backend, TestApp, ok, refused, session};
use futures::future::join_all;
use helpline_client::Client;
use serde_json::{Value, json};

both_backends!(
    idempotent_resend,
    gapless_seq_under_concurrent_senders,
    reconnect_then_sync,
    authorization
);

async fn idempotent_resend(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, _, mut s, mut v, conversation) = session(&app).await;
    let payload = json!({"conversationId": conversation, "content": "only once", "clientMessageId": "retry-me"});
    let first = ok(s.ack("message:send", payload.clone()).await.unwrap());
    let again = ok(s.ack("message:send", payload.clone()).await.unwrap());
    assert_eq!(
        first["message"], again["message"],
        "a retry gets the first message back"
    );
    let concurrent = join_all((0..5).map(|_| s.ack("message:send", payload.clone()))).await;
    for ack in concurrent {
        assert_eq!(ok(ack.unwrap())["message"]["id"], first["message"]["id"]);
    }
    // The same key from the other participant is a different message.
    let theirs = ok(v.ack("message:send", payload).await.unwrap());
    assert_eq!(theirs["message"]["seq"], 3);
    // Exactly two broadcasts: seq 2 and seq 3 (1 is the accepted notice).
    assert_eq!(v.event("message:new").await.unwrap()["seq"], 2);
    assert_eq!(v.event("message:new").await.unwrap()["seq"], 3);
    let sync = ok(v
        .ack(
            "message:sync",
            json!({"conversationId": conversation, "afterSeq": 1}),
        )
        .await
        .unwrap());
    assert_eq!(sync["messages"].as_array().unwrap().len(), 2);
    assert!(v.drain("message:new").is_empty(), "nothing broadcast twice");
    let mut seqs: Vec<i64> = Vec::new();
    while seqs.len() < 2 {
        seqs.push(
            s.event("message:new").await.unwrap()["seq"]
                .as_i64()
                .unwrap(),
        );
    }
    assert_eq!(seqs, [2, 3]);
}

async fn gapless_seq_under_concurrent_senders(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, volunteer, s, v, conversation) = session(&app).await;
    let s2 = app.connect(&seeker).await;
    let v2 = app.connect(&volunteer).await;
    let clients = [&s, &s2, &v, &v2];
    const EACH: usize = 25;
    let sends = clients.iter().enumerate().flat_map(|(c, client)| {
        let conversation = conversation.clone();
        (0..EACH).map(move |i| {
            client.ack("message:send", json!({"conversationId": conversation, "content": format!("{c}-{i}"), "clientMessageId": format!("c{c}-{i}")}))
        })
    });
    let acks: Vec<Value> = join_all(sends)
        .await
        .into_iter()
        .map(|a| ok(a.unwrap()))
        .collect();
    let mut seqs: Vec<i64> = acks
        .iter()
        .map(|a| a["message"]["seq"].as_i64().unwrap())
        .collect();
    seqs.sort_unstable();
    // seq 1 is the accepted notice.
    let expected: Vec<i64> = (2..=(clients.len() * EACH) as i64 + 1).collect();
    assert_eq!(seqs, expected, "seq is 2..n+1 with no gaps or repeats");
    let sync = ok(s
        .ack(
            "message:sync",
            json!({"conversationId": conversation, "afterSeq": 1, "limit": 500}),
        )
        .await
        .unwrap());
    let stored: Vec<i64> = sync["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(stored, expected, "sync returns them ascending");
}

async fn reconnect_then_sync(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, _, s, v, conversation) = session(&app).await;
    let conversation = conversation.as_str().unwrap();
    ok(v.ack(
        "message:send",
        json!({"conversationId": conversation, "content": "before", "clientMessageId": "0"}),
    )
    .await
    .unwrap());
    drop(s);
    for i in 1..=7 {
        ok(v.ack("message:send", json!({"conversationId": conversation, "content": format!("missed {i}"), "clientMessageId": format!("m{i}")})).await.unwrap());
    }
    let mut s = app.connect(&seeker).await;
    let page = ok(s
        .ack(
            "message:sync",
            json!({"conversationId": conversation, "afterSeq": 2, "limit": 5}),
        )
        .await
        .unwrap());
    let seqs: Vec<i64> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [3, 4, 5, 6, 7]);
    assert_eq!(page["hasMore"], true);
    let rest = ok(s
        .ack(
            "message:sync",
            json!({"conversationId": conversation, "afterSeq": 7}),
        )
        .await
        .unwrap());
    assert_eq!(rest["messages"][0]["content"], "missed 6");
    assert_eq!(rest["hasMore"], false);
    // The reconnected socket is back in the conversation's room.
    ok(v.ack(
        "message:send",
        json!({"conversationId": conversation, "content": "live", "clientMessageId": "live"}),
    )
    .await
    .unwrap());
    assert_eq!(s.event("message:new").await.unwrap()["content"], "live");
    // REST history pages backwards.
    let (_, newest) = app
        .get(
            &format!("/api/conversations/{conversation}/messages?limit=3"),
            Some(&seeker.token),
        )
        .await;
    let seqs: Vec<i64> = newest["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(
        (seqs, newest["hasMore"].clone()),
        (vec![8, 9, 10], json!(true))
    );
    let (_, older) = app
        .get(
            &format!("/api/conversations/{conversation}/messages?beforeSeq=4&limit=100"),
            Some(&seeker.token),
        )
        .await;
    assert_eq!(older["messages"].as_array().unwrap().len(), 3);
    assert_eq!(older["hasMore"], false);
    let (status, _) = app
        .get(
            &format!("/api/conversations/{conversation}/messages?limit=abc"),
            Some(&seeker.token),
        )
        .await;
    assert_eq!(status, 400);
}

async fn authorization(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, volunteer, s, v, conversation) = session(&app).await;
    let conversation = conversation.as_str().unwrap();
    let stranger = app.register("seeker").await;
    let x = app.connect(&stranger).await;
    for (event, payload) in [
        (
            "message:send",
            json!({"conversationId": conversation, "content": "hi", "clientMessageId": "x"}),
        ),
        (
            "message:sync",
            json!({"conversationId": conversation, "afterSeq": 0}),
        ),
        ("typing:start", json!({"conversationId": conversation})),
        (
            "message:read",
            json!({"conversationId": conversation, "upToSeq": 1}),
        ),
        ("chat:end", json!({"conversationId": conversation})),
    ] {
        refused(&x.ack(event, payload.clone()).await.unwrap(), "forbidden");
    }
    refused(
        &x.ack(
            "message:send",
            json!({"conversationId": "nope", "content": "hi", "clientMessageId": "x"}),
        )
        .await
        .unwrap(),
        "not_found",
    );
    // Wrong role.
    refused(
        &v.ack("seeker:request", json!({"requestType": "chat"}))
            .await
            .unwrap(),
        "forbidden",
    );
    refused(
        &s.ack("volunteer:accept", json!({"requestId": "r"}))
            .await
            .unwrap(),
        "forbidden",
    );
    refused(
        &s.ack("volunteer:reject", json!({"requestId": "r"}))
            .await
            .unwrap(),
        "forbidden",
    );
    // Spoofed ids: fields naming the caller must be the caller.
    refused(&s.ack("message:send", json!({"conversationId": conversation, "content": "hi", "clientMessageId": "y", "senderId": volunteer.id})).await.unwrap(), "forbidden");
    refused(
        &x.ack(
            "seeker:request",
            json!({"requestType": "chat", "seniorId": seeker.id}),
        )
        .await
        .unwrap(),
        "forbidden",
    );
    refused(
        &v.ack(
            "volunteer:availability",
            json!({"status": "away", "volunteerId": stranger.id}),
        )
        .await
        .unwrap(),
        "forbidden",
    );
    ok(s.ack("message:send", json!({"conversationId": conversation, "content": "mine", "clientMessageId": "z", "senderId": seeker.id})).await.unwrap());
    // Someone else's request is invisible.
    let theirs = ok(x
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    refused(
        &s.ack("request:cancel", json!({"requestId": theirs["requestId"]}))
            .await
            .unwrap(),
        "not_found",
    );
    assert_eq!(
        ok(
            s.ack("request:status", json!({"requestId": theirs["requestId"]}))
                .await
                .unwrap()
        )["request"],
        Value::Null
    );
    // REST.
    let (status, body) = app.get("/api/conversations", None).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (401, json!("unauthorized"))
    );
    let (status, _) = app.get("/api/me", Some("forged.token.here")).await;
    assert_eq!(status, 401);
    let (status, me) = app.get("/api/me", Some(&seeker.token)).await;
    assert_eq!(
        (status, me["id"].clone(), me["role"].clone()),
        (200, json!(seeker.id), json!("seeker"))
    );
    let (status, _) = app
        .get(
            &format!("/api/conversations/{conversation}/messages"),
            Some(&stranger.token),
        )
        .await;
    assert_eq!(status, 404);
    // Handshake.
    for auth in [
        json!({}),
        json!({"token": "forged"}),
        json!({"token": 42}),
        json!({"token": expired_token(&seeker.token)}),
    ] {
        match Client::connect(&app.base, auth.clone()).await {
            Err(helpline_client::ClientError::Refused(message)) => {
                assert_eq!(message, "unauthorized")
            }
            Err(other) => panic!("{auth}: unexpected {other}"),
            Ok(_) => panic!("{auth}: connected without a valid token"),
        }
    }
}

/// The same token with its expiry moved into the past (so the signature no
/// longer matches either): the server must refuse it.
fn expired_token(token: &str) -> String {
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value = serde_json::from_slice(&engine.decode(parts[1]).unwrap()).unwrap();
    claims["exp"] = json!(1);
    format!(
        "{}.{}.{}",
        parts[0],
        engine.encode(claims.to_string()),
        parts[2]
    )
}
