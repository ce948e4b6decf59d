-- Safety alerts (issue 24): raised by a seeker or a volunteer, told to
-- every support agent, raised again while nobody acknowledges them
-- (last_raised_at, swept once), and keeping their conversation from
-- auto-deletion until resolved.
CREATE TABLE safety_alerts (
  id TEXT COLLATE "C" PRIMARY KEY,
  raised_by TEXT NOT NULL REFERENCES users (id),
  conversation_id TEXT REFERENCES conversations (id),
  note TEXT,
  created_at BIGINT NOT NULL,
  last_raised_at BIGINT NOT NULL,
  acknowledged_at BIGINT,
  acknowledged_by TEXT REFERENCES users (id),
  resolved_at BIGINT,
  resolved_by TEXT REFERENCES users (id),
  resolution TEXT
);
CREATE INDEX safety_alerts_unacknowledged ON safety_alerts (last_raised_at) WHERE acknowledged_at IS NULL AND resolved_at IS NULL;
CREATE INDEX safety_alerts_open_conversation ON safety_alerts (conversation_id) WHERE resolved_at IS NULL;
CREATE INDEX safety_alerts_raised_by ON safety_alerts (raised_by, created_at);
CREATE INDEX safety_alerts_created ON safety_alerts (created_at);
