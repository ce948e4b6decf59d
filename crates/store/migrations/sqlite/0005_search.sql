-- Full-text search over message text (FTS5, external content: the index
-- follows the messages table through triggers, so an edit or a deletion
-- leaves nothing of the old text behind).
CREATE VIRTUAL TABLE messages_fts USING fts5(content, content = 'messages', content_rowid = 'rowid', tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN INSERT INTO messages_fts (rowid, content) VALUES (new.rowid, new.content); END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content); END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content); INSERT INTO messages_fts (rowid, content) VALUES (new.rowid, new.content); END;
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
