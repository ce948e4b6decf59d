//! Statements of `timers` that read the same on SQLite and PostgreSQL.

pub(crate) const SET_AUTO_DELETE: &str =
    "UPDATE conversations SET auto_delete_secs = $1 WHERE id = $2 RETURNING *";
