//! Messages: what a participant may send, and the stored shape every client
//! receives. `seq` is assigned by the store inside the insert transaction and
//! counts 1, 2, 3, … per conversation with no gaps.

use crate::attachment::AttachmentInfo;
use crate::error::DomainError;
use crate::ids::{AttachmentId, ConversationId, MessageId, UserId};
use crate::input::Fields;
use crate::time::Timestamp;
use crate::wire::wire_enum;
use serde::Serialize;

wire_enum!(
    /// What a message carries.
    MessageType {
        /// Plain text written by a participant.
        Text = "text",
        /// A picture (an attachment with an image type).
        Image = "image",
        /// Any file (an attachment of any type).
        File = "file",
        /// A recorded voice note (an attachment with an audio type).
        Voice = "voice",
        /// Written by the server (a request accepted, a chat ended, …).
        System = "system",
    }
);

/// The message types a client may send.
pub const CLIENT_TYPES: &[&str] = &["text", "image", "file", "voice"];

/// Longest message text, in characters.
pub const MAX_CONTENT_CHARS: usize = 4000;
/// Longest `clientMessageId`, in characters.
pub const MAX_CLIENT_MESSAGE_ID_CHARS: usize = 64;
/// Most messages one `message:sync` returns.
pub const MAX_SYNC_LIMIT: i64 = 500;
/// Most messages one history page returns (also the default).
pub const MAX_HISTORY_LIMIT: i64 = 100;
/// The largest integer a JavaScript client can send exactly.
pub const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

/// A stored message as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// The message's id.
    pub id: MessageId,
    /// Where it was said.
    pub conversation_id: ConversationId,
    /// Its place in the conversation: 1, 2, 3, … without gaps.
    pub seq: i64,
    /// Who said it.
    pub sender_id: UserId,
    /// The text.
    pub content: String,
    /// Text or system.
    #[serde(rename = "type")]
    pub message_type: MessageType,
    /// The sender's idempotency key.
    pub client_message_id: String,
    /// When it was stored.
    pub created_at: Timestamp,
    /// The message this one answers, with a short preview.
    pub reply_to: Option<ReplyPreview>,
    /// When the sender last edited it.
    pub edited_at: Option<Timestamp>,
    /// When the sender deleted it; its content is gone, its seq stays.
    pub deleted_at: Option<Timestamp>,
    /// Reactions, one entry per emoji, ordered by the earliest reaction still standing.
    pub reactions: Vec<Reaction>,
    /// When it disappears, if a timer applies.
    pub expires_at: Option<Timestamp>,
    /// Whether it disappears once every other participant has read it.
    pub view_once: bool,
    /// The file an `image`, `file` or `voice` message carries (gone once deleted).
    pub attachment: Option<AttachmentInfo>,
    /// What the server noticed about it (`scam_warning`); left out of the
    /// JSON when empty, as it nearly always is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<MessageFlag>,
}

wire_enum!(
    /// Something the server noticed about a message.
    MessageFlag {
        /// The scam guard saw signs of someone after a seeker's money or
        /// accounts ([`crate::scam`]).
        ScamWarning = "scam_warning"
    }
);

impl MessageFlag {
    /// The flag's bit in the stored `flags` column.
    fn bit(self) -> i64 {
        match self {
            MessageFlag::ScamWarning => 1,
        }
    }

    /// `flags` as the stored column.
    pub fn to_bits(flags: &[MessageFlag]) -> i64 {
        flags.iter().fold(0, |bits, f| bits | f.bit())
    }

    /// The stored column as flags.
    pub fn from_bits(bits: i64) -> Vec<MessageFlag> {
        [MessageFlag::ScamWarning]
            .into_iter()
            .filter(|f| bits & f.bit() != 0)
            .collect()
    }
}

/// What a reply shows of the message it answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplyPreview {
    /// The answered message.
    pub id: MessageId,
    /// Its seq.
    pub seq: i64,
    /// Its sender.
    pub sender_id: UserId,
    /// Its first characters (empty once it is deleted).
    pub preview: String,
    /// Whether it has been deleted.
    pub deleted: bool,
}

