-- Lets a maintainer withdraw a broken release without deleting it ("yank" it): installers skip
-- yanked releases unless asked for that exact version.
--
-- ADD COLUMN with a constant DEFAULT is cheap in SQLite: existing rows are not rewritten, they
-- read the default until they are next updated.

-- +migrate Up
ALTER TABLE releases ADD COLUMN yanked INTEGER NOT NULL DEFAULT 0 CHECK (yanked IN (0, 1));

-- +migrate Verify
SELECT count(*) = 0 FROM releases WHERE yanked <> 0;

-- +migrate Down
-- DROP COLUMN needs SQLite 3.35 or later.
ALTER TABLE releases DROP COLUMN yanked;
