-- Header.
/* multi-line
   comment; with a semicolon */
CREATE TABLE forgotten (id INTEGER);

-- +migrate Up
CREATE TABLE t (id INTEGER);
