//! The engine: every live session, what the application is told about
//! them, the heartbeat, and how Socket.IO packets from any transport are
//! handled.

use crate::packet::{self, BadArguments, Packet, SocketKind};
use crate::session::{DisconnectReason, Namespace, PendingBinary, Session, Socket, Transport};
use futures::future::BoxFuture;
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Timing and size limits of the transport.
#[derive(Debug, Clone)]
pub struct Config {
    /// How often the server pings a client (Engine.IO `pingInterval`).
    pub ping_interval: Duration,
    /// How long a client has to answer a ping (`pingTimeout`).
    pub ping_timeout: Duration,
    /// How long a new session may take to join the namespace.
    pub connect_timeout: Duration,
    /// Largest message (websocket) or polling body a client may send.
    pub max_payload: usize,
    /// Most bytes queued for a client before it is dropped as too slow.
    pub max_queued_bytes: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            ping_interval: Duration::from_secs(25),
            ping_timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(45),
            max_payload: 1024 * 1024,
            max_queued_bytes: 16 * 1024 * 1024,
        }
    }
}

/// An event a client sent.
#[derive(Debug)]
pub struct Event {
    /// Its name (empty when even that could not be read).
    pub name: String,
    /// Its first argument, `None` when there is none.
    pub payload: Result<Option<Box<RawValue>>, BadArguments>,
    /// The id to acknowledge it with, when the client asked for an answer.
    pub ack: Option<u64>,
}

/// What the server does with sockets. Methods are called from the tasks
/// that carry the sessions; long work belongs in tasks of its own.
pub trait Application: Send + Sync + 'static {
    /// What the application keeps per admitted socket.
    type Data: Send + Sync + 'static;

    /// A client asks to join the default namespace with `auth` (the
    /// CONNECT packet's JSON). `Ok` admits it with its data; `Err` refuses
    /// it, and the client's `connect_error` carries the message. Nothing
    /// the client sends reaches the application before this ends.
    fn admit(
        &self,
        socket: Socket<Self::Data>,
        auth: Option<Value>,
    ) -> BoxFuture<'static, Result<Self::Data, String>>;

    /// The client has been told it is connected.
    fn connected(&self, socket: &Socket<Self::Data>);

    /// An event from an admitted socket.
    fn event(&self, socket: &Socket<Self::Data>, event: Event);

    /// An admitted socket is gone; called once per admitted socket.
    fn disconnected(&self, socket: &Socket<Self::Data>, reason: DisconnectReason);
}

/// State shared by the engine's handle, its transports and its tasks.
pub(crate) struct Shared<A: Application> {
    pub(crate) app: A,
    pub(crate) config: Config,
    sessions: Mutex<HashMap<String, Arc<Session<A::Data>>>>,
    started: Instant,
    pub(crate) shutting_down: AtomicBool,
    emptied: Notify,
}

impl<A: Application> Shared<A> {
    pub(crate) fn new(app: A, config: Config) -> Arc<Self> {
        Arc::new(Self {
            app,
            config,
            sessions: Mutex::new(HashMap::new()),
            started: Instant::now(),
            shutting_down: AtomicBool::new(false),
            emptied: Notify::new(),
        })
    }

    /// Milliseconds since the engine started (the heartbeat's clock).
    pub(crate) fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Session<A::Data>>>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new session on `transport`, registered, and its OPEN packet;
    /// `None` while shutting down.
    pub(crate) fn open_session(
        &self,
        transport: Transport,
    ) -> Option<(Arc<Session<A::Data>>, Packet)> {
        if self.shutting_down.load(Ordering::Acquire) {
            return None;
        }
        let session = Arc::new(Session::new(
            transport,
            self.now_ms(),
            self.config.max_queued_bytes,
        ));
        let upgrades = if transport == Transport::Polling {
            r#"["websocket"]"#
        } else {
            "[]"
        };
        let open = format!(
            r#"{{"sid":"{}","upgrades":{upgrades},"pingInterval":{},"pingTimeout":{},"maxPayload":{}}}"#,
            session.engine_id(),
            self.config.ping_interval.as_millis(),
            self.config.ping_timeout.as_millis(),
            self.config.max_payload
        );
        self.sessions()
            .insert(session.engine_id().to_owned(), session.clone());
        Some((session, Packet::open(open)))
    }

