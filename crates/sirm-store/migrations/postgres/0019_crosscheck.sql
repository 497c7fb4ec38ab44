-- SIRM schema v19 (PostgreSQL): cross-checking with other departments (Art 5), projected
-- from crosscheck.imported / crosscheck.discrepancy / crosscheck.resolved.
-- A department file taken in: kind, hash, rows, new discrepancies.
CREATE TABLE crosscheck_import (
    import_id      TEXT    PRIMARY KEY,
    kind           TEXT    NOT NULL,
    department     TEXT    NOT NULL,
    file_sha256    TEXT    NOT NULL,
    rows_read      BIGINT  NOT NULL,
    accepted       BIGINT  NOT NULL,
    rejected       BIGINT  NOT NULL,
    discrepancies  BIGINT  NOT NULL,
    known          BIGINT  NOT NULL,
    actor          TEXT    NOT NULL,
    seq            BIGINT  NOT NULL
);

-- One discrepancy (the maintenance officer's queue): its deterministic id
-- (kind + subject + fact), evidence and proposed action as JSON text
-- (persons by blind index), and how it was resolved.
CREATE TABLE crosscheck_discrepancy (
    discrepancy_id TEXT    PRIMARY KEY,
    import_id      TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    subject        TEXT    NOT NULL,
    fact           TEXT    NOT NULL,
    evidence       TEXT    NOT NULL,
    proposal       TEXT,
    status         TEXT    NOT NULL,
    reason         TEXT    NOT NULL DEFAULT '',
    application_id TEXT,
    seq            BIGINT  NOT NULL,
    resolved_seq   BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX crosscheck_discrepancy_status ON crosscheck_discrepancy (status, seq);

GRANT SELECT, INSERT, UPDATE, DELETE ON crosscheck_import TO sirm_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON crosscheck_discrepancy TO sirm_app;
