-- SIRM schema v22 (SQLite): summaries of the contribution table for the
-- statistics user (Art 17), kept by the ledger applier in the same
-- transaction as the contribution rows they sum, rebuilt, digested and
-- checked like every projection. Amounts are integer fen (分) of the seven
-- assessed amounts together; "unpaid" is status <> 'paid'. An installation
-- migrated with contributions already on record is filled by `sirm migrate`
-- (Store::catch_up_statistics).

-- Per month and employer: the contributions and arrears reports group it
-- by the employer's current industry class.
CREATE TABLE contribution_summary (
    month           TEXT    NOT NULL,
    credit_code     TEXT    NOT NULL,
    persons         BIGINT  NOT NULL,
    amount_fen      BIGINT  NOT NULL,
    unpaid_persons  BIGINT  NOT NULL,
    unpaid_fen      BIGINT  NOT NULL,
    PRIMARY KEY (month, credit_code)
);

-- Per person and calendar year: a de-identified extract's measures.
CREATE TABLE contribution_person_year (
    person_id       TEXT    NOT NULL,
    year            BIGINT  NOT NULL,
    months          BIGINT  NOT NULL,
    amount_fen      BIGINT  NOT NULL,
    unpaid_months   BIGINT  NOT NULL,
    PRIMARY KEY (person_id, year)
);

-- Per month, agency, age on the month's last day and gender (the person's
-- registration now): person-months, and of those the ones counted for each
-- insurance type (the type's amounts above zero). The insured-persons
-- report.
CREATE TABLE insured_summary (
    month           TEXT    NOT NULL,
    agency          TEXT    NOT NULL,
    age             BIGINT  NOT NULL,
    gender          TEXT    NOT NULL,
    persons         BIGINT  NOT NULL,
    pension         BIGINT  NOT NULL,
    medical         BIGINT  NOT NULL,
    unemployment    BIGINT  NOT NULL,
    work_injury     BIGINT  NOT NULL,
    PRIMARY KEY (month, agency, age, gender)
);
