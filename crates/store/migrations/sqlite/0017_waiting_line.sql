-- The waiting line: what each pending request's seeker was last told of
-- its position and estimated wait (so that, across nodes, a change is told
-- once), the pending requests in the order they are served, and recent
-- acceptances for the mean wait.
ALTER TABLE help_requests ADD COLUMN told_position INTEGER;
ALTER TABLE help_requests ADD COLUMN told_wait_secs INTEGER;
CREATE INDEX help_requests_pending_line ON help_requests (created_at, id) WHERE status = 'pending';
CREATE INDEX help_requests_accepted ON help_requests (accepted_at) WHERE accepted_at IS NOT NULL;
