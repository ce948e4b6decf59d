//! A small Socket.IO v5 client (Engine.IO v4, websocket transport, default
//! namespace, JSON payloads) used by Helpline's integration tests and load
//! generator. It speaks the wire protocol directly so a test can also send
//! what no well-behaved client would (bad JSON, deep nesting, odd types).
//!
//! One reader task per connection answers pings, resolves acks by id,
//! acknowledges server events that ask for it (as a handler calling its
//! callback would) and queues events; [`Client::event`] waits for the next
//! event of a name.

use futures::{SinkExt, StreamExt};
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message as Frame;

/// How long [`Client::ack`] and [`Client::event`] wait by default.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(20);

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server refused the connection (`connect_error`); carries its message.
    #[error("connect_error: {0}")]
    Refused(String),
    /// The websocket failed.
    #[error("websocket: {0}")]
    Transport(#[from] tokio_tungstenite::tungstenite::Error),
    /// The connection closed.
    #[error("connection closed")]
    Closed,
    /// Nothing arrived in time.
    #[error("timed out waiting for {0}")]
    Timeout(String),
    /// The server sent something this client cannot read.
    #[error("protocol: {0}")]
    Protocol(String),
}

type Acks = Arc<Mutex<HashMap<u64, oneshot::Sender<Value>>>>;

/// One connected Socket.IO client.
pub struct Client {
    frames: mpsc::UnboundedSender<Frame>,
    events: mpsc::UnboundedReceiver<(String, Value)>,
    buffered: VecDeque<(String, Value)>,
    acks: Acks,
    next_ack: AtomicU64,
    /// The Socket.IO session id the server assigned.
    pub sid: String,
}

/// Turns `http://host:port` into the Engine.IO websocket URL.
fn socket_url(base: &str) -> String {
    let base = base.trim_end_matches('/');
    let ws = base
        .replacen("https://", "wss://", 1)
        .replacen("http://", "ws://", 1);
    format!("{ws}/socket.io/?EIO=4&transport=websocket")
}

impl Client {
    /// Connects to `base` (`http://host:port`) with `auth` as the handshake
    /// payload (e.g. `{"token": "…"}`).
    pub async fn connect(base: &str, auth: Value) -> Result<Self, ClientError> {
        let (stream, _) = tokio_tungstenite::connect_async(socket_url(base)).await?;
        let (mut sink, mut source) = stream.split();
        // Engine.IO open packet: 0{"sid":…,"pingInterval":…}
        match tokio::time::timeout(DEFAULT_WAIT, source.next()).await {
            Ok(Some(Ok(Frame::Text(text)))) if text.starts_with('0') => {}
            Ok(Some(Ok(other))) => {
                return Err(ClientError::Protocol(format!(
                    "expected open packet, got {other:?}"
                )));
            }
            Ok(Some(Err(error))) => return Err(error.into()),
            Ok(None) => return Err(ClientError::Closed),
            Err(_) => return Err(ClientError::Timeout("the open packet".into())),
        }
        sink.send(Frame::text(format!("40{auth}"))).await?;
        let sid = loop {
            let frame = match tokio::time::timeout(DEFAULT_WAIT, source.next()).await {
                Ok(Some(frame)) => frame?,
                Ok(None) => return Err(ClientError::Closed),
                Err(_) => return Err(ClientError::Timeout("the connect packet".into())),
            };
            let Frame::Text(text) = frame else { continue };
            if let Some(body) = text.strip_prefix("40") {
                let parsed: Value =
                    serde_json::from_str(body).map_err(|e| ClientError::Protocol(e.to_string()))?;
                break parsed["sid"].as_str().unwrap_or_default().to_owned();
            } else if let Some(body) = text.strip_prefix("44") {
                let parsed: Value = serde_json::from_str(body).unwrap_or(Value::Null);
                return Err(ClientError::Refused(
                    parsed["message"].as_str().unwrap_or(body).to_owned(),
                ));
            } else if text.as_str() == "2" {
                sink.send(Frame::text("3")).await?;
            }
        };
        let (frames, mut outgoing) = mpsc::unbounded_channel::<Frame>();
        let (event_sender, events) = mpsc::unbounded_channel();
        let acks: Acks = Arc::default();
        tokio::spawn(async move {
            while let Some(frame) = outgoing.recv().await {
                if sink.send(frame).await.is_err() {
                    break;
                }
            }
            let _ = sink.close().await;
        });
        let (reader_acks, pong) = (acks.clone(), frames.clone());
        tokio::spawn(async move {
            while let Some(Ok(frame)) = source.next().await {
                let Frame::Text(text) = frame else { continue };
                let text = text.as_str();
                if text == "2" {
                    let _ = pong.send(Frame::text("3"));
                } else if let Some(packet) = text.strip_prefix("42") {
                    // An event with an ack id asks for an acknowledgement:
                    // answer it, like a handler that calls its callback.
                    if let Some(id) = ack_id(packet) {
                        let _ = pong.send(Frame::text(format!("43{id}[]")));
                    }
                    if let Some((name, payload)) = parse_event(packet) {
                        let _ = event_sender.send((name, payload));
                    }
                } else if let Some(packet) = text.strip_prefix("43") {
                    if let Some((id, payload)) = parse_ack(packet) {
                        let waiter = reader_acks
                            .lock()
                            .ok()
                            .and_then(|mut acks| acks.remove(&id));
                        if let Some(waiter) = waiter {
                            let _ = waiter.send(payload);
                        }
                    }
                } else if text.starts_with("41") || text.starts_with('1') {
                    break;
                }
            }
        });
        Ok(Self {
            frames,
            events,
            buffered: VecDeque::new(),
            acks,
            next_ack: AtomicU64::new(1),
            sid,
        })
    }

