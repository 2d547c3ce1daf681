-- +migrate Up
CREATE TABLE audit_log (id INTEGER PRIMARY KEY, message TEXT NOT NULL);

-- +migrate StatementBegin
CREATE TRIGGER users_audit AFTER UPDATE ON users
BEGIN
    INSERT INTO audit_log (message) VALUES ('user ' || new.id || ' changed; see audit');
    SELECT RAISE(ROLLBACK, 'emails are immutable; create a new user')
    WHERE old.email <> new.email;
END;
-- +migrate StatementEnd

INSERT INTO audit_log (message) VALUES ('a;b'), ("c;d"), ('it''s -- not a comment');

-- +migrate Down
DROP TRIGGER users_audit;
DROP TABLE audit_log;
