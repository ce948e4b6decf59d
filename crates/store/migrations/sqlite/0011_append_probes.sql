-- Every message append asks whether its conversation is archived by
-- anyone (a new message brings it back). Through the participants key that
-- was a visit to each participant's row; this partial index holds only the
-- archived ones, so the usual answer is one look into an empty index.
CREATE INDEX participants_archived ON conversation_participants (conversation_id) WHERE archived_at IS NOT NULL;