/// How many people reacted with one emoji, and who.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reaction {
    /// The emoji.
    pub emoji: String,
    /// How many people.
    pub count: i64,
    /// Who, in the order they reacted.
    pub user_ids: Vec<UserId>,
}

/// Characters of the answered message shown in a reply.
pub const REPLY_PREVIEW_CHARS: usize = 100;
/// Longest reaction, in characters (an emoji with modifiers and joiners).
pub const MAX_EMOJI_CHARS: usize = 16;

/// A checked `message:send` payload.
#[derive(Debug, Clone)]
pub struct MessageDraft {
    /// Where to send it.
    pub conversation_id: ConversationId,
    /// 1–4000 characters; for an attachment, an optional caption (0–4000).
    pub content: String,
    /// `text`, or `image` / `file` / `voice` with an attachment; never `system` from a client.
    pub message_type: MessageType,
    /// 1–64 characters chosen by the client; a retry reuses it.
    pub client_message_id: String,
    /// The message this one answers (same conversation only).
    pub reply_to_id: Option<MessageId>,
    /// This message's own timer, overriding the conversation's (`Some(0)`: view once).
    pub expires_in_secs: Option<i64>,
    /// The upload this message sends (required for `image`, `file`, `voice`).
    pub attachment_id: Option<AttachmentId>,
}

impl MessageDraft {
    /// Parses a `message:send` payload. `text` needs content and no
    /// attachment; `image`, `file` and `voice` need an `attachmentId` and
    /// may carry a caption.
    pub fn parse(fields: &Fields<'_>) -> Result<Self, DomainError> {
        let message_type = fields
            .opt_enum("type", CLIENT_TYPES, |t| {
                MessageType::parse(t).filter(|t| *t != MessageType::System)
            })?
            .unwrap_or(MessageType::Text);
        let attachment_id = fields
            .opt_id("attachmentId")?
            .map(AttachmentId::from_trusted);
        let content = match (message_type, &attachment_id) {
            (MessageType::Text, None) => fields.str("content", 1, MAX_CONTENT_CHARS)?,
            (MessageType::Text, Some(_)) => {
                return Err(DomainError::invalid(
                    "a message with an attachmentId must be of type image, file or voice",
                ));
            }
            (_, None) => {
                return Err(DomainError::invalid(format!(
                    "a {} message needs an attachmentId",
                    message_type.as_str()
                )));
            }
            (_, Some(_)) => fields
                .opt_str("content", 0, MAX_CONTENT_CHARS)?
                .unwrap_or_default(),
        };
        Ok(Self {
            conversation_id: ConversationId::from_trusted(fields.id("conversationId")?),
            content: content.to_owned(),
            message_type,
            client_message_id: fields
                .str("clientMessageId", 1, MAX_CLIENT_MESSAGE_ID_CHARS)?
                .to_owned(),
            reply_to_id: fields.opt_id("replyToId")?.map(MessageId::from_trusted),
            expires_in_secs: parse_timer(fields, "expiresInSecs")?,
            attachment_id,
        })
    }
}

/// A checked `message:edit`, `message:delete` or `message:react` target.
#[derive(Debug, Clone)]
pub struct MessageRef {
    /// The conversation the client says the message is in.
    pub conversation_id: ConversationId,
    /// The message.
    pub message_id: MessageId,
}

impl MessageRef {
    /// Parses `{"conversationId","messageId"}`.
    pub fn parse(fields: &Fields<'_>) -> Result<Self, DomainError> {
        Ok(Self {
            conversation_id: ConversationId::from_trusted(fields.id("conversationId")?),
            message_id: MessageId::from_trusted(fields.id("messageId")?),
        })
    }
}

/// The first characters of `content`, for a reply.
pub fn preview_of(content: &str) -> String {
    content.chars().take(REPLY_PREVIEW_CHARS).collect()
}

/// Everything needed to append a message.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// The fresh id (kept only if the message is new).
    pub id: MessageId,
    /// Who says it.
    pub sender_id: UserId,
    /// What and where.
    pub draft: MessageDraft,
    /// Now.
    pub created_at: Timestamp,
    /// What the server noticed about it before storing it.
    pub flags: Vec<MessageFlag>,
}

