-- SIRM schema v4 (PostgreSQL): employment history (who works where, from when).
CREATE TABLE employment (
    person_id    TEXT    NOT NULL,
    credit_code  TEXT    NOT NULL,
    start_on     TEXT    NOT NULL,
    end_on       TEXT,
    end_reason   TEXT,
    agency       TEXT    NOT NULL,
    start_seq    BIGINT  NOT NULL,
    end_seq      BIGINT,
    PRIMARY KEY (person_id, start_on)
);
CREATE INDEX employment_employer ON employment (credit_code, start_on);

GRANT SELECT, INSERT, UPDATE, DELETE ON employment TO sirm_app;
