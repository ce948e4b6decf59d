-- An earlier message under a clientMessageId is found through one integer,
-- dedup_key (src/sqlite/dedup.rs), instead of the unique index on
-- (conversation_id, sender_id, client_message_id): six times smaller, it
-- keeps a batch's messages on shared pages. SQLite cannot drop a table's
-- constraint, so the table is rebuilt (SQLite's twelve steps, foreign keys
-- off around this migration), rowids kept: the search index refers to them.
-- temp.message_dedup_keys holds every message's key, computed before this
-- script runs.
CREATE TABLE messages_rebuilt (
  id TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL REFERENCES conversations (id),
  seq INTEGER NOT NULL,
  sender_id TEXT NOT NULL REFERENCES users (id),
  content TEXT NOT NULL,
  type TEXT NOT NULL,
  client_message_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  reply_to_id TEXT REFERENCES messages (id),
  edited_at INTEGER,
  deleted_at INTEGER,
  expires_at INTEGER,
  view_once INTEGER NOT NULL DEFAULT 0,
  dedup_key INTEGER NOT NULL,
  UNIQUE (conversation_id, seq)
);
INSERT INTO messages_rebuilt (rowid, id, conversation_id, seq, sender_id, content, type, client_message_id, created_at, reply_to_id, edited_at, deleted_at, expires_at, view_once, dedup_key)
  SELECT m.rowid, m.id, m.conversation_id, m.seq, m.sender_id, m.content, m.type, m.client_message_id, m.created_at, m.reply_to_id, m.edited_at, m.deleted_at, m.expires_at, m.view_once, k.dedup_key
  FROM messages m JOIN temp.message_dedup_keys k ON k.message_rowid = m.rowid;
DROP TABLE messages;
ALTER TABLE messages_rebuilt RENAME TO messages;
CREATE INDEX messages_dedup ON messages (dedup_key);
CREATE INDEX messages_due ON messages (expires_at) WHERE deleted_at IS NULL AND expires_at IS NOT NULL;
CREATE INDEX messages_view_once ON messages (conversation_id, seq) WHERE deleted_at IS NULL AND view_once = 1;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content); END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content); INSERT INTO messages_fts (rowid, content) VALUES (new.rowid, new.content); END;
DROP TABLE temp.message_dedup_keys;
