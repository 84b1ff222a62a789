-- migrate:up
CREATE SOURCE logins (user_name VARCHAR, action VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND);
CREATE STREAM failures AS SELECT ts, user_name FROM logins WHERE action = 'fail';
CREATE SINK failures_out FROM failures WITH (connector = 'file', path = 'failures.jsonl');

-- migrate:down
DROP SOURCE logins CASCADE;