    /// Emits `event` with `payload` and waits for the acknowledgement.
    pub async fn ack(&self, event: &str, payload: Value) -> Result<Value, ClientError> {
        let args = Value::Array(vec![Value::String(event.into()), payload]).to_string();
        self.ack_raw(&args).await
    }

    /// Emits an event whose argument array is given as raw JSON text
    /// (`["name", …]`, possibly malformed) and waits for the ack.
    pub async fn ack_raw(&self, raw_args: &str) -> Result<Value, ClientError> {
        let id = self.next_ack.fetch_add(1, Ordering::Relaxed);
        let (sender, answer) = oneshot::channel();
        self.acks
            .lock()
            .map_err(|_| ClientError::Closed)?
            .insert(id, sender);
        self.frames
            .send(Frame::text(format!("42{id}{raw_args}")))
            .map_err(|_| ClientError::Closed)?;
        match tokio::time::timeout(DEFAULT_WAIT, answer).await {
            Ok(Ok(payload)) => Ok(payload),
            Ok(Err(_)) => Err(ClientError::Closed),
            Err(_) => Err(ClientError::Timeout(format!("the ack of {raw_args:.60}"))),
        }
    }

    /// Emits without asking for an acknowledgement.
    pub fn emit(&self, event: &str, payload: Value) -> Result<(), ClientError> {
        let args = Value::Array(vec![Value::String(event.into()), payload]);
        self.frames
            .send(Frame::text(format!("42{args}")))
            .map_err(|_| ClientError::Closed)
    }

    /// Waits for the next event called `name`; other events stay queued.
    pub async fn event(&mut self, name: &str) -> Result<Value, ClientError> {
        self.event_within(name, DEFAULT_WAIT).await
    }

    /// Like [`Client::event`] with a custom limit.
    pub async fn event_within(&mut self, name: &str, wait: Duration) -> Result<Value, ClientError> {
        if let Some(index) = self.buffered.iter().position(|(n, _)| n == name) {
            return Ok(self
                .buffered
                .remove(index)
                .map(|(_, v)| v)
                .unwrap_or(Value::Null));
        }
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some((event, payload))) if event == name => return Ok(payload),
                Ok(Some(other)) => self.buffered.push_back(other),
                Ok(None) => return Err(ClientError::Closed),
                Err(_) => return Err(ClientError::Timeout(format!("event {name}"))),
            }
        }
    }

    /// Every event called `name` received so far (without waiting).
    pub fn drain(&mut self, name: &str) -> Vec<Value> {
        while let Ok(event) = self.events.try_recv() {
            self.buffered.push_back(event);
        }
        let (matching, rest): (VecDeque<_>, VecDeque<_>) =
            self.buffered.drain(..).partition(|(n, _)| n == name);
        self.buffered = rest;
        matching.into_iter().map(|(_, v)| v).collect()
    }

    /// Closes the connection (a Socket.IO disconnect, then the websocket).
    pub fn close(&self) {
        let _ = self.frames.send(Frame::text("41"));
        let _ = self.frames.send(Frame::Close(None));
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.close();
    }
}

/// `[name, payload?]` → (name, payload or null).
fn parse_event(packet: &str) -> Option<(String, Value)> {
    let start = packet.find('[')?;
    let mut args: Vec<Value> = serde_json::from_str(&packet[start..]).ok()?;
    if args.is_empty() {
        return None;
    }
    let name = args.remove(0).as_str()?.to_owned();
    Some((name, args.into_iter().next().unwrap_or(Value::Null)))
}

/// The ack id of `<id>[…]`, if the packet has one.
fn ack_id(packet: &str) -> Option<u64> {
    let start = packet.find('[')?;
    packet[..start].parse().ok()
}

/// `<id>[payload]` → (id, payload).
fn parse_ack(packet: &str) -> Option<(u64, Value)> {
    let start = packet.find('[')?;
    let id = packet[..start].parse().ok()?;
    let args: Vec<Value> = serde_json::from_str(&packet[start..]).ok()?;
    Some((id, args.into_iter().next().unwrap_or(Value::Null)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_packets() {
        assert_eq!(
            parse_event(r#"["a",{"x":1}]"#),
            Some(("a".into(), serde_json::json!({"x":1})))
        );
        assert_eq!(parse_event(r#"12["a"]"#), Some(("a".into(), Value::Null)));
        assert_eq!(
            parse_ack(r#"7[{"ok":true}]"#),
            Some((7, serde_json::json!({"ok":true})))
        );
        assert_eq!(
            socket_url("http://127.0.0.1:9/"),
            "ws://127.0.0.1:9/socket.io/?EIO=4&transport=websocket"
        );
    }
}
