-- migrate:up transaction:true
CREATE TABLE a (id)
-- migrate:down
DROP TABLE a;
-- migrate:up transaction:false
VACUUM;
-- migrate:down
-- +migrate Up
SELECT 1; /* open
-- +migrate Down
