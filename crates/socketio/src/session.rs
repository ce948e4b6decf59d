//! One client's session: an Engine.IO session and the Socket.IO socket on
//! its default namespace, in one allocation.
//!
//! The session holds what every party touches: the queue of packets for
//! the client (filled by the application from any task, drained by the
//! transport that currently carries the session), the waker of that
//! transport, the heartbeat, and the callbacks of events the server asked
//! the client to acknowledge. A [`Socket`] is the application's handle.

use crate::packet::Packet;
use bytes::Bytes;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::task::Waker;

/// Called once with the client's answer to an event (its JSON arguments),
/// or `None` if the socket went away first.
pub type AckCallback = Box<dyn FnOnce(Option<&str>) + Send>;

/// Most unanswered server events a socket keeps callbacks for; past it the
/// oldest is given up (called with `None`).
const MAX_PENDING_ACKS: usize = 1024;

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisconnectReason {
    /// The client closed the connection or sent Engine.IO CLOSE.
    TransportClose,
    /// The connection failed or broke the protocol.
    TransportError,
    /// The client did not answer the heartbeat in time.
    PingTimeout,
    /// The client left the namespace (Socket.IO DISCONNECT).
    ClientDisconnect,
    /// The application let the socket go.
    ServerDisconnect,
    /// The client read too slowly and its queue overflowed.
    SlowClient,
    /// The server is shutting down.
    ServerShutdown,
}

/// Which transport carries a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transport {
    /// HTTP long-polling.
    Polling,
    /// Polling, while a websocket probes to take over: polls get NOOP.
    Upgrading,
    /// A websocket.
    Websocket,
}

/// Where the socket stands in the default namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Namespace {
    /// No CONNECT yet (or the last one was refused).
    Outside,
    /// The application is deciding.
    Joining,
    /// Admitted: events reach the application.
    Joined,
}

/// The session's mutable state, behind one lock.
pub(crate) struct State {
    pub(crate) queue: VecDeque<Packet>,
    pub(crate) queued_bytes: usize,
    pub(crate) transport: Transport,
    pub(crate) waker: Option<Waker>,
    pub(crate) closing: Option<DisconnectReason>,
    pub(crate) namespace: Namespace,
    /// A polling GET is waiting on this session.
    pub(crate) polled: bool,
    /// The session has ended (the application was told).
    pub(crate) ended: bool,
    /// Engine time (ms) the session opened.
    pub(crate) created: u64,
    /// Engine time (ms) of the last ping (or the opening): the next is due
    /// a ping interval later.
    pub(crate) last_ping: u64,
    /// A ping is unanswered.
    pub(crate) awaiting_pong: bool,
    /// Binary attachments still expected, and the event they belong to.
    pub(crate) binary: Option<PendingBinary>,
    next_ack: u64,
    acks: VecDeque<(u64, AckCallback)>,
}

/// An event with binary attachments, waiting for them.
pub(crate) struct PendingBinary {
    pub(crate) remaining: usize,
    pub(crate) event: Option<(String, Option<u64>)>,
}

/// One client's session; shared by its transport and the application.
pub struct Session<D> {
    engine_id: String,
    socket_id: String,
    data: OnceLock<D>,
    state: Mutex<State>,
    max_queued_bytes: usize,
}

/// The application's handle on a socket.
pub struct Socket<D>(pub(crate) Arc<Session<D>>);

impl<D> Clone for Socket<D> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

/// Why a packet was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed;

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the socket is closed")
    }
}

impl std::error::Error for Closed {}

impl<D> Session<D> {
    pub(crate) fn new(transport: Transport, now: u64, max_queued_bytes: usize) -> Self {
        Self {
            engine_id: crate::ids::engine_id(),
            socket_id: crate::ids::socket_id(),
            data: OnceLock::new(),
            state: Mutex::new(State {
                queue: VecDeque::new(),
                queued_bytes: 0,
                transport,
                waker: None,
                closing: None,
                namespace: Namespace::Outside,
                polled: false,
                ended: false,
                created: now,
                last_ping: now,
                awaiting_pong: false,
                binary: None,
                next_ack: 0,
                acks: VecDeque::new(),
            }),
            max_queued_bytes,
        }
    }