impl NewMessage {
    /// The message as stored with `seq`: its timer is its own
    /// `expires_in_secs`, else the conversation's (`conversation_timer`);
    /// system notes never disappear; 0 means view-once.
    pub fn stored(
        &self,
        seq: i64,
        conversation_timer: Option<i64>,
        reply_to: Option<ReplyPreview>,
        attachment: Option<AttachmentInfo>,
    ) -> Message {
        let d = &self.draft;
        let timer = if d.message_type == MessageType::System {
            None
        } else {
            d.expires_in_secs.or(conversation_timer)
        };
        Message {
            id: self.id.clone(),
            conversation_id: d.conversation_id.clone(),
            seq,
            sender_id: self.sender_id.clone(),
            content: d.content.clone(),
            message_type: d.message_type,
            client_message_id: d.client_message_id.clone(),
            created_at: self.created_at,
            reply_to,
            edited_at: None,
            deleted_at: None,
            reactions: Vec::new(),
            expires_at: timer.filter(|secs| *secs > 0).map(|secs| {
                self.created_at
                    .plus(std::time::Duration::from_secs(secs as u64))
            }),
            view_once: timer == Some(0),
            attachment,
            flags: self.flags.clone(),
        }
    }
}

/// What appending a message did.
#[derive(Debug, Clone)]
pub struct Appended {
    /// The stored message (the first one, for a retry).
    pub message: Message,
    /// False when the same `clientMessageId` was stored before.
    pub created: bool,
}

/// A checked `message:sync` payload.
#[derive(Debug, Clone)]
pub struct SyncQuery {
    /// The conversation to catch up on.
    pub conversation_id: ConversationId,
    /// Messages with a larger seq are returned.
    pub after_seq: i64,
    /// At most this many (1–500, default 100).
    pub limit: i64,
}

impl SyncQuery {
    /// Parses a `message:sync` payload.
    pub fn parse(fields: &Fields<'_>) -> Result<Self, DomainError> {
        Ok(Self {
            conversation_id: ConversationId::from_trusted(fields.id("conversationId")?),
            after_seq: fields.int("afterSeq", 0, MAX_SAFE_INTEGER)?,
            limit: fields.opt_int("limit", 1, MAX_SYNC_LIMIT)?.unwrap_or(100),
        })
    }
}

/// The disappearing-message timers the apps offer, in seconds: view once
/// (`0`: gone once every other participant has read it), 30 s, 5 min, 1 h,
/// 8 h, 1 day, 1 week, 4 weeks. `null` turns the timer off.
pub const AUTO_DELETE_PRESETS: [i64; 8] = [0, 30, 300, 3_600, 28_800, 86_400, 604_800, 2_419_200];

/// Reads an optional timer field: absent or `null` is off, anything else
/// must be one of [`AUTO_DELETE_PRESETS`].
pub fn parse_timer(
    fields: &crate::input::Fields<'_>,
    name: &str,
) -> Result<Option<i64>, crate::DomainError> {
    match fields.opt_int(name, 0, i64::MAX)? {
        None => Ok(None),
        Some(secs) if AUTO_DELETE_PRESETS.contains(&secs) => Ok(Some(secs)),
        Some(_) => Err(crate::DomainError::invalid(format!(
            "{name} must be null or one of {AUTO_DELETE_PRESETS:?}"
        ))),
    }
}

