//! A test application on a real HTTP server, and small clients for both
//! transports.

#![allow(clippy::unwrap_used, dead_code)]

use futures::{SinkExt, StreamExt};
use helpline_socketio::{
    Application, Config, DisconnectReason, Engine, Event, Packet, Socket, encode_ack_args,
    encode_event,
};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for anything.
pub const WAIT: Duration = Duration::from_secs(5);

/// What the test application saw.
#[derive(Debug)]
pub enum Seen {
    Event(
        String,
        Result<Option<String>, helpline_socketio::BadArguments>,
    ),
    Answer(Option<String>),
    Disconnected(DisconnectReason),
}

/// Admits `{"token":"good"}`; answers `echo` with its argument, asks the
/// client a question on `ask`, lets go on `bye`; reports everything.
pub struct TestApp {
    seen: mpsc::UnboundedSender<Seen>,
}

impl Application for TestApp {
    type Data = String;

    fn admit(
        &self,
        _socket: Socket<String>,
        auth: Option<Value>,
    ) -> futures::future::BoxFuture<'static, Result<String, String>> {
        Box::pin(async move {
            match auth
                .as_ref()
                .and_then(|a| a.get("token"))
                .and_then(Value::as_str)
            {
                Some("good") => Ok("user".to_owned()),
                _ => Err("unauthorized".to_owned()),
            }
        })
    }

    fn connected(&self, _socket: &Socket<String>) {}

    fn event(&self, socket: &Socket<String>, event: Event) {
        let payload = event.payload.map(|p| p.map(|raw| raw.get().to_owned()));
        match event.name.as_str() {
            "echo" => {
                if let Some(id) = event.ack {
                    let body = match &payload {
                        Ok(Some(text)) => serde_json::from_str::<Value>(text).unwrap(),
                        _ => json!({"bad": true}),
                    };
                    socket
                        .send(Packet::ack(id, encode_ack_args(&body).unwrap()))
                        .unwrap();
                }
            }
            "ask" => {
                let seen = self.seen.clone();
                let body = encode_event("question", &json!({"n": 1})).unwrap();
                socket
                    .send_with_ack(
                        body,
                        Box::new(move |answer| {
                            let _ = seen.send(Seen::Answer(answer.map(str::to_owned)));
                        }),
                    )
                    .unwrap();
            }
            "flood" => {
                let body = encode_event("data", &"x".repeat(1000)).unwrap();
                for _ in 0..100 {
                    let _ = socket.send(Packet::event(body.clone()));
                }
            }
            "bye" => socket.disconnect(),
            _ => {}
        }
        let _ = self.seen.send(Seen::Event(event.name, payload));
    }

    fn disconnected(&self, socket: &Socket<String>, reason: DisconnectReason) {
        assert_eq!(socket.data().map(String::as_str), Some("user"));
        let _ = self.seen.send(Seen::Disconnected(reason));
    }
}

/// A running server and what its application sees.
pub struct Server {
    pub addr: SocketAddr,
    pub engine: Engine<TestApp>,
    pub seen: mpsc::UnboundedReceiver<Seen>,
}

impl Server {
    /// Serves an engine with `config` on a port of its own.
    pub async fn start(config: Config) -> Self {
        let (seen_tx, seen) = mpsc::unbounded_channel();
        let engine = Engine::new(TestApp { seen: seen_tx }, config);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let serving = engine.clone();
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let engine = serving.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let engine = engine.clone();
                        async move { Ok::<_, std::convert::Infallible>(engine.handle(request).await) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .with_upgrades()
                        .await;
                });
            }
        });
        Self { addr, engine, seen }
    }

    /// The next thing the application saw.
    pub async fn next_seen(&mut self) -> Seen {
        tokio::time::timeout(WAIT, self.seen.recv())
            .await
            .unwrap()
            .unwrap()
    }

    /// Waits for the next thing the application saw, which must be a
    /// disconnection for `reason`.
    pub async fn expect_disconnected(&mut self, reason: DisconnectReason) {
        match self.next_seen().await {
            Seen::Disconnected(seen) => assert_eq!(seen, reason),
            other => panic!("expected a disconnection ({reason:?}), saw {other:?}"),
        }
    }

    pub fn url(&self, query: &str) -> String {
        format!("http://{}/socket.io/?EIO=4&{query}", self.addr)
    }
}

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A websocket to the server (`sid` to upgrade a polling session).
pub async fn websocket(server: &Server, sid: Option<&str>) -> Ws {
    let query = match sid {
        Some(sid) => format!("transport=websocket&sid={sid}"),
        None => "transport=websocket".to_owned(),
    };
    let url = format!("ws://{}/socket.io/?EIO=4&{query}", server.addr);
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

/// The next text frame.
pub async fn next_text(ws: &mut Ws) -> String {
    loop {
        match tokio::time::timeout(WAIT, ws.next()).await.unwrap() {
            Some(Ok(Message::Text(text))) => return text.to_string(),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

pub async fn send_text(ws: &mut Ws, text: &str) {
    ws.send(Message::text(text)).await.unwrap();
}

/// A websocket session joined with the good token; returns its socket id.
pub async fn joined(server: &Server) -> (Ws, String) {
    let mut ws = websocket(server, None).await;
    let open = next_text(&mut ws).await;
    assert!(open.starts_with("0{"), "{open}");
    send_text(&mut ws, r#"40{"token":"good"}"#).await;
    let connected = next_text(&mut ws).await;
    let sid: Value = serde_json::from_str(connected.strip_prefix("40").unwrap()).unwrap();
    (ws, sid["sid"].as_str().unwrap().to_owned())
}

/// The polling session's packets from one GET.
pub async fn poll(server: &Server, sid: &str) -> (u16, Vec<String>) {
    let response = reqwest::get(server.url(&format!("transport=polling&sid={sid}")))
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    (status, body.split('\u{1e}').map(str::to_owned).collect())
}

/// POSTs `packets` to a polling session.
pub async fn post(server: &Server, sid: &str, packets: &[&str]) -> u16 {
    reqwest::Client::new()
        .post(server.url(&format!("transport=polling&sid={sid}")))
        .body(packets.join("\u{1e}"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}
