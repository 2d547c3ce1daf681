-- A package may now have several maintainers. The new table package_maintainers holds one row
-- per (package, maintainer) with a role; every existing package's single maintainer becomes
-- its owner. packages.maintainer_id stays for now, so that older readers keep working.
--
-- The backfill reads every package once; give it more than the default step timeout.
-- +migrate Timeout 120

-- +migrate Up
CREATE TABLE package_maintainers (
    package_id    INTEGER NOT NULL REFERENCES packages (id),
    maintainer_id INTEGER NOT NULL REFERENCES maintainers (id),
    role          TEXT NOT NULL DEFAULT 'maintainer' CHECK (role IN ('owner', 'maintainer')),
    added_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (package_id, maintainer_id)
) WITHOUT ROWID;

CREATE INDEX package_maintainers_maintainer_idx ON package_maintainers (maintainer_id);

-- Backfill: the maintainer recorded on each package becomes its owner, as of the package's
-- creation.
INSERT INTO package_maintainers (package_id, maintainer_id, role, added_at)
SELECT id, maintainer_id, 'owner', created_at
FROM packages;

-- +migrate Verify
-- Every package has exactly one owner, and it is the maintainer the package names.
SELECT count(*) = 0
FROM packages AS p
WHERE (SELECT count(*) FROM package_maintainers AS pm
       WHERE pm.package_id = p.id AND pm.role = 'owner') <> 1;
SELECT count(*) = 0
FROM packages AS p
WHERE NOT EXISTS (SELECT 1 FROM package_maintainers AS pm
                  WHERE pm.package_id = p.id AND pm.maintainer_id = p.maintainer_id
                    AND pm.role = 'owner');

-- +migrate Down
DROP TABLE package_maintainers;