    pub(crate) fn engine_id(&self) -> &str {
        &self.engine_id
    }

    /// The state; a poisoned lock is recovered (the state stays
    /// consistent: every critical section only moves plain values).
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues `packet` and wakes the transport; refused once closing. A
    /// client whose queue outgrows the limit is disconnected.
    pub(crate) fn push(&self, packet: Packet) -> Result<(), Closed> {
        let waker = {
            let mut state = self.state();
            if state.closing.is_some() {
                return Err(Closed);
            }
            state.queued_bytes += packet.len();
            state.queue.push_back(packet);
            if state.queued_bytes > self.max_queued_bytes {
                state.closing = Some(DisconnectReason::SlowClient);
            }
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// Marks the session closing (the first reason wins) and wakes the
    /// transport, which flushes what is queued and ends the session.
    pub(crate) fn close(&self, reason: DisconnectReason) {
        let waker = {
            let mut state = self.state();
            state.closing.get_or_insert(reason);
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Sets the application's data; the socket is then admitted.
    pub(crate) fn admit(&self, data: D) {
        // Only the one CONNECT that got to `Joining` admits.
        let _ = self.data.set(data);
    }

    /// Hands the client's answer to event `id` to its callback.
    pub(crate) fn answer(&self, id: u64, args: &str) {
        let callback = {
            let mut state = self.state();
            let at = state.acks.iter().position(|(pending, _)| *pending == id);
            at.and_then(|at| state.acks.remove(at)).map(|(_, f)| f)
        };
        if let Some(callback) = callback {
            callback(Some(args));
        }
    }

    /// Gives up every unanswered event (the session ended).
    pub(crate) fn drop_acks(&self) {
        let acks = std::mem::take(&mut self.state().acks);
        for (_, callback) in acks {
            callback(None);
        }
    }
}

impl<D> Socket<D> {
    /// The socket's id (public; not the session's secret Engine.IO id).
    pub fn id(&self) -> &str {
        &self.0.socket_id
    }

    /// The application's data, set when the socket was admitted.
    pub fn data(&self) -> Option<&D> {
        self.0.data.get()
    }

    /// Sends a packet (built with [`Packet::event`] and friends).
    pub fn send(&self, packet: Packet) -> Result<(), Closed> {
        self.0.push(packet)
    }

    /// Sends an event whose body is `body` (see [`crate::encode_event`])
    /// and asks the client to acknowledge it; `on_ack` runs with the
    /// answer, or with `None` if the socket goes away first.
    pub fn send_with_ack(&self, body: Bytes, on_ack: AckCallback) -> Result<(), Closed> {
        let (packet, given_up) = {
            let mut state = self.0.state();
            if state.closing.is_some() {
                return Err(Closed);
            }
            state.next_ack += 1;
            let id = state.next_ack;
            state.acks.push_back((id, on_ack));
            let given_up = (state.acks.len() > MAX_PENDING_ACKS)
                .then(|| state.acks.pop_front())
                .flatten();
            (Packet::event_with_ack(id, body), given_up)
        };
        if let Some((_, callback)) = given_up {
            callback(None);
        }
        self.0.push(packet)
    }

    /// Lets the socket go: the client is told (Socket.IO DISCONNECT), what
    /// is queued is flushed, and the connection closes.
    pub fn disconnect(&self) {
        // A socket already closing has nothing more to say.
        let _ = self.0.push(Packet::disconnect());
        self.0.close(DisconnectReason::ServerDisconnect);
    }

    /// Whether two handles are the same socket.
    pub fn same(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}
