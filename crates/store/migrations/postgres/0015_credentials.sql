-- The topics each volunteer is credentialed for (set by support): with
-- HELPLINE_REQUIRE_CREDENTIALS on, a health or emotional request is offered
-- only to volunteers credentialed for its topic.
CREATE TABLE volunteer_credentials (
  volunteer_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  topic TEXT NOT NULL,
  PRIMARY KEY (volunteer_id, topic)
);
CREATE INDEX volunteer_credentials_topic ON volunteer_credentials (topic);
