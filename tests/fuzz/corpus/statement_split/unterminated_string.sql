INSERT INTO t VALUES ('never closed;
SELECT 2;
