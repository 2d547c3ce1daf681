-- Creates the users table.
/* Copyright (c) Example; licensed under the MIT licence; see LICENSE. */

-- +migrate Up
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE
);
CREATE INDEX users_email ON users (email);

-- +migrate Down
DROP INDEX users_email;
DROP TABLE users;

-- +migrate Verify
SELECT count(*) FROM users WHERE email IS NULL;