    /// The session with Engine.IO id `id`.
    pub(crate) fn session(&self, id: &str) -> Option<Arc<Session<A::Data>>> {
        self.sessions().get(id).cloned()
    }

    /// Ends `session` once: forgets it, gives up its unanswered events and
    /// tells the application if it had admitted the socket.
    pub(crate) fn end_session(&self, session: &Arc<Session<A::Data>>, reason: DisconnectReason) {
        let (joined, reason) = {
            let mut state = session.state();
            if state.ended {
                return;
            }
            state.ended = true;
            state.queue.clear();
            state.queued_bytes = 0;
            let reason = *state.closing.get_or_insert(reason);
            (state.namespace == Namespace::Joined, reason)
        };
        let empty = {
            let mut sessions = self.sessions();
            if sessions
                .get(session.engine_id())
                .is_some_and(|kept| Arc::ptr_eq(kept, session))
            {
                sessions.remove(session.engine_id());
            }
            sessions.is_empty()
        };
        session.drop_acks();
        if joined {
            self.app.disconnected(&Socket(session.clone()), reason);
        }
        if empty && self.shutting_down.load(Ordering::Acquire) {
            self.emptied.notify_waiters();
        }
    }

    /// Handles one Engine.IO text packet of an open session (both
    /// transports); websocket upgrade probes are the driver's.
    pub(crate) fn receive_text(self: &Arc<Self>, session: &Arc<Session<A::Data>>, text: &str) {
        match packet::parse_engine(text) {
            Some(packet::EnginePacket::Message(socket_packet)) => {
                self.receive_socket(session, socket_packet)
            }
            Some(packet::EnginePacket::Pong) => {
                session.state().awaiting_pong = false;
            }
            Some(packet::EnginePacket::Close) => session.close(DisconnectReason::TransportClose),
            // Clients of this protocol version do not ping outside an
            // upgrade, and upgrade and noop packets carry nothing.
            Some(_) => {}
            None => session.close(DisconnectReason::TransportError),
        }
    }

    /// Handles one Socket.IO packet.
    fn receive_socket(self: &Arc<Self>, session: &Arc<Session<A::Data>>, text: &str) {
        let Some(packet) = packet::parse_socket(text) else {
            session.close(DisconnectReason::TransportError);
            return;
        };
        if packet.namespace != "/" {
            // Only the default namespace exists.
            if packet.kind == SocketKind::Connect {
                // A closing session refuses it; nobody is left to tell.
                let _ = session.push(Packet::connect_error(packet.namespace, "Invalid namespace"));
            }
            return;
        }
        match packet.kind {
            SocketKind::Connect => self.connect(session, packet.data),
            SocketKind::Disconnect => session.close(DisconnectReason::ClientDisconnect),
            SocketKind::Event => {
                if session.state().namespace != Namespace::Joined {
                    return;
                }
                let args = packet::parse_event_args(packet.data);
                let event = Event {
                    name: args.name,
                    payload: args.first,
                    ack: packet.ack,
                };
                self.app.event(&Socket(session.clone()), event);
            }
            SocketKind::Ack => {
                if let Some(id) = packet.ack {
                    session.answer(id, packet.data);
                }
            }
            SocketKind::BinaryEvent | SocketKind::BinaryAck => {
                let event = (packet.kind == SocketKind::BinaryEvent)
                    .then(|| (packet::parse_event_args(packet.data).name, packet.ack));
                session.state().binary = Some(PendingBinary {
                    remaining: packet.attachments,
                    event,
                });
                if packet.attachments == 0 {
                    self.receive_binary(session);
                }
            }
        }
    }

    /// Counts one binary attachment; once an event has all of them, the
    /// application hears of it (binary arguments are not read).
    pub(crate) fn receive_binary(self: &Arc<Self>, session: &Arc<Session<A::Data>>) {
        let complete = {
            let mut state = session.state();
            let Some(pending) = state.binary.as_mut() else {
                return;
            };
            pending.remaining = pending.remaining.saturating_sub(1);
            if pending.remaining > 0 {
                return;
            }
            let joined = state.namespace == Namespace::Joined;
            state.binary.take().and_then(|p| p.event).filter(|_| joined)
        };
        if let Some((name, ack)) = complete {
            let event = Event {
                name,
                payload: Err(BadArguments::Binary),
                ack,
            };
            self.app.event(&Socket(session.clone()), event);
        }
    }

