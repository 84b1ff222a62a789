CREATE TABLE users (name TEXT PRIMARY KEY, department TEXT NOT NULL);
INSERT INTO users VALUES ('alice', 'eng'), ('bob', 'ops');
CREATE SINK failures_out FROM failures WITH (connector = 'file', path = 'failures.jsonl');
