//! Statements of `store` that read the same on SQLite and PostgreSQL.

pub(crate) const SELECT_SCHEMA_MIGRATIONS_BY_VERSION: &str =
    "SELECT version FROM schema_migrations WHERE version = $1";

pub(crate) const INSERT_SCHEMA_MIGRATIONS: &str =
    "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)";

pub(crate) const INSERT_SETTINGS_IF_NEW: &str =
    "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";

pub(crate) const SELECT_SETTINGS_BY_KEY: &str = "SELECT value FROM settings WHERE key = $1";
