-- SIRM schema v11 (PostgreSQL): issued certificates (Art 15), projected from
-- certificate.issued / certificate.revoked ledger entries, looked up by code.
CREATE TABLE certificate (
    code         TEXT    PRIMARY KEY,
    person_id    TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    from_month   TEXT    NOT NULL,
    to_month     TEXT    NOT NULL,
    issued_at    TEXT    NOT NULL,
    pdf_sha256   TEXT    NOT NULL,
    seq          BIGINT  NOT NULL,
    revoked_seq  BIGINT  NOT NULL DEFAULT 0,
    revoked_reason TEXT  NOT NULL DEFAULT ''
);
CREATE INDEX certificate_person ON certificate (person_id, seq);

GRANT SELECT, INSERT, UPDATE, DELETE ON certificate TO sirm_app;
