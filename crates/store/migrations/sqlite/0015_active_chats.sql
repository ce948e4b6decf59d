-- Each volunteer's active chats from requests (accepted requests), kept by
-- triggers in the transaction that moves a request in or out of
-- `accepted`, for the chat cap (HELPLINE_MAX_ACTIVE_CHATS): who is at the
-- cap is then a read of the few rows at or above it, not a count over
-- every active chat at each request opened.
CREATE TABLE volunteer_load (
  volunteer_id TEXT PRIMARY KEY REFERENCES users (id),
  active_chats INTEGER NOT NULL
);
CREATE INDEX volunteer_load_busy ON volunteer_load (active_chats);
INSERT INTO volunteer_load (volunteer_id, active_chats) SELECT volunteer_id, COUNT(*) FROM help_requests WHERE status = 'accepted' AND volunteer_id IS NOT NULL GROUP BY volunteer_id;
CREATE TRIGGER volunteer_load_accepted AFTER UPDATE OF status ON help_requests WHEN NEW.status = 'accepted' AND OLD.status IS NOT 'accepted' AND NEW.volunteer_id IS NOT NULL BEGIN INSERT INTO volunteer_load (volunteer_id, active_chats) VALUES (NEW.volunteer_id, 1) ON CONFLICT (volunteer_id) DO UPDATE SET active_chats = active_chats + 1; END;
CREATE TRIGGER volunteer_load_ended AFTER UPDATE OF status ON help_requests WHEN OLD.status = 'accepted' AND NEW.status IS NOT 'accepted' AND OLD.volunteer_id IS NOT NULL BEGIN UPDATE volunteer_load SET active_chats = active_chats - 1 WHERE volunteer_id = OLD.volunteer_id; END;
