//! The one way events leave the server. Rooms: `user:{id}` holds every
//! socket of a user, `conv:{id}` every socket of a conversation's
//! participants, `role:support` every support agent's sockets. A broadcast is encoded once for all its receivers.
//! Delivery failures (a socket that just went away) are logged, not lost
//! silently; durable state never depends on them (clients resync).

use super::Caller;
use super::outbound::ServerEvent;
use futures::{Stream, StreamExt};
use helpline_core::message::Message;
use helpline_core::{ConversationId, UserId};
use serde::de::IgnoredAny;
use socketioxide::AckError;
use socketioxide::SocketIo;
use socketioxide::extract::SocketRef;

/// The room of all of a user's sockets.
pub fn user_room(user: &UserId) -> String {
    format!("user:{user}")
}

/// The room of a conversation.
pub fn conversation_room(conversation: &ConversationId) -> String {
    format!("conv:{conversation}")
}

/// The room of every support agent's sockets.
pub const SUPPORT_ROOM: &str = "role:support";

/// Sends [`ServerEvent`]s to users, conversations and sockets.
#[derive(Clone)]
pub struct Fanout {
    io: SocketIo,
}

impl Fanout {
    /// Wraps the Socket.IO handle.
    pub fn new(io: SocketIo) -> Self {
        Self { io }
    }

    /// To every socket of each of `users`.
    pub async fn to_users(&self, users: &[UserId], event: &ServerEvent) {
        if users.is_empty() {
            return;
        }
        let rooms: Vec<String> = users.iter().map(user_room).collect();
        if let Err(error) = self.io.to(rooms).emit(event.name(), event).await {
            tracing::warn!(event = event.name(), %error, "broadcast to users failed");
        }
    }

    /// To every socket of one user.
    pub async fn to_user(&self, user: &UserId, event: &ServerEvent) {
        self.to_users(std::slice::from_ref(user), event).await;
    }

    /// To every connected support agent.
    pub async fn to_support(&self, event: &ServerEvent) {
        if let Err(error) = self.io.to(SUPPORT_ROOM).emit(event.name(), event).await {
            tracing::warn!(event = event.name(), %error, "broadcast to support failed");
        }
    }

    /// To every socket in a conversation's room.
    pub async fn to_conversation(&self, conversation: &ConversationId, event: &ServerEvent) {
        if let Err(error) = self
            .io
            .to(conversation_room(conversation))
            .emit(event.name(), event)
            .await
        {
            tracing::warn!(event = event.name(), %error, "broadcast to conversation failed");
        }
    }

    /// Sends a new message to its conversation's room, asking each device
    /// to acknowledge it, and returns who acknowledged (one entry per
    /// device, as acks arrive, until all answered or the ack timeout).
    /// A client whose handler takes no callback simply never acks.
    pub async fn deliver_message(
        &self,
        message: Message,
    ) -> Option<impl Stream<Item = UserId> + Send + 'static> {
        let event = ServerEvent::MessageNew(message);
        let room = match &event {
            ServerEvent::MessageNew(m) => conversation_room(&m.conversation_id),
            _ => return None,
        };
        let acks = match self
            .io
            .to(room)
            .emit_with_ack::<_, IgnoredAny>(event.name(), &event)
            .await
        {
            Ok(acks) => acks,
            Err(error) => {
                tracing::warn!(event = event.name(), %error, "broadcast to conversation failed");
                return None;
            }
        };
        let io = self.io.clone();
        Some(acks.filter_map(move |(sid, answer)| {
            // An ack whose payload we cannot read is still an ack.
            let acked = matches!(answer, Ok(_) | Err(AckError::Decode(_)));
            let user = acked
                .then(|| io.get_socket(sid))
                .flatten()
                .and_then(|socket| socket.extensions.get::<Caller>())
                .map(|caller| caller.id);
            std::future::ready(user)
        }))
    }

    /// To one socket.
    pub fn to_socket(&self, socket: &SocketRef, event: &ServerEvent) {
        if let Err(error) = socket.emit(event.name(), event) {
            tracing::debug!(event = event.name(), %error, "emit to socket failed");
        }
    }

    /// Puts every socket of `users` into the conversation's room.
    pub async fn join_conversation(&self, users: &[UserId], conversation: &ConversationId) {
        let rooms: Vec<String> = users.iter().map(user_room).collect();
        if let Err(error) = self
            .io
            .within(rooms)
            .join(conversation_room(conversation))
            .await
        {
            tracing::warn!(%error, "joining conversation room failed");
        }
    }

    /// Empties a conversation's room.
    pub async fn close_conversation(&self, conversation: &ConversationId) {
        let room = conversation_room(conversation);
        if let Err(error) = self.io.within(room.clone()).leave(room).await {
            tracing::warn!(%error, "leaving conversation room failed");
        }
    }
}
