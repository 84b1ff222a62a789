-- Nexmark q4, average price per category: the winning (highest) bid of
-- each auction among the bids placed while it was open, averaged per
-- category.
--
-- Adapted: Nexmark's join of auction and bid is unbounded and its
-- averages are running ones, revised with every closed auction. Here:
-- 1. q4_winning is an interval join: a bid counts for an auction when it
--    comes between the auction's start and its expiry (as in Nexmark) and
--    at most 10 seconds after its start; the generator's auctions last at
--    most the time of 3,334 events (0.34 s at the default 10,000 events/s),
--    so no bid is lost at 334 events/s and more. The auction's maximum is
--    taken per auction within the 10-second tumbling window of its start
--    (each auction is in exactly one such window), emitted once the
--    watermarks of both inputs show no later bid can come.
-- 2. q4 averages the winning prices per category over the auctions that
--    started in the same 10-second window (auctions_start, auctions_end),
--    instead of over all auctions so far.
CREATE STREAM q4_winning AS
SELECT window_start AS auctions_start, window_end AS auctions_end, a.id, a.category, max(b.price) AS final
FROM (SELECT id, category, date_time, expires FROM auction) a
JOIN (SELECT auction, price, date_time FROM bid) b
  ON a.id = b.auction
 AND b.date_time BETWEEN a.date_time AND a.date_time + INTERVAL '10' SECOND
WHERE b.date_time <= a.expires
GROUP BY TUMBLE(a.date_time, INTERVAL '10' SECOND), a.id, a.category;

CREATE STREAM q4 AS
SELECT auctions_start, auctions_end, category, avg(final) AS avg
FROM q4_winning
GROUP BY TUMBLE(auctions_end, INTERVAL '10' SECOND), auctions_start, auctions_end, category;