    /// A CONNECT to the default namespace: the application decides in a
    /// task of its own; the answer goes out when it has.
    fn connect(self: &Arc<Self>, session: &Arc<Session<A::Data>>, data: &str) {
        {
            let mut state = session.state();
            if state.namespace != Namespace::Outside {
                return;
            }
            state.namespace = Namespace::Joining;
        }
        let auth = serde_json::from_str::<Value>(data).ok();
        let (shared, session) = (self.clone(), session.clone());
        tokio::spawn(async move {
            let socket = Socket(session.clone());
            match shared.app.admit(socket.clone(), auth).await {
                Ok(data) => {
                    session.admit(data);
                    let ended = {
                        let mut state = session.state();
                        state.namespace = Namespace::Joined;
                        state
                            .ended
                            .then(|| state.closing.unwrap_or(DisconnectReason::TransportClose))
                    };
                    if let Some(reason) = ended {
                        // It went away while being admitted.
                        shared.app.disconnected(&socket, reason);
                        return;
                    }
                    if session.push(Packet::connected(socket.id())).is_ok() {
                        shared.app.connected(&socket);
                    }
                }
                Err(message) => {
                    session.state().namespace = Namespace::Outside;
                    // A closing session refuses it; nobody is left to tell.
                    let _ = session.push(Packet::connect_error("/", &message));
                }
            }
        });
    }

    /// One heartbeat round: pings who is due, drops who did not answer or
    /// never joined, and ends polling sessions that closed while no poll
    /// was waiting to tell them.
    fn heartbeat(&self) {
        let now = self.now_ms();
        let sessions: Vec<_> = self.sessions().values().cloned().collect();
        let (interval, timeout) = (
            self.config.ping_interval.as_millis() as u64,
            self.config.ping_timeout.as_millis() as u64,
        );
        let connect_timeout = self.config.connect_timeout.as_millis() as u64;
        for session in sessions {
            let (mut ping, mut drop, mut reap) = (false, None, None);
            {
                let mut state = session.state();
                if let Some(reason) = state.closing {
                    reap = (state.transport != Transport::Websocket && !state.polled)
                        .then_some(reason);
                } else if state.namespace != Namespace::Joined
                    && now >= state.created + connect_timeout
                {
                    drop = Some(DisconnectReason::TransportClose);
                } else if state.awaiting_pong && now >= state.last_ping + timeout {
                    drop = Some(DisconnectReason::PingTimeout);
                } else if !state.awaiting_pong && now >= state.last_ping + interval {
                    state.awaiting_pong = true;
                    state.last_ping = now;
                    ping = true;
                }
            }
            if ping {
                // A session that closed meanwhile needs no ping.
                let _ = session.push(Packet::ping());
            }
            if let Some(reason) = drop {
                session.close(reason);
            }
            if let Some(reason) = reap {
                self.end_session(&session, reason);
            }
        }
    }

    /// Closes every session and waits until all have ended (or `within`).
    pub(crate) async fn shutdown(&self, within: Duration) {
        self.shutting_down.store(true, Ordering::Release);
        let sessions: Vec<_> = self.sessions().values().cloned().collect();
        for session in &sessions {
            session.close(DisconnectReason::ServerShutdown);
        }
        let wait = async {
            loop {
                let emptied = self.emptied.notified();
                if self.sessions().is_empty() {
                    return;
                }
                // Polling sessions end at their next poll or heartbeat.
                tokio::select! {
                    () = emptied => {}
                    () = tokio::time::sleep(Duration::from_millis(50)) => self.heartbeat(),
                }
            }
        };
        if tokio::time::timeout(within, wait).await.is_err() {
            tracing::warn!("some sessions did not close in time");
            let left: Vec<_> = self.sessions().values().cloned().collect();
            for session in left {
                self.end_session(&session, DisconnectReason::ServerShutdown);
            }
        }
    }
}

/// Runs heartbeat rounds until the engine is gone or shutting down.
pub(crate) async fn run_heartbeat<A: Application>(shared: Weak<Shared<A>>, tick: Duration) {
    let mut ticks = tokio::time::interval(tick);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        if shared.shutting_down.load(Ordering::Acquire) {
            return;
        }
        shared.heartbeat();
    }
}
