-- +migrate Up
-- Deliberately empty: this version only marks a release.

-- +migrate Down
