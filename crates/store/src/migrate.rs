//! A small migration runner shared by both backends: numbered SQL files,
//! embedded at build time, applied in order inside one transaction each and
//! recorded in `schema_migrations`. The backends supply the statements that
//! differ (locking, placeholders).

/// One embedded migration.
pub(crate) struct Migration {
    /// Applied in ascending order.
    pub version: i64,
    /// Statements separated by `;` at line ends.
    pub sql: &'static str,
}

/// Splits a migration into statements (no `;` inside our statements' bodies).
pub(crate) fn statements(sql: &str) -> impl Iterator<Item = &str> {
    sql.split(";\n")
        .map(str::trim)
        .filter(|s| !s.is_empty() && !s.lines().all(|l| l.trim_start().starts_with("--")))
}
