//! Statements of `safety` that read the same on SQLite and PostgreSQL.

pub(crate) const INSERT_BLOCKS_IF_NEW: &str = "INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

pub(crate) const DELETE_BLOCKS_BY_BLOCKER_ID_BLOCKED_ID: &str =
    "DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2";

pub(crate) const BLOCKERS_OF: &str =
    "SELECT blocker_id FROM blocks WHERE blocked_id = $1 ORDER BY blocker_id";

pub(crate) const BLOCKED_BY: &str = "SELECT u.id, u.display_name, b.created_at FROM blocks b JOIN users u ON u.id = b.blocked_id WHERE b.blocker_id = $1 ORDER BY b.created_at DESC, u.id";

pub(crate) const INSERT_REPORTS: &str = "INSERT INTO reports (id, reporter_id, user_id, message_id, conversation_id, message_excerpt, reason, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

pub(crate) const RESOLVE_REPORT: &str = "UPDATE reports SET status = 'resolved', resolved_at = $1, resolved_by = $2 WHERE id = $3 AND status = 'open' RETURNING *";
