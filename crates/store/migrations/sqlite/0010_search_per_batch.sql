-- New messages are added to the search index once per write transaction
-- by the writer (see src/sqlite/writer.rs), not by a trigger per row:
-- FTS5 flushes its index at every statement savepoint, which made every
-- message an index segment of its own. Edits and deletions keep their
-- triggers. search_progress holds the highest messages.rowid indexed.
DROP TRIGGER messages_fts_insert;
CREATE TABLE search_progress (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  indexed_rowid INTEGER NOT NULL
);
INSERT INTO search_progress (id, indexed_rowid) SELECT 1, COALESCE(MAX(rowid), 0) FROM messages;
