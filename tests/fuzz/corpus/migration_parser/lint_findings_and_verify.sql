-- +migrate Up notransaction
PRAGMA journal_mode = WAL;
VACUUM;
-- +migrate Down
BEGIN;
ATTACH DATABASE 'x.db' AS x;
COMMIT;
-- +migrate Verify
SELECT count(*) = 0 FROM sqlite_schema;
-- +migrate Timeout 2.5
