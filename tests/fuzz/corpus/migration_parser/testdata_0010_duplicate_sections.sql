-- +migrate Up
CREATE TABLE a (id INTEGER);
-- +migrate Down
DROP TABLE a;
-- +migrate Up
CREATE TABLE b (id INTEGER);
-- +migrate Verify
-- +migrate Verify
