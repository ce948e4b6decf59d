//! Statements of `caregivers` that read the same on SQLite and PostgreSQL.

pub(crate) const COUNT_PENDING: &str = "SELECT COUNT(*) FROM caregiver_invitations WHERE seeker_id = $1 AND redeemed_at IS NULL AND expires_at > $2";

pub(crate) const INSERT_INVITATION: &str = "INSERT INTO caregiver_invitations (id, code_hash, seeker_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";

pub(crate) const PENDING_INVITATIONS: &str = "SELECT id, created_at, expires_at FROM caregiver_invitations WHERE seeker_id = $1 AND redeemed_at IS NULL AND expires_at > $2 ORDER BY created_at DESC, id DESC";

pub(crate) const CANCEL_INVITATION: &str =
    "DELETE FROM caregiver_invitations WHERE seeker_id = $1 AND id = $2 AND redeemed_at IS NULL";

pub(crate) const INVITATION_BY_HASH: &str =
    "SELECT seeker_id, expires_at, redeemed_at FROM caregiver_invitations WHERE code_hash = $1";

pub(crate) const LINK_EXISTS: &str =
    "SELECT EXISTS (SELECT 1 FROM caregiver_links WHERE seeker_id = $1 AND caregiver_id = $2)";

/// The conditional update that makes a code one-time: of racing
/// redeemers, one changes the row and the others find it redeemed.
pub(crate) const REDEEM: &str = "UPDATE caregiver_invitations SET redeemed_at = $1, redeemed_by = $2 WHERE code_hash = $3 AND redeemed_at IS NULL AND expires_at > $1";

pub(crate) const INSERT_LINK: &str =
    "INSERT INTO caregiver_links (seeker_id, caregiver_id, created_at) VALUES ($1, $2, $3)";

pub(crate) const DISPLAY_NAME: &str = "SELECT display_name FROM users WHERE id = $1";

pub(crate) const CAREGIVERS_OF: &str = "SELECT l.caregiver_id, u.display_name, l.created_at, l.show_volunteer_names, \
     (SELECT COUNT(*) FROM caregiver_views v WHERE v.seeker_id = l.seeker_id AND v.caregiver_id = l.caregiver_id) AS view_count \
     FROM caregiver_links l JOIN users u ON u.id = l.caregiver_id WHERE l.seeker_id = $1 \
     ORDER BY l.created_at, l.caregiver_id";

pub(crate) const VIEWS_OF: &str = "SELECT viewed_at FROM caregiver_views WHERE seeker_id = $1 AND caregiver_id = $2 ORDER BY viewed_at DESC LIMIT $3";

pub(crate) const SET_SHOW_NAMES: &str = "UPDATE caregiver_links SET show_volunteer_names = $1 WHERE seeker_id = $2 AND caregiver_id = $3";

pub(crate) const REMOVE_LINK: &str =
    "DELETE FROM caregiver_links WHERE seeker_id = $1 AND caregiver_id = $2";

/// The seekers linked to a caregiver; PostgreSQL adds a row lock so a
/// removal waits for the view this read records.
macro_rules! links_of_caregiver {
    ($tail:literal) => {
        concat!(
            "SELECT l.seeker_id, u.display_name, l.created_at, l.show_volunteer_names \
             FROM caregiver_links l JOIN users u ON u.id = l.seeker_id WHERE l.caregiver_id = $1 \
             ORDER BY u.display_name, l.seeker_id",
            $tail
        )
    };
}
pub(crate) use links_of_caregiver;

pub(crate) const INSERT_VIEW: &str =
    "INSERT INTO caregiver_views (seeker_id, caregiver_id, viewed_at) VALUES ($1, $2, $3)";

/// The seeker's chats with activity since `$2`, with the other person.
pub(crate) const CHATS_SINCE: &str = "SELECT c.created_at AS at, c.last_activity_at AS until, o.role, o.display_name \
     FROM conversation_participants p JOIN conversations c ON c.id = p.conversation_id \
     JOIN conversation_participants op ON op.conversation_id = c.id AND op.user_id <> p.user_id \
     JOIN users o ON o.id = op.user_id \
     WHERE p.user_id = $1 AND c.last_activity_at >= $2 ORDER BY c.last_activity_at DESC, c.id LIMIT 200";

/// The seeker's calls answered since `$2`, with the other person.
pub(crate) const CALLS_SINCE: &str = "SELECT k.answered_at AS at, k.ended_at AS until, k.duration_secs, o.role, o.display_name \
     FROM conversation_participants p JOIN calls k ON k.conversation_id = p.conversation_id \
     JOIN users o ON o.id = CASE WHEN k.caller_id = p.user_id THEN k.callee_id ELSE k.caller_id END \
     WHERE p.user_id = $1 AND k.answered_at >= $2 ORDER BY k.answered_at DESC, k.id LIMIT 200";

/// The latest chat activity and the latest answered call, ever.
pub(crate) const LAST_CONTACT: &str = "SELECT \
     (SELECT MAX(c.last_activity_at) FROM conversation_participants p JOIN conversations c ON c.id = p.conversation_id WHERE p.user_id = $1) AS chat, \
     (SELECT MAX(COALESCE(k.ended_at, k.answered_at)) FROM conversation_participants p JOIN calls k ON k.conversation_id = p.conversation_id \
      WHERE p.user_id = $1 AND k.answered_at IS NOT NULL) AS call";

/// Unresolved alerts the seeker raised or that name one of their chats.
pub(crate) const OPEN_WELFARE_ABOUT: &str = "SELECT cause, since, raised_at FROM welfare_checks \
     WHERE seeker_id = $1 AND raised_at IS NOT NULL AND resolved_at IS NULL \
     ORDER BY raised_at DESC, id";

pub(crate) const OPEN_ALERTS_ABOUT: &str = "SELECT a.created_at, a.acknowledged_at, r.role, a.kind \
     FROM safety_alerts a JOIN users r ON r.id = a.raised_by \
     WHERE a.resolved_at IS NULL AND (a.raised_by = $1 OR a.conversation_id IN \
       (SELECT conversation_id FROM conversation_participants WHERE user_id = $1)) \
     ORDER BY a.created_at DESC, a.id";
