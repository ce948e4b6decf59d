//! Statements of `receipts` that read the same on SQLite and PostgreSQL.

pub(crate) const SET_ARCHIVED_AT: &str = "UPDATE conversation_participants SET archived_at = $1 WHERE conversation_id = $2 AND user_id = $3";
