-- Caregivers (issue: caregivers, with consent). A seeker invites a family
-- member or carer with a one-time code (only its SHA-256 is kept); the
-- caregiver redeems it, which links the two until the seeker removes the
-- link; each look the caregiver takes is recorded for the seeker to see.
--
-- users.role gains 'caregiver': SQLite cannot change a CHECK constraint in
-- place, so users is rebuilt (with foreign keys off around this migration,
-- and checked before it commits).
CREATE TABLE users_new (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('seeker', 'volunteer', 'support', 'caregiver')),
  languages TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  availability TEXT NOT NULL DEFAULT 'available'
    CHECK (availability IN ('available', 'away'))
);
INSERT INTO users_new (id, username, password_hash, display_name, role, languages, created_at, availability)
  SELECT id, username, password_hash, display_name, role, languages, created_at, availability FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_role ON users (role, display_name);

CREATE TABLE caregiver_invitations (
  id TEXT PRIMARY KEY,
  code_hash TEXT NOT NULL UNIQUE,
  seeker_id TEXT NOT NULL REFERENCES users (id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  redeemed_at INTEGER,
  redeemed_by TEXT REFERENCES users (id)
);
CREATE INDEX caregiver_invitations_seeker ON caregiver_invitations (seeker_id, created_at);

CREATE TABLE caregiver_links (
  seeker_id TEXT NOT NULL REFERENCES users (id),
  caregiver_id TEXT NOT NULL REFERENCES users (id),
  created_at INTEGER NOT NULL,
  show_volunteer_names INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (seeker_id, caregiver_id)
);
CREATE INDEX caregiver_links_caregiver ON caregiver_links (caregiver_id);

CREATE TABLE caregiver_views (
  seeker_id TEXT NOT NULL REFERENCES users (id),
  caregiver_id TEXT NOT NULL REFERENCES users (id),
  viewed_at INTEGER NOT NULL
);
CREATE INDEX caregiver_views_pair ON caregiver_views (seeker_id, caregiver_id, viewed_at);
