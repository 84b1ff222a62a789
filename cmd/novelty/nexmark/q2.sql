-- Nexmark q2, selection: the bids on every 123rd auction (Flink's
-- formulation; RisingWave's lists five auction ids instead).
CREATE STREAM q2 AS
SELECT auction, price FROM bid WHERE auction % 123 = 0;
