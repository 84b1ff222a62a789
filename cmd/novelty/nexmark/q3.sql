-- Nexmark q3, local item suggestion: the auctions in category 10 of sellers
-- in Oregon, Idaho or California.
--
-- Adapted: Nexmark joins auction and person without bounds, which needs
-- unbounded state; here it is an interval join. The generator names as an
-- auction's seller one of the 1,000 most recent people or one of the next
-- 10, i.e. a person created at most 50,000 events before the auction or
-- 500 events after it. The bounds below (the auction at most 1 minute
-- after its seller, at most 1 second before) therefore lose no match at
-- event rates of 1,000 events/s and more (the default is 10,000).
-- The filters are written in the join's inputs so that only Oregon, Idaho
-- and California sellers and category-10 auctions are kept as join state.
CREATE STREAM q3 AS
SELECT p.name, p.city, p.state, a.id
FROM (SELECT id, seller, date_time FROM auction WHERE category = 10) a
JOIN (SELECT id, name, city, state, date_time FROM person WHERE state = 'or' OR state = 'id' OR state = 'ca') p
  ON a.seller = p.id
 AND a.date_time BETWEEN p.date_time - INTERVAL '1' SECOND AND p.date_time + INTERVAL '1' MINUTE;
