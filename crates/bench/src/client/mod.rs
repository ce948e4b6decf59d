//! The load generator's Socket.IO v5 client: one tokio task and one channel
//! per connection, 4 KiB websocket buffers, no JSON parsing on the hot path.
//!
//! Connections share a [`Hub`]: acks are resolved by a global id (a boxed
//! callback each, so a scenario can time or chain them without a task), and
//! every event goes to the hub's current event callback together with the
//! instant its frame was read. Server events that ask for an ack (Helpline's
//! delivery receipts on `message:new`) are acked with `43<id>[]`, as a
//! handler that calls its callback would. A client binds to a chosen
//! loopback source address, so more than one address's worth of ephemeral
//! ports can be used.

pub mod frame;

use frame::Packet;
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::net::TcpSocket;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// How long a connect or a [`Conn::call`] may take.
pub const WAIT: Duration = Duration::from_secs(60);

/// Called once with an ack's payload text and the instant it was read.
pub type AckFn = Box<dyn FnOnce(&str, Instant) + Send>;
/// Called with (connection index, event name, payload text, read instant).
pub type EventFn = Arc<dyn Fn(usize, &str, &str, Instant) + Send + Sync>;

/// State shared by every connection of a run.
pub struct Hub {
    next_ack: AtomicU64,
    acks: Mutex<HashMap<u64, AckFn>>,
    events: RwLock<EventFn>,
    /// Connections that ended without being asked to.
    pub dropped: AtomicUsize,
}

impl Hub {
    /// A hub whose events are ignored until [`Hub::on_events`].
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            next_ack: AtomicU64::new(1),
            acks: Mutex::new(HashMap::new()),
            events: RwLock::new(Arc::new(|_, _, _, _| {})),
            dropped: AtomicUsize::new(0),
        })
    }

    /// Routes every event from now on to `f`.
    pub fn on_events(&self, f: EventFn) {
        *self.events.write().unwrap_or_else(|e| e.into_inner()) = f;
    }

    /// Drops events again.
    pub fn ignore_events(&self) {
        self.on_events(Arc::new(|_, _, _, _| {}));
    }

    fn register(&self, on_ack: AckFn) -> u64 {
        let id = self.next_ack.fetch_add(1, Ordering::Relaxed);
        self.acks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, on_ack);
        id
    }

    fn resolve(&self, id: u64, body: &str, at: Instant) {
        let waiter = self
            .acks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
        if let Some(waiter) = waiter {
            waiter(body, at);
        }
    }

    fn event(&self, conn: usize, name: &str, body: &str, at: Instant) {
        let f = self
            .events
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        f(conn, name, body, at);
    }
}

enum Out {
    Text(String),
    Close,
}

/// One connected, authenticated client. Cheap to clone.
#[derive(Clone)]
pub struct Conn {
    /// The connection's index in its fleet (what event callbacks receive).
    pub index: usize,
    /// The user id the connection is authenticated as.
    pub user: Arc<str>,
    tx: mpsc::UnboundedSender<Out>,
    hub: Arc<Hub>,
}

impl Conn {
    /// Emits `event` with a raw JSON `payload`; `on_ack` runs when the ack
    /// arrives. False when the connection is gone.
    pub fn emit(&self, event: &str, payload: &str, on_ack: AckFn) -> bool {
        let id = self.hub.register(on_ack);
        self.tx
            .send(Out::Text(format!("42{id}[\"{event}\",{payload}]")))
            .is_ok()
    }

    /// Emits `event` and waits for its ack (as JSON).
    pub async fn call(&self, event: &str, payload: &Value) -> Result<Value, String> {
        let (tx, rx) = oneshot::channel();
        let on_ack: AckFn = Box::new(move |body, _| {
            let _ = tx.send(serde_json::from_str(body).unwrap_or(Value::Null));
        });
        if !self.emit(event, &payload.to_string(), on_ack) {
            return Err(format!("{event}: connection closed"));
        }
        match tokio::time::timeout(WAIT, rx).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(_)) => Err(format!("{event}: ack lost")),
            Err(_) => Err(format!("{event}: no ack within {WAIT:?}")),
        }
    }

    /// Sends a Socket.IO disconnect and closes the websocket.
    pub fn close(&self) {
        let _ = self.tx.send(Out::Close);
    }
}

/// Where the clients connect.
#[derive(Clone, Debug)]
pub struct Target {
    /// The server's address.
    pub addr: SocketAddr,
}

impl Target {
    fn url(&self) -> String {
        format!("ws://{}/socket.io/?EIO=4&transport=websocket", self.addr)
    }
}

/// The loopback source address and port for the `n`-th connection of this
/// process: 20 000 per address (127.0.0.2, 127.0.0.3, …), on ports 10 000 –
/// 29 999, below Linux's ephemeral range. Every run takes a fresh block, so
/// no port is still in TIME_WAIT. Choosing the port ourselves matters:
/// `bind` to port 0 searches the whole range for a free port, which with
/// thousands in use costs the generator more kernel time than the servers
/// spend on the handshakes.
pub fn source_for(n: usize) -> SocketAddr {
    let block = n / 20_000 + 1;
    let ip = Ipv4Addr::new(127, 0, (block / 250) as u8, (block % 250 + 1) as u8);
    SocketAddr::new(ip.into(), 10_000 + (n % 20_000) as u16)
}

static SOURCES: AtomicUsize = AtomicUsize::new(0);

