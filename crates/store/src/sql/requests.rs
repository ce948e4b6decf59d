//! Statements of `requests` that read the same on SQLite and PostgreSQL.

pub(crate) const SELECT_HELP_REQUESTS_BY_ID: &str = "SELECT * FROM help_requests WHERE id = $1";

pub(crate) const INSERT_HELP_REQUESTS: &str = "INSERT INTO help_requests (id, senior_id, target_volunteer_id, request_type, topic, note, status, created_at, expires_at, widen_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9) RETURNING *";

pub(crate) const MOVE_PENDING: &str =
    "UPDATE help_requests SET status = $1 WHERE id = $2 AND status = 'pending' RETURNING *";

pub(crate) const INSERT_REQUEST_OFFER_LISTS: &str =
    "INSERT INTO request_offer_lists (request_id, volunteer_ids) VALUES ($1, $2)";

pub(crate) const PENDING_REQUEST_OF: &str =
    "SELECT * FROM help_requests WHERE senior_id = $1 AND status = 'pending'";

pub(crate) const LATEST_REQUEST_OF: &str =
    "SELECT * FROM help_requests WHERE senior_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1";

pub(crate) const REQUESTS_OF_SEEKER: &str =
    "SELECT * FROM help_requests WHERE senior_id = $1 ORDER BY created_at DESC, id DESC";

pub(crate) const REQUESTS_OF_VOLUNTEER: &str = "SELECT * FROM help_requests WHERE volunteer_id = $1 OR target_volunteer_id = $1 ORDER BY created_at DESC, id DESC";

pub(crate) const RECORD_DECLINE: &str = "INSERT INTO request_offers (request_id, volunteer_id, declined) VALUES ($1, $2, 1) ON CONFLICT (request_id, volunteer_id) DO UPDATE SET declined = 1";

/// Pending requests a volunteer may be offered (`$2`) at `$1`; a request
/// still widening in batches only to a volunteer one of its batches
/// reached. `$list_has` says whether the request's opening offer list holds
/// `$2` (its form differs per backend).
macro_rules! offerable_requests {
    ($list_has:literal) => {
        concat!(
            "SELECT r.*, u.display_name AS seeker_display_name FROM help_requests r JOIN users u ON u.id = r.senior_id WHERE r.status = 'pending' AND r.expires_at > $1 AND (r.target_volunteer_id = $2 OR (r.target_volunteer_id IS NULL AND NOT EXISTS ( SELECT 1 FROM request_offers o WHERE o.request_id = r.id AND o.volunteer_id = $2 AND o.declined = 1))) AND (r.widen_at IS NULL OR EXISTS (SELECT 1 FROM request_offers o WHERE o.request_id = r.id AND o.volunteer_id = $2) OR ",
            $list_has,
            ") AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = $2 AND b.blocked_id = r.senior_id) OR (b.blocker_id = r.senior_id AND b.blocked_id = $2)) ORDER BY r.created_at, r.id"
        )
    };
}

/// [`offerable_requests!`] on SQLite.
pub(crate) const OFFERABLE_REQUESTS_SQLITE: &str = offerable_requests!(
    "EXISTS (SELECT 1 FROM request_offer_lists l, json_each(l.volunteer_ids) WHERE l.request_id = r.id AND json_each.value = $2)"
);

/// [`offerable_requests!`] on PostgreSQL.
pub(crate) const OFFERABLE_REQUESTS_POSTGRES: &str = offerable_requests!(
    "EXISTS (SELECT 1 FROM request_offer_lists l WHERE l.request_id = r.id AND $2 = ANY (l.volunteer_ids))"
);

pub(crate) const INSERT_CONVERSATIONS: &str = "INSERT INTO conversations (id, request_id, created_at, last_activity_at, last_seq) VALUES ($1, $2, $3, $3, 1) RETURNING *";

pub(crate) const INSERT_CONVERSATION_PARTICIPANTS: &str =
    "INSERT INTO conversation_participants (conversation_id, user_id) VALUES ($1, $2)";

