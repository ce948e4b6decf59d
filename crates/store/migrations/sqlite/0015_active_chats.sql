-- Active chats from requests, counted per volunteer for the chat cap
-- (HELPLINE_MAX_ACTIVE_CHATS): when offering a request and in the claim.
CREATE INDEX help_requests_active_by_volunteer ON help_requests (volunteer_id) WHERE status = 'accepted';