/// Whether server events that ask for an ack get one (on by default).
static ACK_EVENTS: AtomicBool = AtomicBool::new(true);

/// Makes clients leave server events unacknowledged (as a handler without a
/// callback would), e.g. to measure what Helpline's delivery receipts cost.
pub fn ack_server_events(on: bool) {
    ACK_EVENTS.store(on, Ordering::Relaxed);
}

/// Reserves `count` source slots; returns the first.
pub fn reserve_sources(count: usize) -> usize {
    let rounded = count.div_ceil(20_000).max(1) * 20_000;
    SOURCES.fetch_add(rounded, Ordering::Relaxed)
}

fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
}

/// Connects, waits for the Engine.IO open packet, authenticates with
/// `{"token"}` and waits for the Socket.IO CONNECT. Refusals and
/// timeouts are errors.
pub async fn connect(
    hub: &Arc<Hub>,
    target: &Target,
    source: SocketAddr,
    index: usize,
    token: &str,
    user: Arc<str>,
) -> Result<Conn, String> {
    tokio::time::timeout(WAIT, handshake(hub, target, source, index, token, user))
        .await
        .map_err(|_| format!("connect timed out after {WAIT:?}"))?
}

async fn handshake(
    hub: &Arc<Hub>,
    target: &Target,
    source: SocketAddr,
    index: usize,
    token: &str,
    user: Arc<str>,
) -> Result<Conn, String> {
    let socket = TcpSocket::new_v4().map_err(|e| e.to_string())?;
    socket.set_reuseaddr(true).map_err(|e| e.to_string())?;
    // A port some other program holds: take the next one in the block.
    let mut bound = socket.bind(source);
    for step in 1..16 {
        if bound.is_ok() {
            break;
        }
        let port = 10_000 + (source.port() - 10_000 + step * 1237) % 20_000;
        bound = socket.bind(SocketAddr::new(source.ip(), port));
    }
    bound.map_err(|e| format!("bind {source}: {e}"))?;
    let stream = socket
        .connect(target.addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (mut ws, _) =
        tokio_tungstenite::client_async_with_config(target.url(), stream, Some(config()))
            .await
            .map_err(|e| format!("websocket: {e}"))?;
    let auth = serde_json::json!({ "token": token });
    let mut authenticated = false;
    while let Some(frame) = ws.next().await {
        let Message::Text(text) = frame.map_err(|e| format!("websocket: {e}"))? else {
            continue;
        };
        match frame::parse(&text) {
            Packet::Open if !authenticated => {
                authenticated = true;
                ws.send(Message::text(format!("40{auth}")))
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Packet::Ping => ws
                .send(Message::text("3"))
                .await
                .map_err(|e| e.to_string())?,
            Packet::Connect => {
                let (tx, rx) = mpsc::unbounded_channel();
                let conn = Conn {
                    index,
                    user,
                    tx,
                    hub: hub.clone(),
                };
                tokio::spawn(pump(ws, rx, hub.clone(), index));
                return Ok(conn);
            }
            Packet::ConnectError(body) => {
                let message = frame::str_field(body, "message").unwrap_or(body);
                return Err(format!("refused: {message}"));
            }
            Packet::Disconnect => return Err("disconnected during the handshake".into()),
            _ => {}
        }
    }
    Err("closed during the handshake".into())
}

type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// The connection's task: writes what the channel brings (batched, one
/// flush), reads frames and hands them to the hub, answers pings.
async fn pump(mut ws: Ws, mut rx: mpsc::UnboundedReceiver<Out>, hub: Arc<Hub>, index: usize) {
    let mut asked_to_close = false;
    loop {
        tokio::select! {
            frame = ws.next() => {
                let Some(Ok(frame)) = frame else { break };
                let Message::Text(text) = frame else {
                    if matches!(frame, Message::Close(_)) { break }
                    continue;
                };
                let at = Instant::now();
                match frame::parse(&text) {
                    Packet::Event { name, body, ack } => {
                        hub.event(index, name, body, at);
                        // Asked for an ack (Helpline's delivery receipts):
                        // answer like a handler that calls its callback.
                        if let Some(id) = ack
                            && ACK_EVENTS.load(Ordering::Relaxed)
                            && ws.send(Message::text(format!("43{id}[]"))).await.is_err()
                        {
                            break;
                        }
                    }
                    Packet::Ack { id, body } => hub.resolve(id, body, at),
                    Packet::Ping if ws.send(Message::text("3")).await.is_err() => break,
                    Packet::Disconnect => break,
                    _ => {}
                }
            }
            out = rx.recv() => {
                let Some(Out::Text(text)) = out else {
                    asked_to_close = true;
                    break;
                };
                let (mut ok, mut close) = (ws.feed(Message::text(text)).await.is_ok(), false);
                while ok {
                    match rx.try_recv() {
                        Ok(Out::Text(text)) => ok = ws.feed(Message::text(text)).await.is_ok(),
                        Ok(Out::Close) => { close = true; break }
                        Err(_) => break,
                    }
                }
                if !ok || ws.flush().await.is_err() { break }
                if close {
                    asked_to_close = true;
                    break;
                }
            }
        }
    }
    if asked_to_close {
        let _ = ws.send(Message::text("41")).await;
        let _ = ws.close(None).await;
    } else {
        hub.dropped.fetch_add(1, Ordering::Relaxed);
    }
}
