//! Calls on the server side, shared by Socket.IO, REST, the sweeper and the
//! request flow: settings ([`config`]), ICE servers ([`ice`]), applying the
//! core state machine through the store and announcing the result
//! ([`lifecycle`]), and the per-process disconnect watch ([`watch`]).
//! The client events themselves live in `realtime/calls.rs` and
//! `realtime/signaling.rs`.

pub mod config;
pub mod ice;
pub mod lifecycle;
pub mod watch;

pub use lifecycle::{Applied, announce_accepted, announce_end, apply, finished};
pub use watch::CallWatch;
