//! The one way events leave the server. Rooms ([`super::rooms`]): a
//! user's sockets, a conversation's sockets, the support agents' sockets,
//! the seekers' and support agents' sockets.
//!
//! A broadcast is encoded once (`["event",{…}]`) and the same bytes are
//! queued for every receiver; each connection then writes what piled up for
//! it in one go. A socket that is gone is skipped (its queue refuses the
//! packet); durable state never depends on delivery, clients resync.
//!
//! In a cluster every broadcast is also published once, with its encoded
//! body, for the other nodes to deliver to their own sockets
//! ([`crate::cluster`]); they call the `…_here` methods.

use super::SocketRef;
use super::encoded::EncodedMessage;
use super::outbound::{ServerEvent, ShownAvailability, SupportChange};
use super::rooms::Rooms;
use crate::cluster::news::{Audience, News};
use crate::cluster::outbox::Outbox;
use crate::presence::VolunteerChange;
use bytes::Bytes;
use helpline_core::message::Message;
use helpline_core::{ConversationId, UserId};
use helpline_socketio::{Packet, encode_event};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedReceiver;

/// Sends [`ServerEvent`]s to users, conversations and sockets.
#[derive(Clone, Default)]
pub struct Fanout {
    rooms: Arc<Rooms>,
    /// The other nodes, in a cluster.
    outbox: Option<Outbox>,
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
    /// A fan-out that also publishes to `outbox` (none: one node).
    pub fn new(outbox: Option<Outbox>) -> Self {
        Self {
            rooms: Arc::default(),
            outbox,
        }
    }

    /// The rooms this fan-out sends to.
    pub fn rooms(&self) -> &Rooms {
        &self.rooms
    }

    /// Where news for the other nodes goes, in a cluster.
    pub fn outbox(&self) -> Option<&Outbox> {
        self.outbox.as_ref()
    }

    /// Publishes `news` for the other nodes, in a cluster.
    fn publish(&self, news: impl FnOnce() -> News) {
        if let Some(outbox) = &self.outbox {
            outbox.send(news());
        }
    }

    /// Delivers `body` to `to` here and on every other node.
    fn broadcast(&self, to: Audience, body: Bytes) {
        self.deliver_here(&to, &body);
        self.publish(|| News::Event { to, body });
    }

    /// Delivers an encoded event to the sockets of `to` on this node.
    pub fn deliver_here(&self, to: &Audience, body: &Bytes) {
        let rooms = &self.rooms;
        match to {
            Audience::Users(users) => rooms.each_of_users(users, |socket| send(socket, body)),
            Audience::UserExcept(user, sid) => {
                rooms.each_of_users(std::slice::from_ref(user), |socket| {
                    if socket.id() != sid {
                        send(socket, body);
                    }
                })
            }
            Audience::Conversation(id) => {
                rooms.each_in_conversation(id, |socket| send(socket, body))
            }
            Audience::Support => rooms.each_support(|socket| send(socket, body)),
            Audience::SeekersAndSupport => {
                rooms.each_seeker_and_support(|socket| send(socket, body))
            }
            Audience::Socket(sid) => {
                if let Some(socket) = rooms.socket(sid) {
                    send(&socket, body);
                }
            }
        }
    }

    /// To every socket of each of `users`.
    pub async fn to_users(&self, users: &[UserId], event: &ServerEvent) {
        if users.is_empty() {
            return;
        }
        if let Some(body) = encoded(event) {
            // Here first, without building the audience one node never needs.
            self.rooms
                .each_of_users(users, |socket| send(socket, &body));
            self.publish(|| News::Event {
                to: Audience::Users(users.to_vec()),
                body,
            });
        }
    }

    /// To every socket of one user.
    pub async fn to_user(&self, user: &UserId, event: &ServerEvent) {
        self.to_users(std::slice::from_ref(user), event).await;
    }

    /// To every connected support agent.
    pub async fn to_support(&self, event: &ServerEvent) {
        if let Some(body) = encoded(event) {
            self.broadcast(Audience::Support, body);
        }
    }

    /// Tells support their overview changed: one broadcast to the support
    /// room.
    pub async fn support_changed(&self, reason: SupportChange) {
        self.to_support(&ServerEvent::SupportChanged { reason })
            .await;
    }

