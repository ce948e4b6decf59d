//! Statements of `alerts` that read the same on SQLite and PostgreSQL.

/// An alert with the names of the people it names; `WHERE` follows.
macro_rules! select_alerts {
    ($where:literal) => {
        concat!(
            "SELECT a.*, r.display_name AS raised_by_name, r.role AS raised_by_role, \
             k.display_name AS acknowledged_by_name, k.role AS acknowledged_by_role, \
             v.display_name AS resolved_by_name, v.role AS resolved_by_role \
             FROM safety_alerts a JOIN users r ON r.id = a.raised_by \
             LEFT JOIN users k ON k.id = a.acknowledged_by \
             LEFT JOIN users v ON v.id = a.resolved_by ",
            $where
        )
    };
}

pub(crate) const INSERT_ALERT: &str = "INSERT INTO safety_alerts (id, raised_by, conversation_id, note, created_at, last_raised_at) VALUES ($1, $2, $3, $4, $5, $5)";

pub(crate) const ALERT_BY_ID: &str = select_alerts!("WHERE a.id = $1");

/// Unresolved first, then newest first.
pub(crate) const ALL_ALERTS: &str =
    select_alerts!("ORDER BY (a.resolved_at IS NOT NULL), a.created_at DESC, a.id LIMIT $1");

pub(crate) const UNRESOLVED_ALERTS: &str =
    select_alerts!("WHERE a.resolved_at IS NULL ORDER BY a.created_at DESC, a.id LIMIT $1");

pub(crate) const RESOLVED_ALERTS: &str =
    select_alerts!("WHERE a.resolved_at IS NOT NULL ORDER BY a.resolved_at DESC, a.id LIMIT $1");

pub(crate) const ALERTS_RAISED_BY: &str =
    select_alerts!("WHERE a.raised_by = $1 ORDER BY a.created_at DESC, a.id LIMIT $2");

pub(crate) const ACKNOWLEDGE_ALERT: &str = "UPDATE safety_alerts SET acknowledged_at = $1, acknowledged_by = $2 WHERE id = $3 AND acknowledged_at IS NULL AND resolved_at IS NULL";

/// Resolving acknowledges too, if nobody had.
pub(crate) const RESOLVE_ALERT: &str = "UPDATE safety_alerts SET resolved_at = $1, resolved_by = $2, resolution = $3, acknowledged_at = COALESCE(acknowledged_at, $1), acknowledged_by = COALESCE(acknowledged_by, $2) WHERE id = $4 AND resolved_at IS NULL";

pub(crate) const UNRESOLVED_ALERT_ON: &str = "SELECT EXISTS (SELECT 1 FROM safety_alerts WHERE conversation_id = $1 AND resolved_at IS NULL)";
