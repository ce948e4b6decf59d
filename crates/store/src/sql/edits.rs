//! Statements of `edits` that read the same on SQLite and PostgreSQL.

pub(crate) const EDIT_MESSAGE: &str = "UPDATE messages SET content = $1, edited_at = $2, flags = $3 WHERE id = $4 AND deleted_at IS NULL";

pub(crate) const DELETE_MESSAGE: &str = "UPDATE messages SET content = '', flags = 0, deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL";

pub(crate) const DELETE_REACTIONS: &str = "DELETE FROM message_reactions WHERE message_id = $1";

pub(crate) const DELETE_REACTION: &str =
    "DELETE FROM message_reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3";

pub(crate) const INSERT_MESSAGE_REACTIONS: &str = "INSERT INTO message_reactions (message_id, user_id, emoji, created_at) VALUES ($1, $2, $3, $4)";
