//! Statements of `welfare` that read the same on SQLite and PostgreSQL.

/// A check with its people's names; `WHERE` follows.
macro_rules! select_welfare {
    ($where:literal) => {
        concat!(
            "SELECT w.*, s.display_name AS seeker_name, s.role AS seeker_role, \
             v.display_name AS volunteer_name, v.role AS volunteer_role, \
             r.display_name AS resolved_by_name, r.role AS resolved_by_role \
             FROM welfare_checks w JOIN users s ON s.id = w.seeker_id \
             JOIN users v ON v.id = w.volunteer_id \
             LEFT JOIN users r ON r.id = w.resolved_by ",
            $where
        )
    };
}

pub(crate) const INSERT_WELFARE: &str = "INSERT INTO welfare_checks (id, cause, seeker_id, volunteer_id, conversation_id, since, due_at, raised_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

pub(crate) const WELFARE_BY_ID: &str = select_welfare!("WHERE w.id = $1");

pub(crate) const ALL_WELFARE: &str = select_welfare!(
    "WHERE w.raised_at IS NOT NULL ORDER BY (w.resolved_at IS NOT NULL), w.raised_at DESC, w.id LIMIT $1"
);

pub(crate) const OPEN_WELFARE: &str = select_welfare!(
    "WHERE w.raised_at IS NOT NULL AND w.resolved_at IS NULL ORDER BY w.raised_at DESC, w.id LIMIT $1"
);

pub(crate) const RESOLVED_WELFARE: &str =
    select_welfare!("WHERE w.resolved_at IS NOT NULL ORDER BY w.resolved_at DESC, w.id LIMIT $1");

pub(crate) const OPEN_WELFARE_FOR: &str = select_welfare!(
    "WHERE w.seeker_id = $1 AND w.raised_at IS NOT NULL AND w.resolved_at IS NULL \
     ORDER BY w.raised_at DESC, w.id LIMIT $2"
);

pub(crate) const CLEAR_WELFARE: &str = "UPDATE welfare_checks SET cleared_at = $1 WHERE id = $2 AND raised_at IS NULL AND cleared_at IS NULL";

pub(crate) const RAISE_WELFARE: &str = "UPDATE welfare_checks SET raised_at = $1 WHERE id = $2 AND raised_at IS NULL AND cleared_at IS NULL";

pub(crate) const RESOLVE_WELFARE: &str = "UPDATE welfare_checks SET resolved_at = $1, resolved_by = $2, resolution = $3 WHERE id = $4 AND raised_at IS NOT NULL AND resolved_at IS NULL";

/// A message from either in a conversation of both, or a call between
/// them answered, in (`$3`, `$4`].
pub(crate) const IN_TOUCH: &str = "SELECT EXISTS ( \
       SELECT 1 FROM conversation_participants a \
       JOIN conversation_participants b ON b.conversation_id = a.conversation_id \
       JOIN messages m ON m.conversation_id = a.conversation_id \
       WHERE a.user_id = $1 AND b.user_id = $2 AND m.type <> 'system' \
         AND m.sender_id IN ($1, $2) AND m.created_at > $3 AND m.created_at <= $4) \
     OR EXISTS ( \
       SELECT 1 FROM calls c WHERE ((c.caller_id = $1 AND c.callee_id = $2) \
         OR (c.caller_id = $2 AND c.callee_id = $1)) \
         AND c.answered_at > $3 AND c.answered_at <= $4)";
