-- +migrate Timeout 30s
-- +migrate Up
SELECT 1;
-- +migrate Timeout 0
