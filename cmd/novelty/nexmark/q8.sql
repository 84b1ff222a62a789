-- Nexmark q8, monitor new users: the people who created an auction in the
-- 10-second tumbling window they registered in (Flink's and RisingWave's
-- formulation: the people and the sellers grouped per window, joined on
-- id and window).
CREATE STREAM q8_people AS
SELECT window_start, window_end, id, name
FROM person
GROUP BY TUMBLE(date_time, INTERVAL '10' SECOND), id, name;

CREATE STREAM q8_sellers AS
SELECT window_start, window_end, seller
FROM auction
GROUP BY TUMBLE(date_time, INTERVAL '10' SECOND), seller;

CREATE STREAM q8 AS
SELECT p.id, p.name, p.window_start AS starttime
FROM q8_people p JOIN q8_sellers s
  ON p.id = s.seller AND p.window_end = s.window_end;
