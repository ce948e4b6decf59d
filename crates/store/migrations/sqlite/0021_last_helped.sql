-- Batched dispatch ranks volunteers by when each last accepted a request:
-- one seek per candidate instead of a walk over all their requests.
CREATE INDEX help_requests_volunteer_accepted ON help_requests (volunteer_id, accepted_at) WHERE accepted_at IS NOT NULL;
