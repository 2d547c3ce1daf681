INSERT INTO t VALUES ('a;b', 'it''s; fine');
INSERT INTO t VALUES ("c;d", `e;f`, [g;h]);
