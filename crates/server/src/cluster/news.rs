//! What one node tells the others, as it travels on the broker: an
//! [`Envelope`] from a node, carrying one piece of [`News`]. Encoded with
//! postcard; an event's body is the bytes already encoded for the
//! sockets, so a broadcast is encoded once for every node.

use bytes::Bytes;
use helpline_core::user::{Availability, Role};
use helpline_core::{ConversationId, UserId};
use serde::{Deserialize, Serialize};

/// A node's identity for as long as it runs (a fresh one per start).
pub type NodeId = u128;

/// One message on the broker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    /// The node that sent it; a node skips its own.
    pub from: NodeId,
    /// What happened.
    pub news: News,
}

/// The sockets an event is for, wherever they are connected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Audience {
    /// Every socket of these users.
    Users(Vec<UserId>),
    /// Every socket of one user but one (the device that answered a call).
    UserExcept(UserId, String),
    /// Every socket in a conversation's room.
    Conversation(ConversationId),
    /// Every support agent's socket.
    Support,
    /// Every seeker's and every support agent's socket. Used on its own
    /// node only (`volunteer:presence`, which each node derives from its
    /// own presence table, [`crate::presence`]), never published.
    SeekersAndSupport,
    /// One socket, by id.
    Socket(String),
}

/// One piece of news between nodes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum News {
    /// An encoded event (`["name",{…}]`) for an audience.
    Event {
        /// Who gets it.
        to: Audience,
        /// The body every socket gets.
        body: Bytes,
    },
    /// A new message for its conversation's room; devices that asked for
    /// receipts acknowledge it, and the node they are on records delivery.
    Message {
        /// The conversation.
        conversation: ConversationId,
        /// Who sent it (their own devices make no delivery receipt).
        sender: UserId,
        /// Its seq.
        seq: i64,
        /// The encoded `message:new`.
        body: Bytes,
    },
    /// These users' sockets join the conversation's room.
    Join {
        /// The people.
        users: Vec<UserId>,
        /// The conversation.
        conversation: ConversationId,
    },
    /// The conversation's room is emptied.
    Close {
        /// The conversation.
        conversation: ConversationId,
    },
    /// Everyone connected to the sending node, in parts of at most
    /// [`SNAPSHOT_PART`] users (a broker limits a message's size): the
    /// first part replaces what was known of the node, the others add to
    /// it. Sent every heartbeat, and at once when a node starts or hears of
    /// a node it did not know.
    Snapshot {
        /// Whether this part starts the snapshot.
        first: bool,
        /// Its users.
        users: Vec<Present>,
    },
    /// A user's first socket on the sending node connected, or their
    /// availability changed.
    Present(Present),
    /// A user's last socket on the sending node went away.
    Absent(UserId),
    /// The sending node stops; forget its users now.
    Leaving,
    /// The server set a volunteer's availability (auto-away): it holds
    /// wherever they are connected. Unlike [`News::Present`] it says
    /// nothing of where they are.
    Chose {
        /// The volunteer.
        user: UserId,
        /// Their availability now.
        availability: Availability,
    },
}

/// Users in one snapshot message: far below NATS's default 1 MiB limit
/// (a user takes about 40 bytes).
pub const SNAPSHOT_PART: usize = 5_000;

/// A connected user as presence knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Present {
    /// Who.
    pub user: UserId,
    /// Their role.
    pub role: Role,
    /// Their availability on the sending node.
    pub availability: Availability,
    /// Whether the volunteer just chose it (then it holds on every node);
    /// otherwise it is what the sending node knew when they connected.
    pub chose: bool,
}

/// `users` as snapshot news, in parts; an empty node sends one empty part.
pub fn snapshot(users: Vec<Present>) -> Vec<News> {
    if users.is_empty() {
        return vec![News::Snapshot { first: true, users }];
    }
    users
        .chunks(SNAPSHOT_PART)
        .enumerate()
        .map(|(i, part)| News::Snapshot {
            first: i == 0,
            users: part.to_vec(),
        })
        .collect()
}

impl Envelope {
    /// The bytes on the broker.
    pub fn encode(&self) -> Option<Bytes> {
        match postcard::to_allocvec(self) {
            Ok(bytes) => Some(Bytes::from(bytes)),
            Err(error) => {
                tracing::error!(%error, "encoding news for the broker failed");
                None
            }
        }
    }

    /// Reads bytes from the broker; `None` (logged) for anything else.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        match postcard::from_bytes(bytes) {
            Ok(envelope) => Some(envelope),
            Err(error) => {
                tracing::warn!(%error, "unreadable news on the broker skipped");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn news_survives_the_trip() {
        let envelope = Envelope {
            from: 7,
            news: News::Event {
                to: Audience::UserExcept(UserId::from_trusted("u"), "sid".into()),
                body: Bytes::from_static(br#"["typing",{"a":1}]"#),
            },
        };
        let back = Envelope::decode(&envelope.encode().expect("encoded")).expect("decoded");
        assert_eq!(back.from, 7);
        match back.news {
            News::Event { to, body } => {
                assert_eq!(
                    to,
                    Audience::UserExcept(UserId::from_trusted("u"), "sid".into())
                );
                assert_eq!(&body[..], br#"["typing",{"a":1}]"#);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(Envelope::decode(b"\xff\xff\xff").is_none());
    }
}
