CREATE TRIGGER audit AFTER INSERT ON t
BEGIN
  INSERT INTO log VALUES (new.id); -- log it; always
  UPDATE t SET touched = CASE WHEN new.id > 0 THEN 1 ELSE 0 END WHERE id = new.id;
END;
SELECT 1;
