-- Saved by an editor that writes a byte-order mark.
-- +migrate Up
CREATE TABLE bom (id INTEGER);
