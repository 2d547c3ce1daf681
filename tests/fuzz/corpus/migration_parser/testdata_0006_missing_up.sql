-- A file converted from another tool, still in goose's format.
-- +goose Up
CREATE TABLE t (id INTEGER);
-- +goose Down
DROP TABLE t;
