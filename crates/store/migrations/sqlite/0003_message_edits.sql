-- Replies, edits, deletion for everyone (a tombstone keeps the seq) and
-- reactions.
ALTER TABLE messages ADD COLUMN reply_to_id TEXT REFERENCES messages (id);
ALTER TABLE messages ADD COLUMN edited_at INTEGER;
ALTER TABLE messages ADD COLUMN deleted_at INTEGER;

CREATE TABLE message_reactions (
  message_id TEXT NOT NULL REFERENCES messages (id),
  user_id TEXT NOT NULL REFERENCES users (id),
  emoji TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (message_id, user_id, emoji)
);
