-- Batched dispatch (decision 0032): when a pending request's next batch of
-- volunteers is due (NULL once every eligible volunteer may have it, and
-- always under ring_all), swept once like expiry; and whether a seeker's
-- companions rated 4 or 5 go first.
ALTER TABLE help_requests ADD COLUMN widen_at INTEGER;
CREATE INDEX help_requests_widen_due ON help_requests (widen_at) WHERE status = 'pending' AND widen_at IS NOT NULL;
ALTER TABLE user_settings ADD COLUMN prefer_familiar INTEGER NOT NULL DEFAULT 1;
