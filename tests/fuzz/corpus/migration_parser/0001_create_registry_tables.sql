-- The registry's first schema: who maintains what, and which releases exist.
--
-- Every package has one maintainer (its owner) and any number of releases. Timestamps are
-- UTC text in ISO-8601 form, which sorts correctly as text.

-- +migrate Up
CREATE TABLE maintainers (
    id         INTEGER PRIMARY KEY,
    handle     TEXT NOT NULL UNIQUE,
    email      TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE packages (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    description   TEXT NOT NULL DEFAULT '',
    maintainer_id INTEGER NOT NULL REFERENCES maintainers (id),
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE releases (
    id           INTEGER PRIMARY KEY,
    package_id   INTEGER NOT NULL REFERENCES packages (id),
    version      TEXT NOT NULL,
    published_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    UNIQUE (package_id, version)
);

-- A few example rows, so that the data migration (0004) and the table rebuild (0007) have
-- something to carry over. A real registry would not seed data in its schema migrations.
INSERT INTO maintainers (id, handle, email, created_at) VALUES
    (1, 'ada',   'ada@example.org',   '2024-01-03T09:00:00Z'),
    (2, 'linus', 'linus@example.org', '2024-01-05T14:30:00Z'),
    (3, 'grace', 'grace@example.org', '2024-02-11T08:15:00Z');

INSERT INTO packages (id, name, description, maintainer_id, created_at) VALUES
    (1, 'tiny-json',  'A JSON parser; small, strict and fast', 1, '2024-01-04T10:00:00Z'),
    (2, 'left-pad',   'Pads strings on the left',              2, '2024-01-06T12:00:00Z'),
    (3, 'cobol-fmt',  'Formatter for COBOL sources',           3, '2024-02-12T09:45:00Z'),
    (4, 'retry-loop', 'Retries with exponential backoff',      1, '2024-03-01T16:20:00Z');

INSERT INTO releases (package_id, version, published_at) VALUES
    (1, '1.0.0', '2024-01-04T10:05:00Z'),
    (1, '1.1.0', '2024-02-20T11:00:00Z'),
    (2, '0.1.0', '2024-01-06T12:10:00Z'),
    (2, '0.2.0', '2024-01-09T18:00:00Z'),
    (2, '1.0.0', '2024-03-15T07:30:00Z'),
    (3, '2.3.1', '2024-02-12T10:00:00Z'),
    (4, '0.9.0', '2024-03-01T16:25:00Z');

-- +migrate Verify
SELECT count(*) = 0 FROM releases WHERE package_id NOT IN (SELECT id FROM packages);

-- +migrate Down
DROP TABLE releases;
DROP TABLE packages;
DROP TABLE maintainers;