/// Refuses a message type that does not fit the attachment's MIME type:
/// `image` needs an image, `voice` an audio recording, `file` takes
/// anything; text and system messages carry no attachment.
pub fn require_fits(message_type: MessageType, mime: &str) -> Result<(), DomainError> {
    let fits = match message_type {
        MessageType::Image => mime.starts_with("image/"),
        MessageType::Voice => mime.starts_with("audio/"),
        MessageType::File => true,
        MessageType::Text | MessageType::System => false,
    };
    if fits {
        Ok(())
    } else {
        Err(DomainError::invalid(format!(
            "a {} message cannot carry a {mime} attachment",
            message_type.as_str()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_types_must_fit_the_sniffed_type() {
        use MessageType::{File, Image, System, Text, Voice};
        let table = [
            (Image, "image/png", true),
            (Image, "image/webp", true),
            (Image, "application/pdf", false),
            (Image, "text/plain", false),
            (Voice, "audio/ogg", true),
            (Voice, "audio/webm", true),
            (Voice, "video/webm", false),
            (Voice, "image/jpeg", false),
            (File, "application/octet-stream", true),
            (File, "image/png", true),
            (Text, "image/png", false),
            (System, "text/plain", false),
        ];
        for (kind, mime, ok) in table {
            assert_eq!(require_fits(kind, mime).is_ok(), ok, "{kind:?} {mime}");
        }
    }

    use serde_json::json;

    #[test]
    fn message_draft_rules() {
        let ok = json!({"conversationId":"c","content":"hi","clientMessageId":"m1"});
        assert!(MessageDraft::parse(&Fields::of(&ok).expect("obj")).is_ok());
        for bad in [
            json!({"conversationId":"c","content":"","clientMessageId":"m1"}),
            json!({"conversationId":"c","content":"x".repeat(4001),"clientMessageId":"m1"}),
            json!({"conversationId":"c","content":"hi"}),
            json!({"conversationId":"c","content":"hi","clientMessageId":"x".repeat(65)}),
            json!({"conversationId":"c","content":"hi","clientMessageId":"m","type":"system"}),
            json!({"conversationId":1,"content":"hi","clientMessageId":"m"}),
            json!({"conversationId":"c","content":["hi"],"clientMessageId":"m"}),
        ] {
            assert!(
                MessageDraft::parse(&Fields::of(&bad).expect("obj")).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn replies() {
        let reply =
            json!({"conversationId":"c","content":"hi","clientMessageId":"m","replyToId":"x"});
        let draft = MessageDraft::parse(&Fields::of(&reply).expect("obj")).expect("valid");
        assert_eq!(draft.reply_to_id, Some(MessageId::from_trusted("x")));
        assert_eq!(
            preview_of(&"é".repeat(300)).chars().count(),
            REPLY_PREVIEW_CHARS
        );
    }

    #[test]
    fn attachment_messages() {
        let parse = |v: serde_json::Value| MessageDraft::parse(&Fields::of(&v).expect("obj"));
        let image = parse(
            json!({"conversationId":"c","type":"image","attachmentId":"a","clientMessageId":"m"}),
        )
        .expect("valid");
        assert_eq!(image.message_type, MessageType::Image);
        assert_eq!(image.attachment_id, Some(AttachmentId::from_trusted("a")));
        assert_eq!(image.content, "");
        let voice = parse(json!({"conversationId":"c","type":"voice","attachmentId":"a","content":"listen","clientMessageId":"m"}))
            .expect("valid");
        assert_eq!(voice.content, "listen");
        for bad in [
            json!({"conversationId":"c","type":"file","clientMessageId":"m"}),
            json!({"conversationId":"c","content":"hi","attachmentId":"a","clientMessageId":"m"}),
            json!({"conversationId":"c","type":"system","attachmentId":"a","clientMessageId":"m"}),
            json!({"conversationId":"c","type":"video","attachmentId":"a","clientMessageId":"m"}),
            json!({"conversationId":"c","type":"image","attachmentId":7,"clientMessageId":"m"}),
        ] {
            assert!(parse(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn content_counts_code_points() {
        let emoji = "😀".repeat(4000);
        let ok = json!({"conversationId":"c","content":emoji,"clientMessageId":"m1"});
        assert!(MessageDraft::parse(&Fields::of(&ok).expect("obj")).is_ok());
    }

    #[test]
    fn sync_defaults_and_bounds() {
        let q = SyncQuery::parse(
            &Fields::of(&json!({"conversationId":"c","afterSeq":0})).expect("obj"),
        )
        .expect("valid");
        assert_eq!(q.limit, 100);
        let bad = json!({"conversationId":"c","afterSeq":-1});
        assert!(SyncQuery::parse(&Fields::of(&bad).expect("obj")).is_err());
        let big = json!({"conversationId":"c","afterSeq":0,"limit":501});
        assert!(SyncQuery::parse(&Fields::of(&big).expect("obj")).is_err());
    }
}
