//! Statements of `accounts` that read the same on SQLite and PostgreSQL.

pub(crate) const INSERT_USERS: &str = "INSERT INTO users (id, username, password_hash, display_name, role, languages, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";

pub(crate) const SELECT_USERS_BY_ID: &str = "SELECT * FROM users WHERE id = $1";

pub(crate) const SELECT_USERS_BY_USERNAME: &str = "SELECT * FROM users WHERE username = $1";

/// Users whose display name or username contains a pattern made by
/// [`contains_pattern`] (ASCII letters in any case), by display name.
pub(crate) const SEARCH_USERS: &str = "SELECT * FROM users WHERE lower(display_name) LIKE $1 ESCAPE '\\' OR lower(username) LIKE $1 ESCAPE '\\' ORDER BY display_name, id LIMIT $2";

/// A `LIKE` pattern matching text that contains `text`, its ASCII
/// letters lowercased (as `lower()` does on both backends) and its `%`,
/// `_` and `\` escaped, so they match only themselves.
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c.to_ascii_lowercase());
    }
    pattern.push('%');
    pattern
}

pub(crate) const VOLUNTEERS: &str =
    "SELECT * FROM users WHERE role = 'volunteer' ORDER BY display_name, id";

/// Every support agent's id.
pub(crate) const SUPPORT_AGENTS: &str = "SELECT id FROM users WHERE role = 'support' ORDER BY id";
