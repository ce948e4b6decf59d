-- When a request still pending after HELPLINE_ESCALATE_AFTER_SECS was
-- escalated to support (once: the sweep's conditional update sets it).
ALTER TABLE help_requests ADD COLUMN escalated_at INTEGER;
CREATE INDEX help_requests_escalation_due ON help_requests (created_at) WHERE status = 'pending' AND escalated_at IS NULL;
