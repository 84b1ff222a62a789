-- Nexmark q0, pass-through: every bid, unchanged (RisingWave's formulation).
CREATE STREAM q0 AS
SELECT auction, bidder, price, date_time FROM bid;
