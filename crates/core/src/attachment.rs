//! Attachments: files uploaded into a conversation, then sent as the
//! attachment of one `image`, `file` or `voice` message. This module owns
//! the stored record, the shape clients see, the rule that a message's type
//! must fit the attachment's (sniffed) MIME type, and the file name rules:
//! a client's name is only ever a label, sanitised here, and never a path.

use crate::ids::{AttachmentId, ConversationId, MessageId, UserId};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Longest attachment name kept, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// The name of an upload that came without a usable one.
pub const DEFAULT_NAME: &str = "file";

/// A stored upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Its id.
    pub id: AttachmentId,
    /// The conversation it was uploaded to (and may only be sent in).
    pub conversation_id: ConversationId,
    /// Who uploaded it (the only one who may send it).
    pub uploader_id: UserId,
    /// The sanitised file name, a label only.
    pub name: String,
    /// The MIME type sniffed from its bytes.
    pub mime: String,
    /// Its size in bytes.
    pub size: i64,
    /// Where its bytes are kept (a server-generated name).
    pub storage_key: String,
    /// Where its thumbnail is kept, for images that have one.
    pub thumbnail_key: Option<String>,
    /// The message it was sent with, once sent.
    pub message_id: Option<MessageId>,
    /// When it was uploaded.
    pub created_at: Timestamp,
}

impl Attachment {
    /// What clients see of it.
    pub fn info(&self) -> AttachmentInfo {
        AttachmentInfo {
            id: self.id.clone(),
            name: self.name.clone(),
            mime: self.mime.clone(),
            size: self.size,
            thumbnail: self.thumbnail_key.is_some(),
        }
    }

    /// The storage keys of its bytes and thumbnail.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.storage_key.as_str()).chain(self.thumbnail_key.as_deref())
    }
}

/// An attachment as clients see it: in the upload's answer and on messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentInfo {
    /// Download it at `GET /api/attachments/{id}`.
    pub id: AttachmentId,
    /// The sanitised file name.
    pub name: String,
    /// The sniffed MIME type.
    pub mime: String,
    /// Size in bytes.
    pub size: i64,
    /// Whether `GET /api/attachments/{id}/thumbnail` has a small preview.
    pub thumbnail: bool,
}

/// A client's file name made safe to keep and show: only its last path
/// component, without control characters, quotes or backslashes, trimmed,
/// at most [`MAX_NAME_CHARS`]; [`DEFAULT_NAME`] when nothing is left.
pub fn sanitize_name(raw: Option<&str>) -> String {
    let last = raw
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\\' | '\u{2028}' | '\u{2029}'))
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.');
    let kept: String = trimmed.chars().take(MAX_NAME_CHARS).collect();
    match kept.trim() {
        "" => DEFAULT_NAME.to_owned(),
        name => name.to_owned(),
    }
}

/// A `Content-Disposition: attachment` value for `name`: a plain ASCII
/// `filename` for old clients, and the exact name as RFC 5987 `filename*`.
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() && !matches!(c, '"' | '\\' | ';' | '%')) || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_labels_never_paths() {
        let cases = [
            (Some("photo.png"), "photo.png"),
            (Some("../../etc/passwd"), "passwd"),
            (Some("C:\\Users\\ann\\notes.txt"), "notes.txt"),
            (Some("  ..hidden  "), "hidden"),
            (Some("bad\"name\r\n.pdf"), "badname.pdf"),
            (Some("dir/"), DEFAULT_NAME),
            (Some(""), DEFAULT_NAME),
            (None, DEFAULT_NAME),
            (Some("Grüße 📷.jpg"), "Grüße 📷.jpg"),
        ];
        for (raw, expected) in cases {
            assert_eq!(sanitize_name(raw), expected, "{raw:?}");
        }
        assert_eq!(
            sanitize_name(Some(&"é".repeat(300))).chars().count(),
            MAX_NAME_CHARS
        );
    }

    #[test]
    fn content_disposition_has_an_ascii_fallback_and_the_exact_name() {
        assert_eq!(
            content_disposition("report.pdf"),
            "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
        );
        assert_eq!(
            content_disposition("Grüße; 1.txt"),
            "attachment; filename=\"Gr__e_ 1.txt\"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%3B%201.txt"
        );
    }
}
