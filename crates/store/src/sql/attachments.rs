//! Statements of `attachments` that read the same on SQLite and PostgreSQL.

pub(crate) const INSERT_ATTACHMENTS: &str = "INSERT INTO attachments (id, conversation_id, uploader_id, name, mime, size, storage_key, thumbnail_key, created_at) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 WHERE (SELECT COALESCE(SUM(size), 0) FROM attachments WHERE uploader_id = $3) + $6 <= $10";

pub(crate) const SELECT_ATTACHMENTS_BY_ID: &str =
    "SELECT * FROM attachments WHERE id = $1 AND dead_at IS NULL";
