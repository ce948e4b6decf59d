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

/// The seeker's side of the ranking (`$1`); defaults when they have no settings.
pub(crate) const SEEKER_FACTS: &str = "SELECT u.languages, COALESCE(s.prefer_familiar, 1) AS prefer_familiar \
     FROM users u LEFT JOIN user_settings s ON s.user_id = u.id WHERE u.id = $1";

/// What the ranking knows of each volunteer among `$2` that seeker `$1`
/// may be offered to (no block either way; below the cap `$3`, 0 for
/// none): whether `$1` rated them 4 or 5, their languages, and when they
/// last accepted a request. `$in_list` says whether `u.id` is in `$2`.
/// The seeker's well-rated volunteers are one uncorrelated subquery (read
/// once, not once per candidate: a seeker may have made hundreds of
/// requests), and each last acceptance one seek in
/// `help_requests_volunteer_accepted`.
macro_rules! candidate_facts {
    ($in_list:literal) => {
        concat!(
            "SELECT u.id, u.languages, \
             CAST(CASE WHEN u.id IN (SELECT r.volunteer_id FROM help_requests r WHERE r.senior_id = $1 \
               AND r.rating >= 4) THEN 1 ELSE 0 END AS BIGINT) AS rated_well, \
             (SELECT MAX(r.accepted_at) FROM help_requests r WHERE r.volunteer_id = u.id \
               AND r.accepted_at IS NOT NULL) AS last_helped_at \
             FROM users u WHERE ",
            $in_list,
            " AND u.role = 'volunteer' \
             AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = u.id AND b.blocked_id = $1) \
               OR (b.blocker_id = $1 AND b.blocked_id = u.id)) \
             AND ($3 = 0 OR COALESCE((SELECT l.active_chats FROM volunteer_load l \
               WHERE l.volunteer_id = u.id), 0) < $3)"
        )
    };
}

/// [`candidate_facts!`] on SQLite (`$2` a JSON array).
pub(crate) const CANDIDATE_FACTS_SQLITE: &str =
    candidate_facts!("u.id IN (SELECT value FROM json_each($2))");

/// [`candidate_facts!`] on PostgreSQL (`$2` a text array).
pub(crate) const CANDIDATE_FACTS_POSTGRES: &str = candidate_facts!("u.id = ANY ($2::TEXT[])");

/// Volunteers with at least `$2` emotional requests accepted since `$1`
/// (`help_requests_accepted` finds the day's acceptances).
pub(crate) const VOLUNTEERS_RESTING: &str = "SELECT volunteer_id FROM help_requests \
     WHERE accepted_at >= $1 AND topic = 'emotional' AND volunteer_id IS NOT NULL \
     GROUP BY volunteer_id HAVING COUNT(*) >= $2";

/// `$1`'s requests accepted since `$2`: count, emotional count, and time
/// from acceptance to completion (or `$3`).
pub(crate) const WEEK_OF: &str = "SELECT CAST(COUNT(*) AS BIGINT) AS sessions, \
     CAST(COALESCE(SUM(CASE WHEN topic = 'emotional' THEN 1 ELSE 0 END), 0) AS BIGINT) AS emotional, \
     CAST(COALESCE(SUM(COALESCE(completed_at, $3) - accepted_at), 0) AS BIGINT) AS busy_ms \
     FROM help_requests WHERE volunteer_id = $1 AND accepted_at >= $2";
