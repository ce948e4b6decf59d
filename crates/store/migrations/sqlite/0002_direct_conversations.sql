-- Direct conversations: started by a participant rather than opened by a
-- request. At most one active direct conversation per pair of people,
-- decided by a unique index on the sorted pair.
ALTER TABLE conversations ADD COLUMN kind TEXT NOT NULL DEFAULT 'request';
ALTER TABLE conversations ADD COLUMN direct_key TEXT;
CREATE UNIQUE INDEX conversations_one_active_direct ON conversations (direct_key) WHERE status = 'active' AND kind = 'direct';
