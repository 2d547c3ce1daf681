-- newer_sqlite.db: a database as a program on SQLite 3.50 or later writes it, for
-- tests/e2e/newer_sqlite_test.cpp. A STRICT table with a generated column and an index that
-- call if() (SQLite 3.48), and a view that calls unistr() (3.50) and uses ->> (3.38). Made with
-- the sqlite3 shell of SQLite 3.52.0 (shell.c and sqlite3.c of the tarball belay bundles):
--
--     sqlite3 newer_sqlite.db < newer_sqlite.sql
--
-- and checked against this file by NewerSqliteTest.TheFixtureIsWhatThisFileMakes on every
-- build whose SQLite can read it. Debian 12's SQLite (3.40.1) cannot make it.
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    qty INTEGER NOT NULL,
    price REAL NOT NULL,
    size TEXT GENERATED ALWAYS AS (if(qty > 10, 'bulk', 'single')) VIRTUAL,
    total REAL GENERATED ALWAYS AS (qty * price) STORED,
    doc TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX orders_by_size ON orders (if(qty > 10, 'bulk', 'single'));
CREATE VIEW order_labels AS
    SELECT id, unistr('order \u2116') || id AS label, doc ->> '$.customer' AS customer
    FROM orders;
INSERT INTO orders (qty, price, doc) VALUES
    (3, 2.5, '{"customer": "ada"}'),
    (12, 1.0, '{"customer": "bob"}');
