-- Rebuilds the file to reclaim space; VACUUM cannot run in a transaction.
-- +migrate NoTransaction
-- +migrate Timeout 2.5

-- +migrate Up
PRAGMA main.journal_mode = DELETE;
VACUUM;
-- +migrate Down
-- Nothing to undo.