pub(crate) const SET_FEEDBACK: &str = "UPDATE help_requests SET rating = $1, feedback = $2 WHERE id = $3 AND status = 'completed' AND rating IS NULL RETURNING *";

/// Volunteers with at least `$1` active chats from requests.
pub(crate) const VOLUNTEERS_AT_CAP: &str =
    "SELECT volunteer_id FROM volunteer_load WHERE active_chats >= $1";

/// How many active chats from requests volunteer `$1` has.
pub(crate) const ACTIVE_CHATS_OF: &str =
    "SELECT COALESCE((SELECT active_chats FROM volunteer_load WHERE volunteer_id = $1), 0)";

/// The waiting line at `$1`: unexpired pending requests in the order they
/// are served, with what each seeker was last told.
pub(crate) const WAITING_LINE: &str = "SELECT id, senior_id, target_volunteer_id, told_position, told_wait_secs FROM help_requests WHERE status = 'pending' AND expires_at > $1 ORDER BY created_at, id";

/// The mean wait (made → accepted, ms) of the last `$2` requests accepted
/// at or after `$1`; NULL with none.
pub(crate) const MEAN_RECENT_WAIT: &str = "SELECT CAST(AVG(accepted_at - created_at) AS BIGINT) AS mean_wait FROM (SELECT accepted_at, created_at FROM help_requests WHERE accepted_at IS NOT NULL AND accepted_at >= $1 ORDER BY accepted_at DESC LIMIT $2) recent";

/// Records what a pending request's seeker was told: `$1` position, `$2`
/// estimate, for request `$3`.
pub(crate) const SET_TOLD_STANDING: &str = "UPDATE help_requests SET told_position = $1, told_wait_secs = $2 WHERE id = $3 AND status = 'pending'";

/// Takes the requests whose next batch is due at `$2`, setting the
/// deadline after it to `$1`; `$3` at most.
pub(crate) const WIDEN_DUE: &str = "UPDATE help_requests SET widen_at = $1 WHERE id IN ( \
     SELECT id FROM help_requests WHERE status = 'pending' AND widen_at <= $2 AND expires_at > $2 \
     ORDER BY widen_at LIMIT $3) AND status = 'pending' AND widen_at <= $2 RETURNING *";

pub(crate) const STOP_WIDENING: &str = "UPDATE help_requests SET widen_at = NULL WHERE id = $1";

/// Brings request `$2`'s widening deadline forward to `$1` when everyone
/// it was offered to declined it; `$unanswered` finds an opening offer
/// not declined (its form differs per backend).
macro_rules! widen_when_declined {
    ($unanswered:literal) => {
        concat!(
            "UPDATE help_requests SET widen_at = $1 WHERE id = $2 AND status = 'pending' \
             AND widen_at > $1 \
             AND NOT EXISTS (SELECT 1 FROM request_offers o WHERE o.request_id = $2 AND o.declined = 0) \
             AND NOT EXISTS (",
            $unanswered,
            ")"
        )
    };
}

/// [`widen_when_declined!`] on SQLite.
pub(crate) const WIDEN_WHEN_DECLINED_SQLITE: &str = widen_when_declined!(
    "SELECT 1 FROM request_offer_lists l, json_each(l.volunteer_ids) WHERE l.request_id = $2 \
     AND json_each.value NOT IN (SELECT o.volunteer_id FROM request_offers o \
       WHERE o.request_id = $2 AND o.declined = 1)"
);

/// [`widen_when_declined!`] on PostgreSQL.
pub(crate) const WIDEN_WHEN_DECLINED_POSTGRES: &str = widen_when_declined!(
    "SELECT 1 FROM request_offer_lists l, UNNEST(l.volunteer_ids) AS v (id) WHERE l.request_id = $2 \
     AND v.id NOT IN (SELECT o.volunteer_id FROM request_offers o \
       WHERE o.request_id = $2 AND o.declined = 1)"
);

pub(crate) const STOP_ALL_WIDENING: &str =
    "UPDATE help_requests SET widen_at = NULL WHERE status = 'pending' AND widen_at IS NOT NULL";
