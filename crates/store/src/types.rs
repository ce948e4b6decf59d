//! The plain types the [`crate::Store`] methods take and return besides the
//! domain's own: login credentials, offers and sessions as support and
//! volunteers see them, the outcomes of a claim and of an append, and the
//! options a store is opened with.

use helpline_core::conversation::Conversation;
use helpline_core::message::{Appended, Message, MessageType};
use helpline_core::request::HelpRequest;
use helpline_core::user::User;
use helpline_core::{ConversationId, RequestId, Timestamp, UserId};

/// An account with its stored password hash, for login only.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The account.
    pub user: User,
    /// The PHC-format password hash.
    pub password_hash: String,
}

/// A request just stored, and whom it was offered to in the same
/// transaction ([`crate::Requests::open_request`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedRequest {
    /// The stored request, `pending`.
    pub request: HelpRequest,
    /// The candidates it was offered to: each once, in the order given,
    /// without those who have blocked the seeker.
    pub offered: Vec<UserId>,
}

/// Hears of a request [`crate::Requests::open_request`] has written, possibly
/// before it is durable; called once at most, on whichever thread wrote it,
/// so it should only hand the outcome on.
pub type OnWritten = Box<dyn FnOnce(&OpenedRequest) + Send>;

/// A pending request together with the name of the seeker who made it, as
/// needed to tell a volunteer about it.
#[derive(Debug, Clone)]
pub struct OfferableRequest {
    /// The request.
    pub request: HelpRequest,
    /// The seeker's display name.
    pub seeker_display_name: String,
}

/// A request's open conversation, with both people, for support's overview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveSession {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// The request that opened it.
    pub request_id: RequestId,
    /// The seeker's id.
    pub seeker_id: UserId,
    /// The seeker's display name.
    pub seeker_display_name: String,
    /// The volunteer's id.
    pub volunteer_id: UserId,
    /// The volunteer's display name.
    pub volunteer_display_name: String,
    /// When the conversation opened.
    pub started_at: Timestamp,
}

/// What a claim attempt did.
#[derive(Debug, Clone)]
pub enum ClaimOutcome {
    /// This caller won: the request is accepted and its conversation exists.
    Claimed {
        /// The request, now accepted.
        request: HelpRequest,
        /// The conversation it opened.
        conversation: Conversation,
    },
    /// Someone or something else moved the request first; here is its state now.
    Lost(HelpRequest),
    /// The request is still pending, but its seeker and this volunteer are
    /// on the two sides of a block (either way): nothing changed.
    Blocked,
    /// The request is still pending, but the volunteer already has as many
    /// active chats from requests as the cap allows: nothing changed.
    AtCap,
    /// No such request.
    Missing,
}

/// How a message append can end besides success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppendRefusal {
    /// No such conversation.
    NoConversation,
    /// The conversation has ended.
    Ended,
    /// `replyToId` names no live message of this conversation.
    BadReply,
    /// `attachmentId` names no unsent upload of this sender in this conversation.
    BadAttachment,
    /// A participant has blocked the sender (system notes are never blocked).
    Blocked,
}

/// Why a backend's write did not store a message; the backend then reads
/// the exact [`AppendRefusal`] (or finds the earlier message of a retry).
pub(crate) enum Unwritten {
    /// `replyToId` names no live message of the conversation.
    BadReply,
    /// `attachmentId` names no unsent upload of the sender here.
    BadAttachment,
    /// The seq did not rise: a duplicate, a block, an ended or missing
    /// conversation.
    NotBumped,
}

impl Unwritten {
    /// The answer that needs nothing more than `existing` (the sender's
    /// message under the same clientMessageId, read after the write): that
    /// message for a retry, else a bad reply or attachment. `None` when the
    /// conversation's state decides ([`Unwritten::refusal`]).
    pub(crate) fn settled(
        self,
        existing: Option<Message>,
    ) -> Option<Result<Appended, AppendRefusal>> {
        if let Some(message) = existing {
            return Some(Ok(Appended {
                message,
                created: false,
            }));
        }
        match self {
            Self::BadReply => Some(Err(AppendRefusal::BadReply)),
            Self::BadAttachment => Some(Err(AppendRefusal::BadAttachment)),
            Self::NotBumped => None,
        }
    }

    /// Why a seq did not rise, from the conversation's state read after the
    /// write (`None`: no such conversation; else its status and whether a
    /// participant blocks the sender). `None` when nothing explains it any
    /// more (a block lifted in between): the append is tried again.
    pub(crate) fn refusal(
        state: Option<(String, bool)>,
        message_type: MessageType,
    ) -> Option<Result<Appended, AppendRefusal>> {
        match state {
            None => Some(Err(AppendRefusal::NoConversation)),
            Some((_, true)) if message_type != MessageType::System => {
                Some(Err(AppendRefusal::Blocked))
            }
            Some((status, _)) if status != "active" => Some(Err(AppendRefusal::Ended)),
            Some(_) => None,
        }
    }
}

/// How often an append whose refusal could not be explained (the
/// conversation changed between the write and the read) is tried again.
pub(crate) const APPEND_ATTEMPTS: usize = 3;

/// Settings that shape how a store is opened.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// SQLite only: `synchronous=FULL` (durable across power loss) or `NORMAL`.
    pub sqlite_synchronous_full: bool,
    /// Largest number of connections in the pool (readers, for SQLite).
    pub max_connections: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            sqlite_synchronous_full: true,
            max_connections: 8,
        }
    }
}

/// Scam signs as stored: their names joined by commas.
pub(crate) fn signs_column(signs: &[helpline_core::scam::ScamSign]) -> String {
    signs
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",")
}
