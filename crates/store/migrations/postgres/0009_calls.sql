-- Voice and video calls: one row per call, its lifecycle, who answered on
-- which socket, and each side's quality summary (JSON). At most one live
-- (ringing or active) call per conversation; the ring deadline is swept.
CREATE TABLE calls (
  id TEXT COLLATE "C" PRIMARY KEY,
  conversation_id TEXT NOT NULL REFERENCES conversations (id),
  caller_id TEXT COLLATE "C" NOT NULL REFERENCES users (id),
  callee_id TEXT COLLATE "C" NOT NULL REFERENCES users (id),
  media TEXT NOT NULL CHECK (media IN ('voice', 'video')),
  status TEXT NOT NULL CHECK (status IN ('ringing', 'active', 'ended', 'rejected', 'missed', 'cancelled', 'failed')),
  reason TEXT,
  created_at BIGINT NOT NULL,
  rings_until BIGINT NOT NULL,
  caller_device TEXT,
  answered_at BIGINT,
  answered_device TEXT,
  ended_at BIGINT,
  duration_secs BIGINT,
  caller_stats TEXT,
  callee_stats TEXT
);
CREATE UNIQUE INDEX calls_live_per_conversation ON calls (conversation_id) WHERE status IN ('ringing', 'active');
CREATE INDEX calls_ringing_due ON calls (rings_until) WHERE status = 'ringing';
CREATE INDEX calls_live_caller ON calls (caller_id) WHERE status IN ('ringing', 'active');
CREATE INDEX calls_live_callee ON calls (callee_id) WHERE status IN ('ringing', 'active');
CREATE INDEX calls_by_conversation ON calls (conversation_id, created_at);
