-- SIRM schema v20 (SQLite): objections (异议核查, Art 16), projected from
-- objection.filed / objection.linked / objection.answered entries and from
-- the decision or withdrawal of the correction application an objection is
-- linked to. The person by blind index; items and evidence as JSON; what
-- the objector wrote stays sealed in the ledger entry only.
CREATE TABLE objection (
    number          TEXT    PRIMARY KEY,
    person_id       TEXT    NOT NULL,
    objector        TEXT    NOT NULL,
    filed_by        TEXT    NOT NULL,
    employer        TEXT    NOT NULL DEFAULT '',
    items           TEXT    NOT NULL,
    evidence        TEXT    NOT NULL,
    filed_on        TEXT    NOT NULL,
    deadline        TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    application_id  TEXT    NOT NULL DEFAULT '',
    letter_code     TEXT    NOT NULL DEFAULT '',
    resolved_at     TEXT    NOT NULL DEFAULT '',
    filed_seq       BIGINT  NOT NULL,
    last_seq        BIGINT  NOT NULL
);
CREATE INDEX objection_person ON objection (person_id, filed_seq);
CREATE INDEX objection_application ON objection (application_id);
CREATE INDEX objection_status ON objection (status, deadline);
CREATE INDEX objection_letter ON objection (letter_code);
