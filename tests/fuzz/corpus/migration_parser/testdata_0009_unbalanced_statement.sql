-- +migrate Up
-- +migrate StatementBegin
CREATE TRIGGER tr AFTER INSERT ON t BEGIN
    SELECT 1;
END;
-- +migrate Down
-- +migrate StatementEnd
DROP TRIGGER tr;
-- +migrate StatementBegin
-- +migrate StatementBegin
