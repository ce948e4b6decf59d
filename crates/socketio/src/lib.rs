//! Helpline's Socket.IO server: protocol v5 on Engine.IO v4, over
//! websocket and HTTP long-polling, with only the default namespace.
//!
//! It replaces a general-purpose library with one built for this server's
//! load (decision 0014): a websocket connection is one task and one
//! small session, with no read buffer of its own while idle; a broadcast is
//! encoded once and shared by every receiver's queue; and each connection
//! writes everything queued for it with one system call per wake-up.
//!
//! The application implements [`Application`] (admit a connecting socket,
//! handle its events, hear that it left) and answers `/socket.io/`
//! requests with [`Engine::handle`]. Rooms, fan-out and handlers are the
//! application's: this crate knows sockets only.

mod driver;
mod engine;
mod ids;
mod packet;
mod polling;
mod service;
mod session;
mod ws;

pub use engine::{Application, Config, Event};
pub use packet::{
    BadArguments, Packet, encode_ack_args, encode_ack_json, encode_event, encode_event_json,
};
pub use service::Engine;
pub use session::{AckCallback, Closed, DisconnectReason, Socket};
