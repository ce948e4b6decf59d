-- Each volunteer's active chats from requests (accepted requests), kept by
-- a trigger in the transaction that moves a request in or out of
-- `accepted`, for the chat cap (HELPLINE_MAX_ACTIVE_CHATS): who is at the
-- cap is then a read of the few rows at or above it, not a count over
-- every active chat at each request opened.
CREATE TABLE volunteer_load (
  volunteer_id TEXT COLLATE "C" PRIMARY KEY REFERENCES users (id),
  active_chats BIGINT NOT NULL
);
CREATE INDEX volunteer_load_busy ON volunteer_load (active_chats);
INSERT INTO volunteer_load (volunteer_id, active_chats) SELECT volunteer_id, COUNT(*) FROM help_requests WHERE status = 'accepted' AND volunteer_id IS NOT NULL GROUP BY volunteer_id;
CREATE FUNCTION volunteer_load_follow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF OLD.status = 'accepted' AND NEW.status <> 'accepted' AND OLD.volunteer_id IS NOT NULL THEN UPDATE volunteer_load SET active_chats = active_chats - 1 WHERE volunteer_id = OLD.volunteer_id; ELSIF NEW.status = 'accepted' AND OLD.status <> 'accepted' AND NEW.volunteer_id IS NOT NULL THEN INSERT INTO volunteer_load (volunteer_id, active_chats) VALUES (NEW.volunteer_id, 1) ON CONFLICT (volunteer_id) DO UPDATE SET active_chats = volunteer_load.active_chats + 1; END IF; RETURN NULL; END $$;
CREATE TRIGGER volunteer_load_follow AFTER UPDATE OF status ON help_requests FOR EACH ROW EXECUTE FUNCTION volunteer_load_follow();
