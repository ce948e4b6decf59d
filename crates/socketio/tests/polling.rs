//! The transport over HTTP long-polling, and the upgrade to websocket.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Server, next_text, poll, post, send_text, websocket};
use helpline_socketio::{Config, DisconnectReason};
use serde_json::Value;

/// A polling session's id, from the handshake.
async fn open(server: &Server) -> String {
    let body = reqwest::get(server.url("transport=polling"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let open: Value = serde_json::from_str(body.strip_prefix('0').unwrap()).unwrap();
    assert_eq!(open["upgrades"], serde_json::json!(["websocket"]));
    open["sid"].as_str().unwrap().to_owned()
}

/// A polling session connected to the default namespace (its `40` read).
async fn connected(server: &Server) -> String {
    let sid = open(server).await;
    assert_eq!(post(server, &sid, &[r#"40{"token":"good"}"#]).await, 200);
    let (status, packets) = poll(server, &sid).await;
    assert_eq!(status, 200);
    assert!(packets[0].starts_with("40"), "{packets:?}");
    sid
}

#[tokio::test]
async fn events_and_answers_over_polling() {
    let mut server = Server::start(Config::default()).await;
    let sid = open(&server).await;
    assert_eq!(post(&server, &sid, &[r#"40{"token":"good"}"#]).await, 200);
    let (status, packets) = poll(&server, &sid).await;
    assert_eq!(status, 200);
    assert!(packets[0].starts_with(r#"40{"sid":""#), "{packets:?}");
    // Two packets in one POST; both answers in one GET.
    assert_eq!(
        post(&server, &sid, &[r#"421["echo",1]"#, r#"422["echo",2]"#]).await,
        200
    );
    let (_, packets) = poll(&server, &sid).await;
    assert_eq!(packets, ["431[1]", "432[2]"]);
    // A GET waits until something is queued.
    let waiting = {
        let server_url = server.url(&format!("transport=polling&sid={sid}"));
        tokio::spawn(async move {
            reqwest::get(server_url)
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(!waiting.is_finished());
    assert_eq!(post(&server, &sid, &[r#"423["echo",3]"#]).await, 200);
    assert_eq!(waiting.await.unwrap(), "433[3]");
    let _ = (server.next_seen().await, server.next_seen().await);
}

#[tokio::test]
async fn bad_requests_are_refused() {
    let server = Server::start(Config::default()).await;
    let status = |url: String| async move { reqwest::get(url).await.unwrap().status().as_u16() };
    assert_eq!(status(server.url("transport=polling&sid=nope")).await, 400);
    assert_eq!(status(server.url("transport=carrier-pigeon")).await, 400);
    let old = format!("http://{}/socket.io/?EIO=3&transport=polling", server.addr);
    assert_eq!(status(old).await, 400);
    let sid = open(&server).await;
    // Binary over polling must be base64.
    assert_eq!(post(&server, &sid, &["b!!!"]).await, 400);
    assert_eq!(post(&server, &sid, &[""]).await, 400);
}

#[tokio::test]
async fn a_second_waiting_poll_closes_the_session() {
    let mut server = Server::start(Config::default()).await;
    let sid = connected(&server).await;
    // Two polls at once: whichever arrives second is refused, and the one
    // that waits hears the close.
    let (a, b) = tokio::join!(poll(&server, &sid), poll(&server, &sid));
    let mut answers = [a, b];
    answers.sort();
    assert_eq!(answers[0], (200, vec!["1".to_owned()]));
    assert_eq!(answers[1].0, 400);
    // The session is gone.
    server
        .expect_disconnected(DisconnectReason::TransportError)
        .await;
    assert_eq!(poll(&server, &sid).await.0, 400);
}

#[tokio::test]
async fn upgrade_to_websocket_keeps_the_session() {
    let mut server = Server::start(Config::default()).await;
    let sid = connected(&server).await;
    // The client's last poll waits while the websocket probes.
    let last_poll = {
        let url = server.url(&format!("transport=polling&sid={sid}"));
        tokio::spawn(async move { reqwest::get(url).await.unwrap().text().await.unwrap() })
    };
    // Whether it arrives before the probe or during it, it ends with NOOP.
    let mut ws = websocket(&server, Some(&sid)).await;
    send_text(&mut ws, "2probe").await;
    assert_eq!(next_text(&mut ws).await, "3probe");
    assert_eq!(last_poll.await.unwrap(), "6");
    // Something queued before the upgrade completes goes over the websocket.
    assert_eq!(post(&server, &sid, &[r#"427["echo","queued"]"#]).await, 200);
    send_text(&mut ws, "5").await;
    assert_eq!(next_text(&mut ws).await, r#"437["queued"]"#);
    send_text(&mut ws, r#"428["echo","over ws"]"#).await;
    assert_eq!(next_text(&mut ws).await, r#"438["over ws"]"#);
    // Polling is over for this session.
    assert_eq!(poll(&server, &sid).await.0, 400);
    drop(ws);
    let _ = (server.next_seen().await, server.next_seen().await);
    server
        .expect_disconnected(DisconnectReason::TransportClose)
        .await;
}

#[tokio::test]
async fn a_failed_probe_leaves_the_session_on_polling() {
    let server = Server::start(Config::default()).await;
    let sid = connected(&server).await;
    let mut ws = websocket(&server, Some(&sid)).await;
    send_text(&mut ws, "2probe").await;
    assert_eq!(next_text(&mut ws).await, "3probe");
    drop(ws);
    assert_eq!(
        post(&server, &sid, &[r#"429["echo","still polling"]"#]).await,
        200
    );
    // Until the server has seen the websocket go, a poll answers NOOP and
    // the client polls again, as engine.io clients do.
    let packets = tokio::time::timeout(common::WAIT, async {
        loop {
            let (status, packets) = poll(&server, &sid).await;
            assert_eq!(status, 200);
            if packets != ["6"] {
                return packets;
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(packets, [r#"439["still polling"]"#]);
}
