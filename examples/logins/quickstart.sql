-- The novelty quickstart (README.md, "Novelty scoring in one minute").
-- Copy logins.jsonl into the server's data directory first: the file
-- connector reads relative paths from there.
--
-- testdata/logic/quickstart.slt runs these same statements and checks the
-- alerts the README shows: change both together.

CREATE SOURCE logins (
  ts        TIMESTAMP,
  user_name TEXT,
  country   TEXT,
  city      TEXT,
  action    TEXT,
  src_ip    TEXT
) WITH (connector = 'file', path = 'logins.jsonl', format = 'json');

-- Each login is judged component by component, each given the ones before
-- it, from low to high cardinality: the action, then the country, the city,
-- and the user within that city. A new action, a new country for this
-- action, or a user never seen in this city all score near 1.
--
-- novelty_min_support: a component counts only once its prefix has 150
-- observations. A rarer prefix (the ~50 password changes of one city) meets
-- each of the city's users for the first time long after the start: new,
-- but not suspicious. Without it those first times score up to 0.983,
-- too close to the threshold; with it no ordinary login scores above 0.976.
CREATE STREAM scored WITH (novelty_min_support = '150') AS
  SELECT ts, user_name, action, country, city, src_ip,
         novelty_score(action, country, city, user_name) AS score,
         novelty(action, country, city, user_name)       AS detail
  FROM logins;

-- novel_part names the component that made the event novel.
CREATE STREAM alerts AS
  SELECT ts, user_name, action, country, city, src_ip, score,
         CASE detail->'mostNovelComponent'->>'index'
           WHEN '0' THEN 'action'
           WHEN '1' THEN 'country'
           WHEN '2' THEN 'city'
           ELSE 'user_name'
         END AS novel_part
  FROM scored
  WHERE score > 0.99;
