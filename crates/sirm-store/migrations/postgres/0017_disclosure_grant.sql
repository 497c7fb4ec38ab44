-- SIRM schema v17 (PostgreSQL): disclosure to other units (Art 19–21), projected from
-- disclosure.granted / disclosure.used / disclosure.refused ledger entries.
-- A grant: who (the unit and its officer account) may read which items of
-- which persons (blind indexes, comma-separated), from when until when,
-- how many times; uses_made counts the disclosure.used entries.
CREATE TABLE disclosure_grant (
    grant_id       TEXT    PRIMARY KEY,
    application_id TEXT    NOT NULL,
    unit_name      TEXT    NOT NULL,
    credit_code    TEXT    NOT NULL,
    officer        TEXT    NOT NULL,
    persons        TEXT    NOT NULL,
    items          TEXT    NOT NULL,
    valid_from     TEXT    NOT NULL,
    valid_until    TEXT    NOT NULL,
    uses_allowed   BIGINT  NOT NULL,
    uses_made      BIGINT  NOT NULL DEFAULT 0,
    granted_seq    BIGINT  NOT NULL,
    last_used_seq  BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX disclosure_grant_officer ON disclosure_grant (officer, granted_seq);

-- A written refusal (不予提供告知书), looked up by its verification code.
CREATE TABLE disclosure_letter (
    code           TEXT    PRIMARY KEY,
    application_id TEXT    NOT NULL,
    credit_code    TEXT    NOT NULL,
    issued_at      TEXT    NOT NULL,
    pdf_sha256     TEXT    NOT NULL,
    seq            BIGINT  NOT NULL
);
CREATE INDEX disclosure_letter_application ON disclosure_letter (application_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON disclosure_grant TO sirm_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON disclosure_letter TO sirm_app;
