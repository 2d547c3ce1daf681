-- "Recently published" pages list releases newest first; without an index that is a full scan
-- of releases followed by a sort.

-- +migrate Up
CREATE INDEX releases_published_at_idx ON releases (published_at DESC);

-- +migrate Down
DROP INDEX releases_published_at_idx;
