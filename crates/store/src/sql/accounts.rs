//! Statements of `accounts` that read the same on SQLite and PostgreSQL.

pub(crate) const INSERT_USERS: &str = "INSERT INTO users (id, username, password_hash, display_name, role, languages, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";

pub(crate) const SELECT_USERS_BY_ID: &str = "SELECT * FROM users WHERE id = $1";

pub(crate) const SELECT_USERS_BY_USERNAME: &str = "SELECT * FROM users WHERE username = $1";

pub(crate) const VOLUNTEERS: &str =
    "SELECT * FROM users WHERE role = 'volunteer' ORDER BY display_name, id";
