-- The volunteers a request is offered to when it is opened, as one row per
-- request (an array of user ids) instead of one row per volunteer: a
-- request offered to a thousand volunteers is one small insert on the way
-- to their screens. request_offers keeps the offers made later (to a
-- volunteer who becomes available while the request is pending) and every
-- decline; the volunteers a request was offered to are the union of the
-- two.
CREATE TABLE request_offer_lists (
  request_id TEXT COLLATE "C" PRIMARY KEY REFERENCES help_requests (id),
  volunteer_ids TEXT[] NOT NULL
);
