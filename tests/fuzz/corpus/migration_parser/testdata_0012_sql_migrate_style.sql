-- +migrate Up notransaction
-- +migrate StatementBegin
CREATE TRIGGER people_touch AFTER UPDATE ON people
BEGIN
    UPDATE people SET updated_at = CURRENT_TIMESTAMP WHERE id = new.id;
END;
-- +migrate StatementEnd
CREATE INDEX people_name ON people (name);

-- +migrate Down notransaction
DROP INDEX people_name;
DROP TRIGGER people_touch;
