-- Full-text search over message text: a generated tsvector ('simple'
-- configuration: no stemming, any language) with a GIN index. It follows
-- the content, so an edit or a deletion leaves nothing of the old text.
ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', content)) STORED;
CREATE INDEX messages_search ON messages USING GIN (search);
