-- Delivery receipts and per-person archiving.
ALTER TABLE conversation_participants ADD COLUMN last_delivered_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversation_participants ADD COLUMN archived_at BIGINT;
