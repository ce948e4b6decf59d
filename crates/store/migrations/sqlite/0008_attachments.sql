-- Attachments: files uploaded into a conversation, each sent with at most
-- one message (message_id, unique). The bytes live in the attachment
-- storage under server-generated keys; rows whose message was deleted, and
-- uploads never sent, are swept with their files.
CREATE TABLE attachments (
  id TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL REFERENCES conversations (id),
  uploader_id TEXT NOT NULL REFERENCES users (id),
  name TEXT NOT NULL,
  mime TEXT NOT NULL,
  size INTEGER NOT NULL,
  storage_key TEXT NOT NULL,
  thumbnail_key TEXT,
  message_id TEXT UNIQUE REFERENCES messages (id),
  created_at INTEGER NOT NULL,
  -- Set when its message is deleted or expires: the sweep removes it and its files.
  dead_at INTEGER
);
CREATE INDEX attachments_uploader ON attachments (uploader_id);
CREATE INDEX attachments_unsent ON attachments (created_at) WHERE message_id IS NULL;
CREATE INDEX attachments_dead ON attachments (dead_at) WHERE dead_at IS NOT NULL;
