-- SIRM schema v12 (SQLite): nothing to change. The PostgreSQL migration of the
-- same version keeps room on the contribution table's pages for updated row
-- versions; SQLite updates rows in place, so a person's months stay together.
SELECT 1;
