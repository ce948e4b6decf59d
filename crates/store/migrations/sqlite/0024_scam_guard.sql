-- The scam guard (issue 24): a message the guard flagged carries its
-- flags (a bit set: 1 = scam_warning) in history and sync; support gets
-- one alert per conversation while unresolved (kind 'scam_guard', at most
-- one unresolved per conversation), with one evidence row per flagged
-- message.
ALTER TABLE messages ADD COLUMN flags INTEGER NOT NULL DEFAULT 0;
ALTER TABLE safety_alerts ADD COLUMN kind TEXT NOT NULL DEFAULT 'person';
CREATE UNIQUE INDEX safety_alerts_one_scam_guard ON safety_alerts (conversation_id) WHERE kind = 'scam_guard' AND resolved_at IS NULL;
CREATE TABLE alert_evidence (
  alert_id TEXT NOT NULL REFERENCES safety_alerts (id),
  message_id TEXT NOT NULL,
  sender_id TEXT NOT NULL REFERENCES users (id),
  signs TEXT NOT NULL,
  excerpt TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (alert_id, message_id)
);
