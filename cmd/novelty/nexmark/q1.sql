-- Nexmark q1, currency conversion: bid prices from dollars to euros
-- (RisingWave's formulation).
CREATE STREAM q1 AS
SELECT auction, bidder, 0.908 * price AS price, date_time FROM bid;
