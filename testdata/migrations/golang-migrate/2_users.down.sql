DROP SINK failures_out;
DROP TABLE users;
