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

pub(crate) const ALERTS_RAISED_BY: &str = select_alerts!(
    "WHERE a.raised_by = $1 AND a.kind = 'person' ORDER BY a.created_at DESC, a.id LIMIT $2"
);

pub(crate) const ACKNOWLEDGE_ALERT: &str = "UPDATE safety_alerts SET acknowledged_at = $1, acknowledged_by = $2 WHERE id = $3 AND acknowledged_at IS NULL AND resolved_at IS NULL";

/// Resolving acknowledges too, if nobody had.
pub(crate) const RESOLVE_ALERT: &str = "UPDATE safety_alerts SET resolved_at = $1, resolved_by = $2, resolution = $3, acknowledged_at = COALESCE(acknowledged_at, $1), acknowledged_by = COALESCE(acknowledged_by, $2) WHERE id = $4 AND resolved_at IS NULL";

pub(crate) const UNRESOLVED_ALERT_ON: &str = "SELECT EXISTS (SELECT 1 FROM safety_alerts WHERE conversation_id = $1 AND resolved_at IS NULL)";

/// Takes the conversation's unresolved scam-guard alert if there is none
/// (the partial unique index `safety_alerts_one_scam_guard` makes racing
/// callers, on any node, end up with one).
pub(crate) const INSERT_SCAM_ALERT: &str = "INSERT INTO safety_alerts (id, raised_by, conversation_id, created_at, last_raised_at, kind) VALUES ($1, $2, $3, $4, $4, 'scam_guard') ON CONFLICT DO NOTHING";

pub(crate) const UNRESOLVED_SCAM_ALERT: &str = "SELECT id FROM safety_alerts WHERE conversation_id = $1 AND kind = 'scam_guard' AND resolved_at IS NULL";

/// A message flagged twice (an edit) is evidence once.
pub(crate) const INSERT_EVIDENCE: &str = "INSERT INTO alert_evidence (alert_id, message_id, sender_id, signs, excerpt, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";

/// An alert's evidence with its senders, oldest first.
pub(crate) const EVIDENCE_OF: &str = "SELECT e.*, u.display_name AS sender_name, u.role AS sender_role \
     FROM alert_evidence e JOIN users u ON u.id = e.sender_id \
     WHERE e.alert_id = $1 ORDER BY e.created_at, e.message_id";
