-- +migrate Up
CREATE TABLE t (id INTEGER);
-- +migrate Upgrade
-- +migrate Down notransactionn
DROP TABLE t;
