//! The one way events leave the server. Rooms ([`super::rooms`]): a
//! user's sockets, a conversation's sockets, the support agents' sockets.
//!
//! A broadcast is encoded once (`["event",{…}]`) and the same bytes are
//! queued for every receiver; each connection then writes what piled up for
//! it in one go. A socket that is gone is skipped (its queue refuses the
//! packet); durable state never depends on delivery, clients resync.

use super::SocketRef;
use super::encoded::EncodedMessage;
use super::outbound::{ServerEvent, SupportChange};
use super::rooms::Rooms;
use bytes::Bytes;
use helpline_core::message::Message;
use helpline_core::{ConversationId, UserId};
use helpline_socketio::{Packet, encode_event};
use std::sync::Arc;

/// Sends [`ServerEvent`]s to users, conversations and sockets.
#[derive(Clone, Default)]
pub struct Fanout {
    rooms: Arc<Rooms>,
}

/// Called with the user whose device acknowledged a `message:new`.
pub type OnDelivered = Arc<dyn Fn(UserId) + Send + Sync>;

/// The event's wire body, or `None` (logged) if it cannot be encoded,
/// which its plain fields cannot cause.
fn encoded(event: &ServerEvent) -> Option<Bytes> {
    match encode_event(event.name(), event) {
        Ok(body) => Some(body),
        Err(error) => {
            tracing::error!(event = event.name(), %error, "encoding an event failed");
            None
        }
    }
}

/// Queues `body` as an event for `socket`; a socket that just went away
/// refuses it, which is no loss (it resyncs when it comes back).
fn send(socket: &SocketRef, body: &Bytes) {
    if socket.send(Packet::event(body.clone())).is_err() {
        tracing::trace!(socket = socket.id(), "event for a closed socket dropped");
    }
}

impl Fanout {
    /// The rooms this fan-out sends to.
    pub fn rooms(&self) -> &Rooms {
        &self.rooms
    }

    /// To every socket of each of `users`.
    pub async fn to_users(&self, users: &[UserId], event: &ServerEvent) {
        if users.is_empty() {
            return;
        }
        if let Some(body) = encoded(event) {
            self.rooms
                .each_of_users(users, |socket| send(socket, &body));
        }
    }

    /// To every socket of one user.
    pub async fn to_user(&self, user: &UserId, event: &ServerEvent) {
        self.to_users(std::slice::from_ref(user), event).await;
    }

    /// To every connected support agent.
    pub async fn to_support(&self, event: &ServerEvent) {
        if let Some(body) = encoded(event) {
            self.rooms.each_support(|socket| send(socket, &body));
        }
    }

    /// Tells support their overview changed: one broadcast to the support
    /// room.
    pub async fn support_changed(&self, reason: SupportChange) {
        self.to_support(&ServerEvent::SupportChanged { reason })
            .await;
    }

    /// To every socket in a conversation's room.
    pub async fn to_conversation(&self, conversation: &ConversationId, event: &ServerEvent) {
        if let Some(body) = encoded(event) {
            self.rooms
                .each_in_conversation(conversation, |socket| send(socket, &body));
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

    /// Sends a new message to its conversation's room. Devices that asked
    /// for receipts at the handshake are asked to acknowledge it, and
    /// `on_delivered` hears of each device's user that does (the others
    /// get the plain event, exactly as the contract has it).
    pub async fn deliver_message(
        &self,
        conversation: &ConversationId,
        message: EncodedMessage,
        on_delivered: impl FnOnce() -> OnDelivered,
    ) {
        let Some(body) = message.event_body() else {
            return;
        };
        // Made on the first device that asks for receipts, if any does.
        let mut make_receipt = Some(on_delivered);
        let mut receipt: Option<OnDelivered> = None;
        self.rooms.each_in_conversation(conversation, |socket| {
            let Some(caller) = socket.data().filter(|caller| caller.receipts) else {
                send(socket, &body);
                return;
            };
            if receipt.is_none() {
                receipt = make_receipt.take().map(|make| make());
            }
            let Some(receipt) = receipt.clone() else {
                send(socket, &body);
                return;
            };
            let user = caller.id.clone();
            let acked = Box::new(move |answer: Option<&str>| {
                if answer.is_some() {
                    receipt(user);
                }
            });
            if socket.send_with_ack(body.clone(), acked).is_err() {
                tracing::trace!(socket = socket.id(), "message for a closed socket dropped");
            }
        });
    }

    /// The socket with this id, if it is connected to this process.
    pub fn socket(&self, id: &str) -> Option<SocketRef> {
        self.rooms.socket(id)
    }

    /// To one socket.
    pub fn to_socket(&self, socket: &SocketRef, event: &ServerEvent) {
        if let Some(body) = encoded(event) {
            send(socket, &body);
        }
    }

    /// To one socket named by its id (as stored with a call). A socket that
    /// is not connected to this process is skipped.
    pub async fn to_sid(&self, sid: &str, event: &ServerEvent) {
        match self.rooms.socket(sid) {
            Some(socket) => self.to_socket(&socket, event),
            None => tracing::debug!(event = event.name(), "socket not connected here"),
        }
    }

    /// To every socket of `user` except the socket `sid`.
    pub async fn to_user_except(&self, user: &UserId, sid: &str, event: &ServerEvent) {
        if let Some(body) = encoded(event) {
            self.rooms
                .each_of_users(std::slice::from_ref(user), |socket| {
                    if socket.id() != sid {
                        send(socket, &body);
                    }
                });
        }
    }

    /// Puts every socket of `users` into the conversation's room.
    pub async fn join_conversation(&self, users: &[UserId], conversation: &ConversationId) {
        self.rooms.join_users(users, conversation);
    }

    /// Empties a conversation's room.
    pub async fn close_conversation(&self, conversation: &ConversationId) {
        self.rooms.close(conversation);
    }
}
