-- Disappearing messages: a per-conversation timer (NULL off, 0 view once),
-- and on each message its deadline or its view-once flag.
ALTER TABLE conversations ADD COLUMN auto_delete_secs INTEGER;
ALTER TABLE messages ADD COLUMN expires_at INTEGER;
ALTER TABLE messages ADD COLUMN view_once INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_due ON messages (expires_at) WHERE deleted_at IS NULL AND expires_at IS NOT NULL;
CREATE INDEX messages_view_once ON messages (conversation_id, seq) WHERE deleted_at IS NULL AND view_once = 1;
