-- Deleting a package should delete its releases. SQLite cannot change a foreign key with
-- ALTER TABLE, so releases is rebuilt following the 12-step procedure of
-- https://www.sqlite.org/lang_altertable.html (section 7): create the new table, copy the rows,
-- drop the old table, rename the new one into place, and recreate what depended on the old one.
--
-- No PRAGMA foreign_keys lines are needed: belay turns foreign-key enforcement off around each
-- step (inside a transaction that pragma would do nothing anyway) and runs
-- PRAGMA foreign_key_check itself before COMMIT.
--
-- The view and the trigger that read releases are dropped first and recreated at the end:
-- while the old table is gone, SQLite refuses to rename the new table into place if a view or
-- trigger still names the missing one. Their definitions here are the same as in 0005 and 0006.

-- +migrate Up
DROP VIEW package_summary;
DROP TRIGGER downloads_count_release;

CREATE TABLE releases_new (
    id             INTEGER PRIMARY KEY,
    package_id     INTEGER NOT NULL REFERENCES packages (id) ON DELETE CASCADE,
    version        TEXT NOT NULL,
    published_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    yanked         INTEGER NOT NULL DEFAULT 0 CHECK (yanked IN (0, 1)),
    download_count INTEGER NOT NULL DEFAULT 0,
    UNIQUE (package_id, version)
);

INSERT INTO releases_new (id, package_id, version, published_at, yanked, download_count)
SELECT id, package_id, version, published_at, yanked, download_count
FROM releases;

DROP TABLE releases;
ALTER TABLE releases_new RENAME TO releases;

CREATE INDEX releases_published_at_idx ON releases (published_at DESC);

CREATE TRIGGER downloads_count_release
AFTER INSERT ON downloads
BEGIN
    -- A yanked release can still be fetched by exact version, but it is no longer counted.
    SELECT RAISE(IGNORE)
    WHERE (SELECT yanked FROM releases WHERE id = NEW.release_id);
    UPDATE releases SET download_count = download_count + 1 WHERE id = NEW.release_id;
END;

CREATE VIEW package_summary AS
SELECT p.name                                         AS package,
       m.handle                                       AS owner,
       count(r.id) FILTER (WHERE r.yanked = 0)        AS live_releases,
       max(r.published_at) FILTER (WHERE r.yanked = 0) AS last_published_at,
       coalesce(sum(r.download_count), 0)             AS downloads
FROM packages AS p
JOIN package_maintainers AS pm ON pm.package_id = p.id AND pm.role = 'owner'
JOIN maintainers AS m ON m.id = pm.maintainer_id
LEFT JOIN releases AS r ON r.package_id = p.id
GROUP BY p.id;

-- +migrate Verify
SELECT count(*) = 1
FROM pragma_foreign_key_list('releases')
WHERE "table" = 'packages' AND "from" = 'package_id' AND on_delete = 'CASCADE';
SELECT count(*) = 0 FROM releases WHERE package_id NOT IN (SELECT id FROM packages);

-- +migrate Down
-- The same rebuild in reverse: releases gets back its foreign key without ON DELETE CASCADE.
DROP VIEW package_summary;
DROP TRIGGER downloads_count_release;

CREATE TABLE releases_old (
    id             INTEGER PRIMARY KEY,
    package_id     INTEGER NOT NULL REFERENCES packages (id),
    version        TEXT NOT NULL,
    published_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    yanked         INTEGER NOT NULL DEFAULT 0 CHECK (yanked IN (0, 1)),
    download_count INTEGER NOT NULL DEFAULT 0,
    UNIQUE (package_id, version)
);

INSERT INTO releases_old (id, package_id, version, published_at, yanked, download_count)
SELECT id, package_id, version, published_at, yanked, download_count
FROM releases;

DROP TABLE releases;
ALTER TABLE releases_old RENAME TO releases;

CREATE INDEX releases_published_at_idx ON releases (published_at DESC);

CREATE TRIGGER downloads_count_release
AFTER INSERT ON downloads
BEGIN
    -- A yanked release can still be fetched by exact version, but it is no longer counted.
    SELECT RAISE(IGNORE)
    WHERE (SELECT yanked FROM releases WHERE id = NEW.release_id);
    UPDATE releases SET download_count = download_count + 1 WHERE id = NEW.release_id;
END;

CREATE VIEW package_summary AS
SELECT p.name                                         AS package,
       m.handle                                       AS owner,
       count(r.id) FILTER (WHERE r.yanked = 0)        AS live_releases,
       max(r.published_at) FILTER (WHERE r.yanked = 0) AS last_published_at,
       coalesce(sum(r.download_count), 0)             AS downloads
FROM packages AS p
JOIN package_maintainers AS pm ON pm.package_id = p.id AND pm.role = 'owner'
JOIN maintainers AS m ON m.id = pm.maintainer_id
LEFT JOIN releases AS r ON r.package_id = p.id
GROUP BY p.id;
