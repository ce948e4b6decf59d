//! Statements of `support` that read the same on SQLite and PostgreSQL.

pub(crate) const PENDING_REQUESTS: &str = "SELECT r.*, u.display_name AS seeker_display_name FROM help_requests r JOIN users u ON u.id = r.senior_id WHERE r.status = 'pending' AND r.expires_at > $1 ORDER BY r.created_at, r.id";

pub(crate) const ACTIVE_SESSIONS: &str = "SELECT c.id AS conversation_id, r.id AS request_id, r.senior_id, s.display_name AS seeker_name, r.volunteer_id, v.display_name AS volunteer_name, c.created_at FROM conversations c JOIN help_requests r ON r.id = c.request_id JOIN users s ON s.id = r.senior_id JOIN users v ON v.id = r.volunteer_id WHERE c.status = 'active' ORDER BY c.created_at, c.id";
