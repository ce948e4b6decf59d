//! Every client event fed bad input answers `invalid` (or `forbidden` for
//! a role that may not send it at all), changes nothing, and leaves the
//! connection working.

use crate::common::{Backend, TestApp, ok, refused, session};
use serde_json::{Value, json};

fn deep(levels: usize) -> String {
    format!("{}1{}", "[".repeat(levels), "]".repeat(levels))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_refuses_bad_input_and_the_connection_survives() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, _, s, v, conversation) = session(&app).await;
    let long = "x".repeat(4001);
    let cases: Vec<(&str, &str, Value)> = vec![
        ("s", "seeker:request", json!({})),
        ("s", "seeker:request", json!({"requestType": 1})),
        ("s", "seeker:request", json!({"requestType": "fax"})),
        (
            "s",
            "seeker:request",
            json!({"requestType": "chat", "topic": 3}),
        ),
        (
            "s",
            "seeker:request",
            json!({"requestType": "chat", "note": "n".repeat(501)}),
        ),
        (
            "s",
            "seeker:request",
            json!({"requestType": "chat", "volunteerId": {"$ne": null}}),
        ),
        ("s", "seeker:request", json!("chat")),
        ("s", "seeker:request", json!([1, 2])),
        ("s", "request:cancel", json!({"requestId": 5})),
        ("s", "request:cancel", json!({"requestId": ""})),
        ("s", "request:status", json!({"requestId": ["x"]})),
        ("v", "volunteer:accept", json!({})),
        ("v", "volunteer:accept", json!({"requestId": true})),
        (
            "v",
            "volunteer:accept",
            json!({"requestId": "x".repeat(200)}),
        ),
        ("v", "volunteer:reject", json!({})),
        ("v", "volunteer:availability", json!({"status": 1})),
        ("v", "volunteer:availability", json!({})),
        (
            "s",
            "message:send",
            json!({"conversationId": conversation, "content": long, "clientMessageId": "a"}),
        ),
        (
            "s",
            "message:send",
            json!({"conversationId": conversation, "content": "", "clientMessageId": "a"}),
        ),
        (
            "s",
            "message:send",
            json!({"conversationId": conversation, "content": 12, "clientMessageId": "a"}),
        ),
        (
            "s",
            "message:send",
            json!({"conversationId": conversation, "content": "hi"}),
        ),
        (
            "s",
            "message:send",
            json!({"conversationId": conversation, "content": "hi", "clientMessageId": "c".repeat(65)}),
        ),
        (
            "s",
            "message:send",
            json!({"conversationId": conversation, "content": "hi", "clientMessageId": "a", "type": "system"}),
        ),
        (
            "s",
            "message:send",
            json!({"conversationId": conversation, "content": {"nested": {"deep": [1]}}, "clientMessageId": "a"}),
        ),
        (
            "s",
            "message:send",
            json!({"content": "hi", "clientMessageId": "a"}),
        ),
        ("s", "message:sync", json!({"conversationId": conversation})),
        (
            "s",
            "message:sync",
            json!({"conversationId": conversation, "afterSeq": -1}),
        ),
        (
            "s",
            "message:sync",
            json!({"conversationId": conversation, "afterSeq": 0, "limit": 501}),
        ),
        (
            "s",
            "message:sync",
            json!({"conversationId": conversation, "afterSeq": 1.5}),
        ),
        ("s", "typing:start", json!({"conversationId": null})),
        ("s", "typing:stop", json!({"conversationId": 1})),
        (
            "s",
            "message:read",
            json!({"conversationId": conversation, "upToSeq": "3"}),
        ),
        ("s", "message:read", json!({"conversationId": conversation})),
        ("s", "chat:end", json!({})),
        ("s", "chat:end", json!({"conversationId": false})),
        ("s", "conversation:start", json!({})),
        ("s", "conversation:start", json!({"participantId": ["x"]})),
        (
            "s",
            "message:edit",
            json!({"conversationId": conversation, "messageId": 1, "content": "x"}),
        ),
        (
            "s",
            "message:edit",
            json!({"conversationId": conversation, "messageId": "m"}),
        ),
        (
            "s",
            "message:delete",
            json!({"conversationId": conversation}),
        ),
        (
            "s",
            "message:react",
            json!({"conversationId": conversation, "messageId": "m", "emoji": {"x": 1}}),
        ),
        (
            "s",
            "message:send",
            json!({"conversationId": conversation, "content": "hi", "clientMessageId": "a", "replyToId": 3}),
        ),
        (
            "s",
            "conversation:settings",
            json!({"conversationId": conversation, "autoDeleteSecs": "1h"}),
        ),
        ("s", "conversation:settings", json!({"autoDeleteSecs": 30})),
        (
            "s",
            "message:send",
            json!({"conversationId": conversation, "content": "hi", "clientMessageId": "a", "expiresInSecs": -5}),
        ),
        ("s", "no:such:event", json!({})),
    ];
    for (who, event, payload) in &cases {
        let client = if *who == "s" { &s } else { &v };
        refused(
            &client.ack(event, payload.clone()).await.unwrap(),
            "invalid",
        );
    }
    // Malformed frames: deep nesting, a non-object argument, invalid JSON.
    for raw in [
        format!(r#"["message:send",{}]"#, deep(5000)),
        format!(
            r#"["message:send",{{"conversationId":"c","content":{}}}]"#,
            deep(200)
        ),
        r#"["message:send","just a string"]"#.to_owned(),
        r#"["message:send",42]"#.to_owned(),
    ] {
        refused(&s.ack_raw(&raw).await.unwrap(), "invalid");
    }
    // Nothing changed, and both connections still work.
    let sync = ok(s
        .ack(
            "message:sync",
            json!({"conversationId": conversation, "afterSeq": 1}),
        )
        .await
        .unwrap());
    assert_eq!(
        sync["messages"],
        json!([]),
        "no bad message was stored after the accepted notice"
    );
    let sent = ok(s.ack("message:send", json!({"conversationId": conversation, "content": "still here", "clientMessageId": "ok"})).await.unwrap());
    assert_eq!(sent["message"]["seq"], 2);
    ok(v.ack(
        "message:send",
        json!({"conversationId": conversation, "content": "me too", "clientMessageId": "ok"}),
    )
    .await
    .unwrap());
    ok(s.ack("request:status", json!({})).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_refuses_bad_bodies() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    for (body, status, code) in [
        (
            json!({"username": "ab", "password": "password123", "displayName": "A", "role": "seeker"}),
            400,
            "invalid",
        ),
        (
            json!({"username": "Upper", "password": "password123", "displayName": "A", "role": "seeker"}),
            400,
            "invalid",
        ),
        (
            json!({"username": "anna", "password": "short", "displayName": "A", "role": "seeker"}),
            400,
            "invalid",
        ),
        (
            json!({"username": "anna", "password": "password123", "displayName": " ", "role": "seeker"}),
            400,
            "invalid",
        ),
        (
            json!({"username": "anna", "password": "password123", "displayName": "A", "role": "support"}),
            400,
            "invalid",
        ),
        (
            json!({"username": "anna", "password": "password123", "displayName": "A", "role": "seeker", "languages": "en"}),
            400,
            "invalid",
        ),
        (json!([]), 400, "invalid"),
    ] {
        let (got, answer) = app.post("/api/auth/register", None, body.clone()).await;
        assert_eq!(
            (got, answer["error"]["code"].clone()),
            (status, json!(code)),
            "{body}"
        );
    }
    let good = json!({"username": "anna", "password": "password123", "displayName": "Anna", "role": "volunteer", "languages": ["en", "fr"]});
    let (status, created) = app.post("/api/auth/register", None, good.clone()).await;
    assert_eq!(status, 201);
    assert_eq!(created["user"]["languages"], json!(["en", "fr"]));
    assert!(
        created["user"]["createdAt"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    let (status, taken) = app.post("/api/auth/register", None, good).await;
    assert_eq!(
        (status, taken["error"]["code"].clone()),
        (409, json!("username_taken"))
    );
    let (status, wrong) = app
        .post(
            "/api/auth/login",
            None,
            json!({"username": "anna", "password": "wrongpass1"}),
        )
        .await;
    assert_eq!(
        (status, wrong["error"]["code"].clone()),
        (401, json!("invalid_credentials"))
    );
    let (status, _) = app
        .post(
            "/api/auth/login",
            None,
            json!({"username": "nobody", "password": "password123"}),
        )
        .await;
    assert_eq!(status, 401);
    let (status, login) = app
        .post(
            "/api/auth/login",
            None,
            json!({"username": "anna", "password": "password123"}),
        )
        .await;
    assert_eq!(
        (status, login["user"]["role"].clone()),
        (200, json!("volunteer"))
    );
    let response = app
        .http
        .post(format!("{}/api/auth/login", app.base))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let huge = "x".repeat(100_000);
    let response = app
        .http
        .post(format!("{}/api/auth/login", app.base))
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    let (status, missing) = app.get("/api/nothing", None).await;
    assert_eq!(
        (status, missing["error"]["code"].clone()),
        (404, json!("not_found"))
    );
}

/// A NUL character is `invalid` wherever it comes in (an event's text or
/// id, a REST body, a URL's path or query), the same on both backends
/// (PostgreSQL cannot store one), and nothing is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nul_characters_are_invalid_on_both_backends() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = TestApp::spawn(backend).await;
        let (seeker, _, s, _v, conversation) = session(&app).await;
        let conversation = conversation.as_str().unwrap().to_owned();
        for payload in [
            json!({"conversationId": conversation, "content": "a\u{0}b", "clientMessageId": "m1"}),
            json!({"conversationId": conversation, "content": "hi", "clientMessageId": "m\u{0}"}),
            json!({"conversationId": format!("{conversation}\u{0}"), "content": "hi", "clientMessageId": "m2"}),
        ] {
            refused(&s.ack("message:send", payload).await.unwrap(), "invalid");
        }
        let body = json!({"username": "nul", "password": "password123", "displayName": "A\u{0}", "role": "seeker"});
        let (status, answer) = app.post("/api/auth/register", None, body).await;
        assert_eq!(
            (status, answer["error"]["code"].clone()),
            (400, json!("invalid"))
        );
        for path in [
            format!("/api/conversations/{conversation}%00/messages"),
            "/api/search?q=a%00b".to_owned(),
        ] {
            let (status, answer) = app.get(&path, Some(&seeker.token)).await;
            assert_eq!(
                (status, answer["error"]["code"].clone()),
                (400, json!("invalid")),
                "{path}"
            );
        }
        let sent = ok(s
            .ack(
                "message:send",
                json!({"conversationId": conversation, "content": "fine", "clientMessageId": "m1"}),
            )
            .await
            .unwrap());
        assert_eq!(sent["message"]["seq"], 2, "nothing was stored before it");
    }
}

/// A body being written: bytes written, whether all, and the writer back.
type Sending = tokio::task::JoinHandle<(u64, bool, tokio::net::tcp::OwnedWriteHalf)>;

/// A raw HTTP/1.1 connection to the server, for clients that keep sending
/// after the answer: what `reqwest` and curl hide.
struct RawHttp {
    reader: tokio::net::tcp::OwnedReadHalf,
    writer: Option<tokio::net::tcp::OwnedWriteHalf>,
    buffered: Vec<u8>,
}

impl RawHttp {
    async fn connect(app: &TestApp) -> Self {
        let addr = app.base.trim_start_matches("http://");
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (reader, writer) = stream.into_split();
        Self {
            reader,
            writer: Some(writer),
            buffered: Vec::new(),
        }
    }

    /// Writes a request head, then `body_len` bytes of `fill` (without end
    /// when `None`) in the background; the task returns how much it wrote
    /// and whether it got to the end.
    fn send(
        &mut self,
        head: String,
        body_len: Option<u64>,
        body: impl Fn(u64) -> Vec<u8> + Send + 'static,
    ) -> Sending {
        use tokio::io::AsyncWriteExt;
        let mut writer = self.writer.take().unwrap();
        tokio::spawn(async move {
            if writer.write_all(head.as_bytes()).await.is_err() {
                return (0, false, writer);
            }
            let mut written = 0u64;
            loop {
                if body_len.is_some_and(|len| written >= len) {
                    return (written, true, writer);
                }
                let mut chunk = body(written);
                if let Some(len) = body_len {
                    chunk.truncate(usize::try_from(len - written).unwrap_or(usize::MAX));
                }
                if writer.write_all(&chunk).await.is_err() {
                    return (written, false, writer);
                }
                written += chunk.len() as u64;
            }
        })
    }

    /// Waits for what [`RawHttp::send`] started: how much it wrote and
    /// whether it got to the end.
    async fn sent(&mut self, sending: Sending) -> (u64, bool) {
        let (written, finished, writer) = sending.await.unwrap();
        self.writer = Some(writer);
        (written, finished)
    }

    /// Reads one response: its status and its JSON body.
    async fn response(&mut self) -> (u16, Value) {
        use tokio::io::AsyncReadExt;
        let head_end = loop {
            if let Some(end) = self.buffered.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            let mut chunk = [0u8; 8192];
            let read = self.reader.read(&mut chunk).await.unwrap();
            assert!(read > 0, "the connection closed before an answer");
            self.buffered.extend_from_slice(&chunk[..read]);
        };
        let head = String::from_utf8_lossy(&self.buffered[..head_end]).to_lowercase();
        let status: u16 = head[9..12].parse().unwrap();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map(|v| v.trim().parse().unwrap())
            .unwrap_or(0);
        while self.buffered.len() < head_end + length {
            let mut chunk = [0u8; 8192];
            let read = self.reader.read(&mut chunk).await.unwrap();
            assert!(read > 0, "the connection closed inside the answer");
            self.buffered.extend_from_slice(&chunk[..read]);
        }
        let body = serde_json::from_slice(&self.buffered[head_end..head_end + length])
            .unwrap_or(Value::Null);
        self.buffered.drain(..head_end + length);
        (status, body)
    }
}

fn json_filler(at: u64) -> Vec<u8> {
    if at == 0 {
        let mut chunk = b"{\"username\":\"".to_vec();
        chunk.resize(64 * 1024, b'x');
        chunk
    } else {
        vec![b'x'; 64 * 1024]
    }
}

/// A body over the limit, from a client that goes on sending it (as
/// browsers, Node's fetch and mobile HTTP stacks do), is answered `413
/// too_large` and the rest is read, so the client reads the answer instead
/// of a reset, and the connection serves the next request. The same for a
/// file over the limit and for a refusal before the body is read (no
/// token). A client that never stops sending is cut off after a bounded
/// amount.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_are_answered_413_and_read_to_the_end() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| s.attachment_max_bytes = 64 * 1024).await;
    let (seeker, _, _, _, conversation) = session(&app).await;
    let conversation = conversation.as_str().unwrap().to_owned();

    // JSON: 5 MiB where 64 KiB is the most.
    let mut http = RawHttp::connect(&app).await;
    let five_mib = 5 * 1024 * 1024;
    let head = format!(
        "POST /api/auth/register HTTP/1.1\r\nHost: helpline\r\nContent-Type: application/json\r\n\
         Content-Length: {five_mib}\r\n\r\n"
    );
    let sending = http.send(head, Some(five_mib), json_filler);
    let (status, body) = http.response().await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (413, json!("too_large"))
    );
    assert_eq!(
        http.sent(sending).await,
        (five_mib, true),
        "all of it was read"
    );
    let sending = http.send(
        "GET /healthz HTTP/1.1\r\nHost: helpline\r\n\r\n".to_owned(),
        Some(0),
        |_| Vec::new(),
    );
    http.sent(sending).await;
    assert_eq!(
        http.response().await,
        (200, json!({"status": "ok"})),
        "kept alive"
    );

    // Multipart: a 2 MiB file where 64 KiB is the most, with and without a token.
    let boundary = "b0undary";
    let file_len: u64 = 2 * 1024 * 1024;
    let preamble = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    );
    let total = preamble.len() as u64 + file_len;
    for (token, expected) in [
        (Some(seeker.token.as_str()), (413, "too_large")),
        (None, (401, "unauthorized")),
    ] {
        let mut http = RawHttp::connect(&app).await;
        let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
        let head = format!(
            "POST /api/conversations/{conversation}/attachments HTTP/1.1\r\nHost: helpline\r\n{auth}\
             Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {total}\r\n\r\n"
        );
        let preamble = preamble.clone().into_bytes();
        let sending = http.send(head, Some(total), move |at| {
            if at == 0 {
                preamble.clone()
            } else {
                vec![7u8; 64 * 1024]
            }
        });
        let (status, body) = http.response().await;
        assert_eq!(
            (status, body["error"]["code"].clone()),
            (expected.0, json!(expected.1))
        );
        assert_eq!(http.sent(sending).await, (total, true));
    }
    assert!(app.attachment_files().is_empty());

    // A client that announces a terabyte and keeps sending is answered,
    // then cut off once the server has read its bounded amount.
    let mut http = RawHttp::connect(&app).await;
    let head =
        "POST /api/auth/register HTTP/1.1\r\nHost: helpline\r\nContent-Type: application/json\r\n\
                Content-Length: 1099511627776\r\n\r\n"
            .to_owned();
    let sending = http.send(head, None, json_filler);
    let (status, _) = http.response().await;
    assert_eq!(status, 413);
    let (written, finished) =
        tokio::time::timeout(std::time::Duration::from_secs(60), http.sent(sending))
            .await
            .expect("cut off within the linger bounds");
    assert!(!finished);
    let bound = 64 * 1024 * 1024 + 32 * 1024 * 1024; // the linger bound, plus socket buffers
    assert!(written < bound, "wrote {written} bytes");
}
