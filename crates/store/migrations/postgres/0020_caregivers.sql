-- Caregivers (issue: caregivers, with consent). A seeker invites a family
-- member or carer with a one-time code (only its SHA-256 is kept); the
-- caregiver redeems it, which links the two until the seeker removes the
-- link; each look the caregiver takes is recorded for the seeker to see.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('seeker', 'volunteer', 'support', 'caregiver'));

CREATE TABLE caregiver_invitations (
  id TEXT COLLATE "C" PRIMARY KEY,
  code_hash TEXT COLLATE "C" NOT NULL UNIQUE,
  seeker_id TEXT NOT NULL REFERENCES users (id),
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  redeemed_at BIGINT,
  redeemed_by TEXT REFERENCES users (id)
);
CREATE INDEX caregiver_invitations_seeker ON caregiver_invitations (seeker_id, created_at);

CREATE TABLE caregiver_links (
  seeker_id TEXT NOT NULL REFERENCES users (id),
  caregiver_id TEXT NOT NULL REFERENCES users (id),
  created_at BIGINT NOT NULL,
  show_volunteer_names BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (seeker_id, caregiver_id)
);
CREATE INDEX caregiver_links_caregiver ON caregiver_links (caregiver_id);

CREATE TABLE caregiver_views (
  seeker_id TEXT NOT NULL REFERENCES users (id),
  caregiver_id TEXT NOT NULL REFERENCES users (id),
  viewed_at BIGINT NOT NULL
);
CREATE INDEX caregiver_views_pair ON caregiver_views (seeker_id, caregiver_id, viewed_at);
