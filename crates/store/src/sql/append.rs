//! Statements of `append` that read the same on SQLite and PostgreSQL.

pub(crate) const ATTACH_TO_MESSAGE: &str = "UPDATE attachments SET message_id = $1 WHERE id = $2";

pub(crate) const UNARCHIVE: &str = "UPDATE conversation_participants SET archived_at = NULL WHERE conversation_id = $1 AND archived_at IS NOT NULL";

pub(crate) const REPLY_PREVIEW: &str = "SELECT seq, sender_id, content FROM messages WHERE id = $1 AND conversation_id = $2 AND deleted_at IS NULL";
