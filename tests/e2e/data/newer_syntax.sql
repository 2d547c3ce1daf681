-- newer_syntax.db: a database whose schema only SQLite 3.44 or later can parse (an aggregate
-- with ORDER BY in a view), for tests/e2e/newer_sqlite_test.cpp. Made with the sqlite3 shell
-- of SQLite 3.52.0 (shell.c and sqlite3.c of the tarball belay bundles):
--
--     sqlite3 newer_syntax.db < newer_syntax.sql
--
-- and checked against this file by NewerSqliteTest.TheFixtureIsWhatThisFileMakes on every
-- build whose SQLite can read it. Debian 12's SQLite (3.40.1) cannot even open it.
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE VIEW customer_names AS
    SELECT group_concat(name, ', ' ORDER BY name) AS names FROM customers;
INSERT INTO customers (name) VALUES ('cy'), ('ada'), ('bob');
