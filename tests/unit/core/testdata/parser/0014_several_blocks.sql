-- sql-migrate allows several Up and Down blocks; each direction runs them in file order.
-- +migrate Up
CREATE TABLE a (id INTEGER);

-- +migrate Down
DROP TABLE a;

-- +migrate Up notransaction
CREATE TABLE b (id INTEGER);
-- +migrate StatementBegin
CREATE TRIGGER b_a AFTER INSERT ON b BEGIN INSERT INTO a VALUES (NEW.id); END
-- +migrate StatementEnd
-- +migrate Down
DROP TABLE b;
