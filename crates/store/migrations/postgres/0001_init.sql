-- Helpline schema, PostgreSQL. Times are milliseconds since the Unix epoch.
-- Every integer is BIGINT (read as i64). Ids and display names use the "C"
-- collation so ORDER BY compares bytes, as SQLite does, whatever the
-- database's default locale is.
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE users (
  id TEXT COLLATE "C" PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  display_name TEXT COLLATE "C" NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('seeker', 'volunteer', 'support')),
  languages TEXT NOT NULL DEFAULT '[]',
  created_at BIGINT NOT NULL
);
CREATE INDEX users_role ON users (role, display_name);

CREATE TABLE help_requests (
  id TEXT COLLATE "C" PRIMARY KEY,
  senior_id TEXT NOT NULL REFERENCES users (id),
  target_volunteer_id TEXT REFERENCES users (id),
  volunteer_id TEXT REFERENCES users (id),
  conversation_id TEXT,
  request_type TEXT NOT NULL,
  topic TEXT,
  note TEXT,
  status TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  accepted_at BIGINT,
  completed_at BIGINT,
  rating BIGINT,
  feedback TEXT
);
-- At most one pending request per seeker, decided by the database.
CREATE UNIQUE INDEX help_requests_one_pending ON help_requests (senior_id) WHERE status = 'pending';
CREATE INDEX help_requests_due ON help_requests (expires_at) WHERE status = 'pending';
CREATE INDEX help_requests_senior ON help_requests (senior_id, created_at);
CREATE INDEX help_requests_volunteer ON help_requests (volunteer_id, created_at);
CREATE INDEX help_requests_target ON help_requests (target_volunteer_id, created_at);

CREATE TABLE request_offers (
  request_id TEXT NOT NULL REFERENCES help_requests (id),
  volunteer_id TEXT NOT NULL REFERENCES users (id),
  declined BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (request_id, volunteer_id)
);

CREATE TABLE conversations (
  id TEXT COLLATE "C" PRIMARY KEY,
  request_id TEXT UNIQUE REFERENCES help_requests (id),
  status TEXT NOT NULL DEFAULT 'active',
  last_seq BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  last_activity_at BIGINT NOT NULL,
  ended_at BIGINT,
  ended_by TEXT
);

CREATE TABLE conversation_participants (
  conversation_id TEXT NOT NULL REFERENCES conversations (id),
  user_id TEXT COLLATE "C" NOT NULL REFERENCES users (id),
  last_read_seq BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX participants_user ON conversation_participants (user_id);

CREATE TABLE messages (
  id TEXT COLLATE "C" PRIMARY KEY,
  conversation_id TEXT NOT NULL REFERENCES conversations (id),
  seq BIGINT NOT NULL,
  sender_id TEXT NOT NULL REFERENCES users (id),
  content TEXT NOT NULL,
  type TEXT NOT NULL,
  client_message_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (conversation_id, seq),
  UNIQUE (conversation_id, sender_id, client_message_id)
);
