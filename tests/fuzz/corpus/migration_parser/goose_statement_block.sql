-- +goose NO TRANSACTION
-- +goose Up
CREATE TABLE a (x);
-- +goose StatementBegin
CREATE TRIGGER t AFTER INSERT ON a BEGIN
  SELECT 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE a;
