-- Delivery receipts and per-person archiving.
ALTER TABLE conversation_participants ADD COLUMN last_delivered_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversation_participants ADD COLUMN archived_at INTEGER;
