-- +migrate Up
CREATE TABLE a (x);
/* -- +migrate Down inside a comment */
INSERT INTO a VALUES ('-- +migrate Down in a string');
