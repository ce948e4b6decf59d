//! Statements of `checkins` that read the same on SQLite and PostgreSQL.

/// A check-in with its people's names; `WHERE` follows.
macro_rules! select_checkins {
    ($where:literal) => {
        concat!(
            "SELECT c.*, s.display_name AS seeker_name, v.display_name AS volunteer_name \
             FROM checkins c JOIN users s ON s.id = c.seeker_id \
             JOIN users v ON v.id = c.volunteer_id ",
            $where
        )
    };
}

pub(crate) const INSERT_CHECKIN: &str = "INSERT INTO checkins (id, seeker_id, volunteer_id, proposed_by, weekday, time_minutes, time_zone, kind, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'proposed', $9)";

pub(crate) const CHECKIN_BY_ID: &str = select_checkins!("WHERE c.id = $1");

pub(crate) const CHECKINS_OF: &str = select_checkins!(
    "WHERE (c.seeker_id = $1 OR c.volunteer_id = $1) AND c.status <> 'cancelled' \
     ORDER BY (c.next_at IS NULL), c.next_at, c.created_at, c.id"
);

/// Active check-ins with a step outstanding: their next time is at or
/// before `$1` and they are not yet reminded or announced for it, or it is
/// at or before `$2` (due to be settled). Done steps leave the set, so a
/// busy time slot never keeps others waiting behind it.
pub(crate) const CHECKINS_DUE: &str = select_checkins!(
    "WHERE c.status = 'active' AND c.next_at <= $1 \
       AND (c.reminded_for IS NULL OR c.reminded_for <> c.next_at \
            OR c.announced_for IS NULL OR c.announced_for <> c.next_at OR c.next_at <= $2) \
     ORDER BY c.next_at, c.id LIMIT $3"
);

pub(crate) const MARK_REMINDED: &str = "UPDATE checkins SET reminded_for = $1 WHERE id = $2 AND status = 'active' AND next_at = $1 AND (reminded_for IS NULL OR reminded_for <> $1)";

pub(crate) const MARK_ANNOUNCED: &str = "UPDATE checkins SET announced_for = $1 WHERE id = $2 AND status = 'active' AND next_at = $1 AND (announced_for IS NULL OR announced_for <> $1)";

/// Moves an active check-in from the occurrence at `$3` to `$1`.
pub(crate) const SETTLE_CHECKIN: &str = "UPDATE checkins SET next_at = $1, last_outcome = $2, last_at = $3, \
       missed_in_a_row = CASE WHEN $2 = 'missed' THEN missed_in_a_row + 1 ELSE 0 END \
     WHERE id = $4 AND status = 'active' AND next_at = $3";

pub(crate) const INSERT_OCCURRENCE: &str = "INSERT INTO checkin_occurrences (checkin_id, at, outcome) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

pub(crate) const RESET_MISSES: &str = "UPDATE checkins SET missed_in_a_row = 0 WHERE id = $1";

pub(crate) const HAVE_TALKED: &str = "SELECT EXISTS (SELECT 1 FROM conversation_participants a \
     JOIN conversation_participants b ON b.conversation_id = a.conversation_id \
     WHERE a.user_id = $1 AND b.user_id = $2)";

/// Moves a check-in whose status is one of `$4`–`$6` (see [`from_three`]).
pub(crate) const MOVE_CHECKIN: &str =
    "UPDATE checkins SET status = $1, next_at = $2 WHERE id = $3 AND status IN ($4, $5, $6)";

/// Up to three statuses a move may start from, as [`MOVE_CHECKIN`]'s last
/// three parameters (repeating the last to fill them).
pub(crate) fn from_three(from: &[helpline_core::checkins::CheckinStatus]) -> [&'static str; 3] {
    let at = |i: usize| from.get(i).or(from.last()).map_or("", |s| s.as_str());
    [at(0), at(1), at(2)]
}
