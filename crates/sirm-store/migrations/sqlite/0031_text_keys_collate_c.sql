-- SIRM schema v31 (SQLite): nothing to do. PostgreSQL's migration 31 makes
-- the text keys of the bulk-written tables compare bytewise (COLLATE "C");
-- SQLite's text columns compare bytewise (BINARY) already.
SELECT 1;
