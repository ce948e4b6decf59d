-- Welfare checks and check-ins (issue 24). A dropped call is watched
-- (due_at) and swept once: cleared if the two were back in touch, else
-- raised to support; missed check-ins are raised at once. A check-in's
-- next time is stored (computed on its wall clock in its zone) and each
-- step of an occurrence (reminded, announced, settled) is a conditional
-- update on that time, so it happens once across nodes.
CREATE TABLE welfare_checks (
  id TEXT COLLATE "C" PRIMARY KEY,
  cause TEXT NOT NULL,
  seeker_id TEXT NOT NULL REFERENCES users (id),
  volunteer_id TEXT NOT NULL REFERENCES users (id),
  conversation_id TEXT REFERENCES conversations (id),
  since BIGINT NOT NULL,
  due_at BIGINT,
  raised_at BIGINT,
  cleared_at BIGINT,
  resolved_at BIGINT,
  resolved_by TEXT REFERENCES users (id),
  resolution TEXT
);
CREATE INDEX welfare_due ON welfare_checks (due_at) WHERE raised_at IS NULL AND cleared_at IS NULL;
CREATE INDEX welfare_raised ON welfare_checks (raised_at) WHERE raised_at IS NOT NULL;
CREATE INDEX welfare_seeker ON welfare_checks (seeker_id);
CREATE TABLE checkins (
  id TEXT COLLATE "C" PRIMARY KEY,
  seeker_id TEXT NOT NULL REFERENCES users (id),
  volunteer_id TEXT NOT NULL REFERENCES users (id),
  proposed_by TEXT NOT NULL REFERENCES users (id),
  weekday TEXT NOT NULL,
  time_minutes BIGINT NOT NULL,
  time_zone TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  next_at BIGINT,
  reminded_for BIGINT,
  announced_for BIGINT,
  missed_in_a_row BIGINT NOT NULL DEFAULT 0,
  last_outcome TEXT,
  last_at BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX checkins_seeker ON checkins (seeker_id);
CREATE INDEX checkins_volunteer ON checkins (volunteer_id);
CREATE INDEX checkins_next ON checkins (next_at) WHERE status = 'active';
CREATE TABLE checkin_occurrences (
  checkin_id TEXT NOT NULL REFERENCES checkins (id),
  at BIGINT NOT NULL,
  outcome TEXT NOT NULL,
  PRIMARY KEY (checkin_id, at)
);
