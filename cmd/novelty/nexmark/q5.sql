-- Nexmark q5, hot items: per sliding window (10 seconds, every 2 seconds),
-- the auctions with the most bids (RisingWave's formulation, in three
-- streams).
--
-- q5_counts counts the bids per auction and HOP window. q5_max takes the
-- largest count per HOP window: all counts of the HOP window ending at t
-- carry window end t, so the 2-second tumbling window starting at t over
-- q5_counts holds exactly them. q5 joins each count with the maximum of its
-- HOP window (the one q5_max emitted for the window ending 2 seconds
-- later) and keeps the counts that reach it.
CREATE STREAM q5_counts AS
SELECT window_start AS starttime, window_end AS endtime, auction, count(*) AS num
FROM bid
GROUP BY HOP(date_time, INTERVAL '2' SECOND, INTERVAL '10' SECOND), auction;

CREATE STREAM q5_max AS
SELECT window_start AS endtime, window_end AS maxtime, max(num) AS maxn
FROM q5_counts
GROUP BY TUMBLE(endtime, INTERVAL '2' SECOND);

CREATE STREAM q5 AS
SELECT c.auction, c.num, c.starttime
FROM q5_counts c JOIN q5_max m
  ON m.maxtime = c.endtime + INTERVAL '2' SECOND
WHERE c.num >= m.maxn;
