//! Statements of `calls` that read the same on SQLite and PostgreSQL.

pub(crate) const LIVE_CALL_IN: &str =
    "SELECT * FROM calls WHERE conversation_id = $1 AND status IN ('ringing', 'active')";

pub(crate) const ONE_LIVE_CALL_OF: &str = "SELECT * FROM calls WHERE (caller_id = $1 OR callee_id = $1) AND status IN ('ringing', 'active') LIMIT 1";

pub(crate) const INSERT_CALLS: &str = "INSERT INTO calls (id, conversation_id, caller_id, callee_id, media, status, reason, created_at, rings_until, caller_device, answered_at, answered_device, ended_at, duration_secs) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING *";

pub(crate) const SELECT_CALLS_BY_ID: &str = "SELECT * FROM calls WHERE id = $1";

pub(crate) const ACCEPT_CALL: &str = "UPDATE calls SET status = 'active', answered_at = $1, answered_device = $2 WHERE id = $3 AND status = 'ringing' AND rings_until > $1 RETURNING *";

pub(crate) const FINISH_CALL: &str = "UPDATE calls SET status = $1, reason = $2, ended_at = $3, duration_secs = $4 WHERE id = $5 AND status = $6 RETURNING *";

pub(crate) const BIND_CALLER_DEVICE: &str = "UPDATE calls SET caller_device = COALESCE(caller_device, $1) WHERE id = $2 RETURNING caller_device";

pub(crate) const LIVE_CALLS_OF: &str = "SELECT * FROM calls WHERE (caller_id = $1 OR callee_id = $1) AND status IN ('ringing', 'active') ORDER BY created_at, id";

pub(crate) const CALLS_IN: &str =
    "SELECT * FROM calls WHERE conversation_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2";

pub(crate) const SET_CALLER_STATS: &str = "UPDATE calls SET caller_stats = $1 WHERE id = $2 AND answered_at IS NOT NULL AND caller_stats IS NULL RETURNING *";

pub(crate) const SET_CALLEE_STATS: &str = "UPDATE calls SET callee_stats = $1 WHERE id = $2 AND answered_at IS NOT NULL AND callee_stats IS NULL RETURNING *";

pub(crate) const MOVE_CALLER_DEVICE: &str = "UPDATE calls SET caller_device = $1 WHERE id = $2 AND status IN ('ringing', 'active') RETURNING *";

pub(crate) const MOVE_ANSWERED_DEVICE: &str =
    "UPDATE calls SET answered_device = $1 WHERE id = $2 AND status = 'active' RETURNING *";

/// The statement that moves `side`'s signaling device.
pub(crate) fn move_device(side: helpline_core::call::Side) -> &'static str {
    match side {
        helpline_core::call::Side::Caller => MOVE_CALLER_DEVICE,
        helpline_core::call::Side::Callee => MOVE_ANSWERED_DEVICE,
    }
}

/// The statement that stores `side`'s quality summary.
pub(crate) fn set_stats(side: helpline_core::call::Side) -> &'static str {
    match side {
        helpline_core::call::Side::Caller => SET_CALLER_STATS,
        helpline_core::call::Side::Callee => SET_CALLEE_STATS,
    }
}
