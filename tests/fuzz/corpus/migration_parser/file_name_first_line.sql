0042_file_name_line.sql
-- +migrate Up
SELECT 1
