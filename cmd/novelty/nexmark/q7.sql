-- Nexmark q7, highest bid: the bids with the highest price of their
-- 10-second tumbling window (RisingWave's formulation, the maximum in a
-- stream of its own). The join bounds the bid's time to the window:
-- [window_end - 10 s, window_end) rather than RisingWave's BETWEEN, which
-- would also take a bid at exactly window_end (it belongs to the next
-- window).
CREATE STREAM q7_max AS
SELECT window_start, window_end, max(price) AS maxprice
FROM bid
GROUP BY TUMBLE(date_time, INTERVAL '10' SECOND);

CREATE STREAM q7 AS
SELECT b.auction, b.price, b.bidder, b.date_time
FROM (SELECT auction, price, bidder, date_time FROM bid) b
JOIN q7_max m
  ON b.price = m.maxprice
 AND b.date_time >= m.window_end - INTERVAL '10' SECOND AND b.date_time < m.window_end;
