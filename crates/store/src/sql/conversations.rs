//! Statements of `conversations` that read the same on SQLite and PostgreSQL.

pub(crate) const SELECT_CONVERSATIONS_BY_ID: &str = "SELECT * FROM conversations WHERE id = $1";

pub(crate) const PARTICIPANT_IDS: &str =
    "SELECT user_id FROM conversation_participants WHERE conversation_id = $1 ORDER BY user_id";

pub(crate) const ACTIVE_CONVERSATIONS_OF: &str = "SELECT c.id FROM conversations c JOIN conversation_participants p ON p.conversation_id = c.id WHERE p.user_id = $1 AND c.status = 'active'";

pub(crate) const CONVERSATION_SUMMARIES_OF: &str = "SELECT c.*, p.last_read_seq AS my_read_seq, p.archived_at AS my_archived_at, (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id AND m.seq > p.last_read_seq AND m.sender_id <> p.user_id AND m.deleted_at IS NULL AND m.type <> 'system') AS unread_count FROM conversation_participants p JOIN conversations c ON c.id = p.conversation_id WHERE p.user_id = $1 ORDER BY c.last_activity_at DESC, c.id DESC";

pub(crate) const SUMMARY_PARTICIPANTS: &str = "SELECT u.id, u.display_name, u.role, p.last_read_seq, p.last_delivered_seq FROM conversation_participants p JOIN users u ON u.id = p.user_id WHERE p.conversation_id = $1 ORDER BY u.id";

pub(crate) const ACTIVE_DIRECT_CONVERSATION: &str =
    "SELECT * FROM conversations WHERE direct_key = $1 AND status = 'active' AND kind = 'direct'";

pub(crate) const INSERT_CONVERSATION_PARTICIPANTS: &str =
    "INSERT INTO conversation_participants (conversation_id, user_id) VALUES ($1, $2)";

pub(crate) const END_CONVERSATION: &str = "UPDATE conversations SET status = 'ended', ended_at = $1, ended_by = $2, last_activity_at = $1, last_seq = last_seq + 1 WHERE id = $3 AND status = 'active' RETURNING *";

pub(crate) const COMPLETE_REQUEST: &str = "UPDATE help_requests SET status = 'completed', completed_at = $1 WHERE id = $2 AND status = 'accepted'";
