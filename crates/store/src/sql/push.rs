//! Statements of `push` that read the same on SQLite and PostgreSQL.

pub(crate) const COUNT_OTHER_SUBSCRIPTIONS: &str =
    "SELECT COUNT(*) FROM push_subscriptions WHERE user_id = $1 AND endpoint <> $2";

/// Pushes queued for a device that now belongs to someone else.
pub(crate) const DROP_QUEUED_FOR_OTHERS: &str =
    "DELETE FROM push_outbox WHERE endpoint = $1 AND user_id <> $2";

pub(crate) const UPSERT_SUBSCRIPTION: &str = "INSERT INTO push_subscriptions (endpoint, user_id, p256dh, auth, renew_hash, expiration_time, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth, renew_hash = excluded.renew_hash, expiration_time = excluded.expiration_time, updated_at = excluded.updated_at RETURNING endpoint, expiration_time, created_at";

pub(crate) const SUBSCRIPTIONS_OF: &str = "SELECT endpoint, expiration_time, created_at FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at, endpoint";

pub(crate) const DELETE_OWN_SUBSCRIPTION: &str =
    "DELETE FROM push_subscriptions WHERE endpoint = $1 AND user_id = $2";

pub(crate) const DELETE_SUBSCRIPTION: &str = "DELETE FROM push_subscriptions WHERE endpoint = $1";

pub(crate) const OWNER_OF_SUBSCRIPTION: &str =
    "SELECT user_id FROM push_subscriptions WHERE endpoint = $1 AND renew_hash = $2";

pub(crate) const MAY_RENEW: &str =
    "SELECT EXISTS (SELECT 1 FROM push_subscriptions WHERE endpoint = $1 AND renew_hash = $2)";

/// The new endpoint's own row, if the browser registered it too for the
/// same person: the renewed row takes its place.
pub(crate) const DELETE_OTHER_SUBSCRIPTION: &str =
    "DELETE FROM push_subscriptions WHERE endpoint = $1 AND endpoint <> $2 AND user_id = $3";

/// Whether someone else holds the endpoint a renewal asks for.
pub(crate) const HELD_BY_OTHER: &str =
    "SELECT EXISTS (SELECT 1 FROM push_subscriptions WHERE endpoint = $1 AND user_id <> $2)";

/// Queued pushes follow the endpoint (`ON UPDATE CASCADE`).
pub(crate) const RENEW_SUBSCRIPTION: &str = "UPDATE push_subscriptions SET endpoint = $1, p256dh = $2, auth = $3, renew_hash = $4, expiration_time = $5, updated_at = $6 WHERE endpoint = $7 RETURNING user_id, endpoint, expiration_time, created_at";

pub(crate) const USER_SETTINGS: &str = "SELECT quiet_from, quiet_to, quiet_tz, push_show_names, prefer_familiar FROM user_settings WHERE user_id = $1";

pub(crate) const UPSERT_USER_SETTINGS: &str = "INSERT INTO user_settings (user_id, quiet_from, quiet_to, quiet_tz, push_show_names, prefer_familiar) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id) DO UPDATE SET quiet_from = excluded.quiet_from, quiet_to = excluded.quiet_to, quiet_tz = excluded.quiet_tz, push_show_names = excluded.push_show_names, prefer_familiar = excluded.prefer_familiar";

pub(crate) const SET_AVAILABILITY: &str = "UPDATE users SET availability = $1 WHERE id = $2";

/// Driven by the subscriptions (few), not by the volunteers (many): with
/// nobody subscribed it reads nothing.
pub(crate) const ON_CALL_VOLUNTEERS: &str = "SELECT u.id, s.quiet_from, s.quiet_to, s.quiet_tz, COALESCE(s.push_show_names, 0) AS push_show_names, COALESCE(s.prefer_familiar, 1) AS prefer_familiar FROM users u LEFT JOIN user_settings s ON s.user_id = u.id WHERE (CAST($1 AS TEXT) IS NULL OR u.id = $1) AND u.id IN (SELECT p.user_id FROM push_subscriptions p) AND u.role = 'volunteer' AND u.availability = 'available' AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = u.id AND b.blocked_id = $2) OR (b.blocker_id = $2 AND b.blocked_id = u.id)) ORDER BY u.id";

