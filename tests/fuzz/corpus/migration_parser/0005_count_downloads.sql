-- Records each download and keeps a running count per release, so that listing pages do not
-- have to count the (large) downloads table.
--
-- The trigger body holds several statements between BEGIN and END, each ending in ';'. belay
-- splits statements with SQLite's own parser, so this needs no StatementBegin/StatementEnd
-- annotation.

-- +migrate Up
ALTER TABLE releases ADD COLUMN download_count INTEGER NOT NULL DEFAULT 0;

CREATE TABLE downloads (
    id            INTEGER PRIMARY KEY,
    release_id    INTEGER NOT NULL REFERENCES releases (id),
    downloaded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE INDEX downloads_release_idx ON downloads (release_id);

CREATE TRIGGER downloads_count_release
AFTER INSERT ON downloads
BEGIN
    -- A yanked release can still be fetched by exact version, but it is no longer counted.
    SELECT RAISE(IGNORE)
    WHERE (SELECT yanked FROM releases WHERE id = NEW.release_id);
    UPDATE releases SET download_count = download_count + 1 WHERE id = NEW.release_id;
END;

-- +migrate Verify
SELECT count(*) = 0 FROM releases WHERE download_count <> 0;

-- +migrate Down
DROP TRIGGER downloads_count_release;
DROP TABLE downloads;
ALTER TABLE releases DROP COLUMN download_count;
