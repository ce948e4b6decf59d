//! Helpline's domain: who the people are, what a help request is and how it
//! moves through its life, conversations and their messages, and the rules
//! on who may do what. Pure logic: no I/O, no web framework, no database.
//!
//! Everything that crosses the wire is parsed into the types here at the
//! edge (see [`input`]), so the rest of the server works with values that are
//! already known to be valid.

pub mod alerts;
pub mod attachment;
pub mod call;
pub mod caregiving;
pub mod checkins;
pub mod conversation;
pub mod credentials;
pub mod dispatch;
pub mod error;
pub mod ids;
pub mod inbound;
pub mod input;
pub mod message;
pub mod notice;
pub mod permissions;
pub mod push;
pub mod queue;
pub mod request;
pub mod safety;
pub mod scam;
pub mod search;
pub mod sniff;
pub mod time;
pub mod user;
pub mod welfare;
mod wire;

pub use error::DomainError;
pub use ids::{
    AlertId, AttachmentId, CallId, CheckinId, ConversationId, InvitationId, MessageId, ReportId,
    RequestId, UserId, WelfareId,
};
pub use time::{Clock, ManualClock, SystemClock, Timestamp};