/// One row per device of the user, due at `$6`; with `$8`, only while
/// that request is pending.
pub(crate) const QUEUE_PUSH: &str = "INSERT INTO push_outbox (endpoint, user_id, kind, payload, urgency, topic, expires_at, due_at) SELECT endpoint, user_id, CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS TEXT), CAST($4 AS TEXT), CAST($5 AS BIGINT), CAST($6 AS BIGINT) FROM push_subscriptions WHERE user_id = $7 AND (CAST($8 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM help_requests r WHERE r.id = $8 AND r.status = 'pending'))";

pub(crate) const HAS_DEVICE: &str =
    "SELECT EXISTS (SELECT 1 FROM push_subscriptions WHERE user_id = $1)";

/// Takes the user's message slot: a row only when none was taken since
/// `$3` (inserted, or updated past the gap).
pub(crate) const TAKE_THROTTLE_SLOT: &str = "INSERT INTO push_throttle (user_id, last_at) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET last_at = excluded.last_at WHERE push_throttle.last_at <= $3 RETURNING user_id";

/// Takes the next slot (`$1` ms after the last) when the last one has
/// begun, returning its start; nothing when the next is taken already.
pub(crate) const RESERVE_NEXT_SLOT: &str = "UPDATE push_throttle SET last_at = last_at + $1 WHERE user_id = $2 AND last_at <= $3 RETURNING last_at";

pub(crate) const SLOT_OF: &str = "SELECT last_at FROM push_throttle WHERE user_id = $1";

pub(crate) const HAS_DUE_PUSHES: &str = "SELECT EXISTS (SELECT 1 FROM push_outbox WHERE due_at <= $1 AND (lease_until IS NULL OR lease_until <= $1))";

/// The pushes a claim took, with their devices' keys.
pub(crate) const CLAIMED_PUSHES: &str = "SELECT o.id, o.endpoint, o.user_id, o.kind, o.payload, o.urgency, o.topic, o.expires_at, o.attempts, s.p256dh, s.auth FROM push_outbox o JOIN push_subscriptions s ON s.endpoint = o.endpoint WHERE o.claim = $1 ORDER BY o.due_at, o.id";

pub(crate) const PUSH_DONE: &str = "DELETE FROM push_outbox WHERE id = $1";

pub(crate) const PUSH_LATER: &str =
    "UPDATE push_outbox SET due_at = $1, lease_until = NULL, claim = NULL WHERE id = $2";

pub(crate) const MARK_PUSHED: &str =
    "INSERT INTO push_marks (subject, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";

pub(crate) const FLAG_REQUEST_PUSHED: &str = "UPDATE help_requests SET pushed = 1 WHERE id = $1";

pub(crate) const TAKE_PUSHED: &str = "DELETE FROM push_marks WHERE subject = $1 RETURNING user_id";

pub(crate) const ANY_MARKS: &str = "SELECT EXISTS (SELECT 1 FROM push_marks WHERE subject = $1)";

pub(crate) const TAKE_PUSHED_ONE: &str =
    "DELETE FROM push_marks WHERE subject = $1 AND user_id = $2 RETURNING user_id";

/// A taken-back push not sent yet: queued, or put back for a retry.
pub(crate) const DROP_UNSENT: &str =
    "DELETE FROM push_outbox WHERE kind = $1 AND topic = $2 AND user_id = $3 AND claim IS NULL";

/// Claims due rows under a lease; `{lock}` is empty on SQLite (one writer)
/// and `FOR UPDATE SKIP LOCKED` on PostgreSQL, so racing claimers take
/// different rows instead of waiting for each other.
macro_rules! claim_pushes {
    ($lock:literal) => {
        concat!(
            "UPDATE push_outbox SET lease_until = $1, claim = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM push_outbox WHERE due_at <= $3 \
             AND (lease_until IS NULL OR lease_until <= $3) ORDER BY due_at, id LIMIT $4 ",
            $lock,
            ") AND (lease_until IS NULL OR lease_until <= $3)"
        )
    };
}
pub(crate) use claim_pushes;
