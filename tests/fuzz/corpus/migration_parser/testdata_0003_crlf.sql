-- Written on Windows.
-- +migrate Up notransaction
CREATE TABLE t (id INTEGER);
VACUUM;

-- +migrate Down
DROP TABLE t;
