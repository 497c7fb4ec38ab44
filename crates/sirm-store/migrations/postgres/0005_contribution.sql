-- SIRM schema v5 (PostgreSQL): computed contributions per person-month.
CREATE TABLE contribution (
    person_id              TEXT    NOT NULL,
    month                  TEXT    NOT NULL,
    credit_code            TEXT    NOT NULL,
    declared_wage          TEXT    NOT NULL,
    base                   TEXT    NOT NULL,
    pension_employer       TEXT    NOT NULL,
    pension_employee       TEXT    NOT NULL,
    medical_employer       TEXT    NOT NULL,
    medical_employee       TEXT    NOT NULL,
    unemployment_employer  TEXT    NOT NULL,
    unemployment_employee  TEXT    NOT NULL,
    work_injury_employer   TEXT    NOT NULL,
    account_credit         TEXT    NOT NULL,
    rule_set               TEXT    NOT NULL,
    status                 TEXT    NOT NULL,
    seq                    BIGINT  NOT NULL,
    PRIMARY KEY (person_id, month)
);
CREATE INDEX contribution_employer ON contribution (credit_code, month);

GRANT SELECT, INSERT, UPDATE, DELETE ON contribution TO sirm_app;
