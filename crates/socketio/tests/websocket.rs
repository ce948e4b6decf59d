//! The transport over websocket, driven by a real websocket client that
//! speaks the Socket.IO protocol by hand.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Seen, Server, joined, next_text, send_text, websocket};
use futures::{SinkExt, StreamExt};
use helpline_socketio::{BadArguments, Config, DisconnectReason};
use serde_json::Value;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

#[tokio::test]
async fn handshake_refusal_retry_and_events() {
    let mut server = Server::start(Config::default()).await;
    let mut ws = websocket(&server, None).await;
    let open: Value =
        serde_json::from_str(next_text(&mut ws).await.strip_prefix('0').unwrap()).unwrap();
    assert_eq!(open["sid"].as_str().unwrap().len(), 20);
    assert_eq!(open["upgrades"], serde_json::json!([]));
    assert_eq!(open["pingInterval"], 25000);
    assert_eq!(open["pingTimeout"], 20000);
    assert_eq!(open["maxPayload"], 1024 * 1024);
    // Refused, then admitted on the same connection.
    send_text(&mut ws, r#"40{"token":"bad"}"#).await;
    assert_eq!(next_text(&mut ws).await, r#"44{"message":"unauthorized"}"#);
    send_text(&mut ws, "40/admin,").await;
    assert_eq!(
        next_text(&mut ws).await,
        r#"44/admin,{"message":"Invalid namespace"}"#
    );
    send_text(&mut ws, r#"40{"token":"good"}"#).await;
    let connected = next_text(&mut ws).await;
    assert!(connected.starts_with(r#"40{"sid":""#), "{connected}");
    // An event with an ack id is answered; one without is not.
    send_text(&mut ws, r#"42["note",{"a":1}]"#).await;
    send_text(&mut ws, r#"4212["echo",{"b":"é"}]"#).await;
    assert_eq!(next_text(&mut ws).await, r#"4312[{"b":"é"}]"#);
    match server.next_seen().await {
        Seen::Event(name, Ok(Some(payload))) => {
            assert_eq!((name.as_str(), payload.as_str()), ("note", r#"{"a":1}"#))
        }
        other => panic!("{other:?}"),
    }
    // A websocket ping is answered.
    ws.send(Message::Ping(b"hi".to_vec().into())).await.unwrap();
    match tokio::time::timeout(common::WAIT, ws.next()).await.unwrap() {
        Some(Ok(Message::Pong(data))) => assert_eq!(&data[..], b"hi"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_server_asks_and_hears_the_answer() {
    let mut server = Server::start(Config::default()).await;
    let (mut ws, _) = joined(&server).await;
    send_text(&mut ws, r#"42["ask"]"#).await;
    let question = next_text(&mut ws).await;
    let id = question
        .strip_prefix("42")
        .unwrap()
        .split('[')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(question, format!(r#"42{id}["question",{{"n":1}}]"#));
    send_text(&mut ws, &format!(r#"43{id}["yes"]"#)).await;
    let _ask = server.next_seen().await;
    match server.next_seen().await {
        Seen::Answer(Some(answer)) => assert_eq!(answer, r#"["yes"]"#),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn binary_events_arrive_marked_and_do_not_stall_the_socket() {
    let mut server = Server::start(Config::default()).await;
    let (mut ws, _) = joined(&server).await;
    send_text(&mut ws, r#"451-["upload",{"_placeholder":true,"num":0}]"#).await;
    ws.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
    match server.next_seen().await {
        Seen::Event(name, Err(BadArguments::Binary)) => assert_eq!(name, "upload"),
        other => panic!("{other:?}"),
    }
    send_text(&mut ws, r#"421["echo","after"]"#).await;
    assert_eq!(next_text(&mut ws).await, r#"431["after"]"#);
}

#[tokio::test]
async fn a_socket_let_go_is_told_and_closed_once() {
    let mut server = Server::start(Config::default()).await;
    let (mut ws, _) = joined(&server).await;
    send_text(&mut ws, r#"42["bye"]"#).await;
    assert_eq!(next_text(&mut ws).await, "41");
    match tokio::time::timeout(common::WAIT, ws.next()).await.unwrap() {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(frame.code, CloseCode::Normal),
        other => panic!("{other:?}"),
    }
    let _bye = server.next_seen().await;
    server
        .expect_disconnected(DisconnectReason::ServerDisconnect)
        .await;
    // A client that goes away is noticed too.
    let (ws, _) = joined(&server).await;
    drop(ws);
    server
        .expect_disconnected(DisconnectReason::TransportClose)
        .await;
}

#[tokio::test]
async fn unanswered_pings_end_the_session() {
    let config = Config {
        ping_interval: Duration::from_millis(100),
        ping_timeout: Duration::from_millis(100),
        ..Config::default()
    };
    let mut server = Server::start(config).await;
    let (mut ws, _) = joined(&server).await;
    // Answered pings keep it alive.
    for _ in 0..3 {
        assert_eq!(next_text(&mut ws).await, "2");
        send_text(&mut ws, "3").await;
    }
    assert!(server.seen.try_recv().is_err(), "still connected");
    assert_eq!(next_text(&mut ws).await, "2");
    server
        .expect_disconnected(DisconnectReason::PingTimeout)
        .await;
}

#[tokio::test]
async fn a_client_that_does_not_read_is_dropped() {
    let config = Config {
        max_queued_bytes: 16 * 1024,
        ..Config::default()
    };
    let mut server = Server::start(config).await;
    let (mut ws, _) = joined(&server).await;
    // One flood queues 100 KB at once, past the limit.
    send_text(&mut ws, r#"42["flood"]"#).await;
    let _flood = server.next_seen().await;
    server
        .expect_disconnected(DisconnectReason::SlowClient)
        .await;
}

#[tokio::test]
async fn protocol_violations_close_the_connection() {
    let mut server = Server::start(Config::default()).await;
    let (mut ws, _) = joined(&server).await;
    // Not UTF-8 in a text frame is refused by the client library itself,
    // so break the Engine.IO layer instead: an unknown packet type.
    send_text(&mut ws, "9").await;
    match tokio::time::timeout(common::WAIT, ws.next()).await.unwrap() {
        Some(Ok(Message::Close(_))) | None => {}
        other => panic!("{other:?}"),
    }
    server
        .expect_disconnected(DisconnectReason::TransportError)
        .await;
}

#[tokio::test]
async fn shutdown_closes_every_session() {
    let mut server = Server::start(Config::default()).await;
    let (mut first, _) = joined(&server).await;
    let (_second, _) = joined(&server).await;
    server.engine.shutdown(common::WAIT).await;
    for _ in 0..2 {
        server
            .expect_disconnected(DisconnectReason::ServerShutdown)
            .await;
    }
    match tokio::time::timeout(common::WAIT, first.next())
        .await
        .unwrap()
    {
        Some(Ok(Message::Close(_))) => {}
        other => panic!("{other:?}"),
    }
    // New sessions are refused while shutting down.
    let refused = reqwest::get(server.url("transport=polling")).await.unwrap();
    assert_eq!(refused.status().as_u16(), 400);
}

/// A websocket opened by hand over TCP, for frames no client library sends.
async fn raw_websocket(server: &Server) -> tokio::net::TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let request = format!(
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        server.addr
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(tcp.read_u8().await.unwrap());
    }
    let head = String::from_utf8(head).unwrap();
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    assert!(head.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), "{head}");
    tcp
}

/// A masked client frame (first byte: FIN and opcode), encoded by the
/// client library's own frame writer.
fn masked(first: u8, payload: &[u8]) -> Vec<u8> {
    use tokio_tungstenite::tungstenite::protocol::frame::{Frame, FrameHeader};
    let header = FrameHeader {
        is_final: first & 0x80 != 0,
        opcode: (first & 0x0F).into(),
        mask: Some([0x37, 0xfa, 0x21, 0x3d]),
        ..FrameHeader::default()
    };
    let mut out = Vec::new();
    Frame::from_payload(header, payload.to_vec().into())
        .format(&mut out)
        .unwrap();
    out
}

/// Reads one unmasked server frame: (opcode, payload).
async fn server_frame(tcp: &mut tokio::net::TcpStream) -> (u8, Vec<u8>) {
    use tokio::io::AsyncReadExt;
    let first = tcp.read_u8().await.unwrap();
    let len = match tcp.read_u8().await.unwrap() {
        126 => u64::from(tcp.read_u16().await.unwrap()),
        127 => tcp.read_u64().await.unwrap(),
        short => u64::from(short),
    };
    let mut payload = vec![0; len as usize];
    tcp.read_exact(&mut payload).await.unwrap();
    (first & 0x0F, payload)
}

#[tokio::test]
async fn fragments_and_frames_split_across_reads_arrive_whole() {
    use tokio::io::AsyncWriteExt;
    let server = Server::start(Config::default()).await;
    let mut tcp = raw_websocket(&server).await;
    let (_, open) = server_frame(&mut tcp).await;
    assert_eq!(open[0], b'0');
    // The CONNECT, one byte per write.
    for byte in masked(0x81, br#"40{"token":"good"}"#) {
        tcp.write_all(&[byte]).await.unwrap();
        tcp.flush().await.unwrap();
    }
    let (_, connected) = server_frame(&mut tcp).await;
    assert!(connected.starts_with(b"40{"));
    // A message in three fragments, with a ping between them.
    let mut bytes = masked(0x01, br#"421["echo","#);
    bytes.extend(masked(0x89, b"p"));
    bytes.extend(masked(0x00, br#""frag"#));
    bytes.extend(masked(0x80, br#"mented"]"#));
    tcp.write_all(&bytes).await.unwrap();
    assert_eq!(server_frame(&mut tcp).await, (0xA, b"p".to_vec()));
    assert_eq!(
        server_frame(&mut tcp).await,
        (0x1, br#"431["fragmented"]"#.to_vec())
    );
    // A message far larger than one read.
    let big = "y".repeat(300_000);
    let text = format!(r#"422["echo","{big}"]"#);
    tcp.write_all(&masked(0x81, text.as_bytes())).await.unwrap();
    let (opcode, echoed) = server_frame(&mut tcp).await;
    assert_eq!(opcode, 0x1);
    assert_eq!(echoed, format!(r#"432["{big}"]"#).into_bytes());
}

#[tokio::test]
async fn frames_that_break_the_protocol_close_with_its_code() {
    use tokio::io::AsyncWriteExt;
    let server = Server::start(Config::default()).await;
    for (frame, code) in [
        // Unmasked.
        (vec![0x81, 0x01, b'x'], 1002u16),
        // Not UTF-8.
        (masked(0x81, &[0xff, 0xfe]), 1007),
        // A continuation with nothing to continue.
        (masked(0x80, b"x"), 1002),
    ] {
        let mut tcp = raw_websocket(&server).await;
        let _open = server_frame(&mut tcp).await;
        tcp.write_all(&frame).await.unwrap();
        let (opcode, payload) = server_frame(&mut tcp).await;
        assert_eq!(opcode, 0x8);
        assert_eq!(u16::from_be_bytes([payload[0], payload[1]]), code);
    }
    // Larger than the limit.
    let small = Server::start(Config {
        max_payload: 100,
        ..Config::default()
    })
    .await;
    let mut tcp = raw_websocket(&small).await;
    let _open = server_frame(&mut tcp).await;
    tcp.write_all(&masked(0x81, &[b'4'; 200])).await.unwrap();
    let (opcode, payload) = server_frame(&mut tcp).await;
    assert_eq!(
        (opcode, u16::from_be_bytes([payload[0], payload[1]])),
        (0x8, 1009)
    );
}
