//! Statements of `volunteers` that read the same on SQLite and PostgreSQL.

/// Whether `$1` is a volunteer's id.
pub(crate) const IS_VOLUNTEER: &str =
    "SELECT COUNT(*) FROM users WHERE id = $1 AND role = 'volunteer'";

pub(crate) const CLEAR_CREDENTIALS: &str =
    "DELETE FROM volunteer_credentials WHERE volunteer_id = $1";

pub(crate) const INSERT_CREDENTIAL: &str =
    "INSERT INTO volunteer_credentials (volunteer_id, topic) VALUES ($1, $2)";

pub(crate) const ALL_CREDENTIALS: &str =
    "SELECT volunteer_id, topic FROM volunteer_credentials ORDER BY volunteer_id, topic";

pub(crate) const CREDENTIALED_FOR: &str =
    "SELECT volunteer_id FROM volunteer_credentials WHERE topic = $1";

pub(crate) const VOLUNTEER_LOADS: &str =
    "SELECT volunteer_id, active_chats FROM volunteer_load WHERE active_chats > 0";

pub(crate) const RESET_MISSED_OFFERS: &str =
    "DELETE FROM volunteer_missed_offers WHERE volunteer_id = $1";
