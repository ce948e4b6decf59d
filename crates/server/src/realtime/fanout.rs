//! The one way events leave the server. Rooms: `user:{id}` holds every
//! socket of a user, `conv:{id}` every socket of a conversation's
//! participants, `role:support` every support agent's sockets. A broadcast is encoded once for all its receivers.
//! Delivery failures (a socket that just went away) are logged, not lost
//! silently; durable state never depends on them (clients resync).

use super::Caller;
use super::encoded::EncodedMessage;
use super::outbound::{ServerEvent, SupportChange};
use futures::{Stream, StreamExt};
use helpline_core::message::Message;
use helpline_core::{ConversationId, UserId};
use serde::de::IgnoredAny;
use socketioxide::AckError;
use socketioxide::SocketIo;
use socketioxide::extract::SocketRef;
use socketioxide::socket::Sid;

/// The room of all of a user's sockets.
pub fn user_room(user: &UserId) -> String {
    format!("user:{user}")
}

/// The room of a user's sockets that asked to acknowledge `message:new`
/// (handshake `auth.receipts: true`).
pub fn user_receipts_room(user: &UserId) -> String {
    format!("user:{user}:receipts")
}

/// The room of a conversation's sockets that acknowledge `message:new`.
pub fn conversation_receipts_room(conversation: &ConversationId) -> String {
    format!("conv:{conversation}:receipts")
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

    /// Tells support their overview changed: one broadcast to the support
    /// room. Also called from disconnect handlers, which run while the
    /// server shuts down, so a namespace already gone is skipped quietly.
    pub async fn support_changed(&self, reason: SupportChange) {
        let event = ServerEvent::SupportChanged { reason };
        let Some(namespace) = self.io.of("/") else {
            return;
        };
        if let Err(error) = namespace.to(SUPPORT_ROOM).emit(event.name(), &event).await {
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

    /// `message:new` for a message the server wrote itself (a system note)
    /// to its conversation's room, without delivery receipts.
    pub async fn system_message(&self, message: &Message) {
        if let Ok(encoded) = EncodedMessage::of(message) {
            let event = ServerEvent::MessageNew(encoded);
            self.to_conversation(&message.conversation_id, &event).await;
        }
    }

    /// Sends a new message to its conversation's room. Devices that asked for
    /// receipts at the handshake are asked to acknowledge it; the result
    /// yields who acknowledged (one entry per device, as acks arrive, until
    /// all answered or the ack timeout). `None` when no device here asked
    /// for receipts (or the broadcast failed).
    pub async fn deliver_message(
        &self,
        conversation: &ConversationId,
        message: EncodedMessage,
    ) -> Option<impl Stream<Item = UserId> + Send + 'static> {
        let (room, receipts_room) = (
            conversation_room(conversation),
            conversation_receipts_room(conversation),
        );
        let event = ServerEvent::MessageNew(message);
        // Sockets that did not ask for receipts get the plain event, exactly
        // as the contract has it; the others are asked to acknowledge it.
        if let Err(error) = self
            .io
            .to(room)
            .except(receipts_room.clone())
            .emit(event.name(), &event)
            .await
        {
            tracing::warn!(event = event.name(), %error, "broadcast to conversation failed");
        }
        // Most conversations have no device that asked for receipts: then
        // skip encoding the message a second time and the ack stream. The
        // adapter is this process's own, so its rooms are the whole truth.
        if self.io.to(receipts_room.clone()).sockets().is_empty() {
            return None;
        }
        let acks = match self
            .io
            .to(receipts_room)
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

    /// The socket with this id, if it is connected to this process.
    pub fn socket(&self, sid: socketioxide::socket::Sid) -> Option<SocketRef> {
        self.io.get_socket(sid)
    }

    /// To one socket.
    pub fn to_socket(&self, socket: &SocketRef, event: &ServerEvent) {
        if let Err(error) = socket.emit(event.name(), event) {
            tracing::debug!(event = event.name(), %error, "emit to socket failed");
        }
    }

    /// To one socket named by its id (as stored with a call). A socket that
    /// is not connected to this process is skipped. (Sockets are looked up,
    /// not kept in rooms of their own: a room per socket cost every
    /// connection a room entry and two copies of its name.)
    pub async fn to_sid(&self, sid: &str, event: &ServerEvent) {
        let Ok(sid) = sid.parse::<Sid>() else {
            tracing::warn!(event = event.name(), "not a socket id");
            return;
        };
        match self.io.get_socket(sid) {
            Some(socket) => self.to_socket(&socket, event),
            None => tracing::debug!(event = event.name(), "socket not connected here"),
        }
    }

    /// To every socket of `user` except the socket `sid`.
    pub async fn to_user_except(&self, user: &UserId, sid: &str, event: &ServerEvent) {
        let except = sid
            .parse::<Sid>()
            .ok()
            .and_then(|sid| self.io.get_socket(sid));
        let Some(except) = except else {
            // Not a socket of this process: there is none here to leave out.
            self.to_user(user, event).await;
            return;
        };
        // A broadcast from a socket leaves that socket out.
        if let Err(error) = except
            .broadcast()
            .to(user_room(user))
            .emit(event.name(), event)
            .await
        {
            tracing::warn!(event = event.name(), %error, "broadcast to user failed");
        }
    }

    /// Puts every socket of `users` into the conversation's room.
    pub async fn join_conversation(&self, users: &[UserId], conversation: &ConversationId) {
        let rooms: Vec<String> = users.iter().map(user_room).collect();
        let receipt_rooms: Vec<String> = users.iter().map(user_receipts_room).collect();
        let joined = self
            .io
            .within(rooms)
            .join(conversation_room(conversation))
            .await;
        let joined_receipts = self
            .io
            .within(receipt_rooms)
            .join(conversation_receipts_room(conversation))
            .await;
        if let Err(error) = joined.and(joined_receipts) {
            tracing::warn!(%error, "joining conversation room failed");
        }
    }

    /// Empties a conversation's room.
    pub async fn close_conversation(&self, conversation: &ConversationId) {
        for room in [
            conversation_room(conversation),
            conversation_receipts_room(conversation),
        ] {
            if let Err(error) = self.io.within(room.clone()).leave(room).await {
                tracing::warn!(%error, "leaving conversation room failed");
            }
        }
    }
}
