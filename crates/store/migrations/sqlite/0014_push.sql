-- Web Push: each user's devices (subscriptions), their notification
-- settings, the outbox the push worker drains, the once-a-minute message
-- throttle, and who was pushed about a request or call (so the notice can
-- be taken back when it closes). A volunteer's availability is kept here
-- too, so an available volunteer stays on call while the app is closed.
ALTER TABLE users ADD COLUMN availability TEXT NOT NULL DEFAULT 'available'
  CHECK (availability IN ('available', 'away'));

-- Whether anyone was pushed about a request: closing one nobody was
-- pushed about (nearly all) skips taking notices back.
ALTER TABLE help_requests ADD COLUMN pushed INTEGER NOT NULL DEFAULT 0;

CREATE TABLE user_settings (
  user_id TEXT PRIMARY KEY REFERENCES users (id),
  quiet_from TEXT,
  quiet_to TEXT,
  quiet_tz TEXT,
  push_show_names INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE push_subscriptions (
  endpoint TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id),
  p256dh TEXT NOT NULL,
  auth TEXT NOT NULL,
  -- SHA-256 of the secret that lets the service worker renew it.
  renew_hash TEXT NOT NULL,
  expiration_time INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

CREATE TABLE push_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  endpoint TEXT NOT NULL REFERENCES push_subscriptions (endpoint) ON DELETE CASCADE ON UPDATE CASCADE,
  user_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  urgency TEXT NOT NULL,
  topic TEXT,
  expires_at INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_until INTEGER,
  claim TEXT
);
CREATE INDEX push_outbox_due ON push_outbox (due_at);
CREATE INDEX push_outbox_endpoint ON push_outbox (endpoint);
CREATE INDEX push_outbox_claim ON push_outbox (claim) WHERE claim IS NOT NULL;
CREATE INDEX push_outbox_topic ON push_outbox (topic) WHERE topic IS NOT NULL;

CREATE TABLE push_throttle (
  user_id TEXT PRIMARY KEY,
  last_at INTEGER NOT NULL
);

CREATE TABLE push_marks (
  subject TEXT NOT NULL,
  user_id TEXT NOT NULL,
  PRIMARY KEY (subject, user_id)
);