    /// Tells this node's support agents their overview changed (for what
    /// only this node saw, like another node falling silent).
    pub fn support_changed_here(&self, reason: SupportChange) {
        if let Some(body) = encoded(&ServerEvent::SupportChanged { reason }) {
            self.deliver_here(&Audience::Support, &body);
        }
    }

    /// `volunteer:presence` to this node's seekers and support agents, for
    /// each change in how a volunteer looks from this node, in the order
    /// they happen, until the presence table is gone. Not published: every
    /// node derives the same changes from its own table
    /// ([`crate::presence`]), so each seeker hears each change once.
    pub async fn volunteer_presence(&self, mut changes: UnboundedReceiver<VolunteerChange>) {
        while let Some(change) = changes.recv().await {
            let event = ServerEvent::VolunteerPresence {
                volunteer_id: change.volunteer,
                online: change.availability.is_some(),
                availability: ShownAvailability::from(change.availability),
            };
            if let Some(body) = encoded(&event) {
                self.deliver_here(&Audience::SeekersAndSupport, &body);
            }
        }
    }

    /// To every socket in a conversation's room.
    pub async fn to_conversation(&self, conversation: &ConversationId, event: &ServerEvent) {
        if let Some(body) = encoded(event) {
            self.rooms
                .each_in_conversation(conversation, |socket| send(socket, &body));
            self.publish(|| News::Event {
                to: Audience::Conversation(conversation.clone()),
                body,
            });
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

    /// Sends a new message (by `sender`, at `seq`) to its conversation's
    /// room, here and on every node. Devices that asked for receipts at
    /// the handshake are asked to acknowledge it, and `on_delivered` hears
    /// of each device's user that does (the others get the plain event,
    /// exactly as the contract has it).
    pub async fn deliver_message(
        &self,
        conversation: &ConversationId,
        sender: &UserId,
        seq: i64,
        message: EncodedMessage,
        on_delivered: impl FnOnce() -> OnDelivered,
    ) {
        let Some(body) = message.event_body() else {
            return;
        };
        self.deliver_message_here(conversation, &body, on_delivered);
        self.publish(|| News::Message {
            conversation: conversation.clone(),
            sender: sender.clone(),
            seq,
            body,
        });
    }

    /// Sends an encoded `message:new` to the conversation's room on this node.
    pub fn deliver_message_here(
        &self,
        conversation: &ConversationId,
        body: &Bytes,
        on_delivered: impl FnOnce() -> OnDelivered,
    ) {
        // Made on the first device that asks for receipts, if any does.
        let mut make_receipt = Some(on_delivered);
        let mut receipt: Option<OnDelivered> = None;
        self.rooms.each_in_conversation(conversation, |socket| {
            let Some(caller) = socket.data().filter(|caller| caller.receipts) else {
                send(socket, body);
                return;
            };
            if receipt.is_none() {
                receipt = make_receipt.take().map(|make| make());
            }
            let Some(receipt) = receipt.clone() else {
                send(socket, body);
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

    /// To one socket named by its id (as stored with a call), on whichever
    /// node it is connected to.
    pub async fn to_sid(&self, sid: &str, event: &ServerEvent) {
        match self.rooms.socket(sid) {
            Some(socket) => self.to_socket(&socket, event),
            None => {
                if let Some(body) = encoded(event) {
                    self.publish(|| News::Event {
                        to: Audience::Socket(sid.to_owned()),
                        body,
                    });
                }
            }
        }
    }

    /// To every socket of `user` except the socket `sid`.
    pub async fn to_user_except(&self, user: &UserId, sid: &str, event: &ServerEvent) {
        if let Some(body) = encoded(event) {
            self.broadcast(Audience::UserExcept(user.clone(), sid.to_owned()), body);
        }
    }

    /// Puts every socket of `users`, on every node, into the conversation's room.
    pub async fn join_conversation(&self, users: &[UserId], conversation: &ConversationId) {
        self.rooms.join_users(users, conversation);
        self.publish(|| News::Join {
            users: users.to_vec(),
            conversation: conversation.clone(),
        });
    }

    /// Empties a conversation's room on every node.
    pub async fn close_conversation(&self, conversation: &ConversationId) {
        self.rooms.close(conversation);
        self.publish(|| News::Close {
            conversation: conversation.clone(),
        });
    }
}
