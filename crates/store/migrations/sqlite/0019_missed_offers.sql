-- Offers each volunteer let pass in a row (taken by others or expired
-- while they were available): at HELPLINE_MAX_MISSED_OFFERS they are set
-- away. Counted in the transaction of each request's one claim or expiry
-- handling, reset when they answer an offer or choose to be available.
CREATE TABLE volunteer_missed_offers (
  volunteer_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  missed INTEGER NOT NULL
);
