-- migrate:up
CREATE TABLE users (name TEXT PRIMARY KEY, department TEXT NOT NULL);
INSERT INTO users VALUES ('alice', 'eng'), ('bob', 'ops');

-- migrate:down
DROP TABLE users;
