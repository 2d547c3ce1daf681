-- migrate:up transaction:false
CREATE TABLE a (x);
VACUUM;

-- migrate:down
DROP TABLE a;
