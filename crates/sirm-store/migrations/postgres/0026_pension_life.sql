-- SIRM schema v26 (PostgreSQL): unemployment insurance (失业保险金: claims and
-- monthly payments) and the pension's whole life (年度调整, 死亡待遇),
-- projected from unemployment.granted / .paid / .ended, benefit.adjusted
-- and benefit.death entries. Persons by blind index only.
CREATE TABLE unemployment_claim (
    seq                 BIGINT  PRIMARY KEY,
    person_id           TEXT    NOT NULL,
    status              TEXT    NOT NULL,
    registered_on       TEXT    NOT NULL,
    start_month         TEXT    NOT NULL,
    end_month           TEXT    NOT NULL,
    contribution_months BIGINT  NOT NULL,
    carried_months      BIGINT  NOT NULL,
    duration_months     BIGINT  NOT NULL,
    monthly_amount      TEXT    NOT NULL,
    total_amount        TEXT    NOT NULL,
    rule_set            TEXT    NOT NULL,
    ended_on            TEXT    NOT NULL,
    end_reason          TEXT    NOT NULL,
    paid_months         BIGINT  NOT NULL,
    unused_months       BIGINT  NOT NULL,
    last_seq            BIGINT  NOT NULL
);
CREATE INDEX unemployment_claim_person ON unemployment_claim (person_id, seq);
CREATE INDEX unemployment_claim_open ON unemployment_claim (status, start_month);

CREATE TABLE unemployment_payment (
    person_id   TEXT    NOT NULL,
    month       TEXT    NOT NULL,
    amount      TEXT    NOT NULL,
    claim_seq   BIGINT  NOT NULL,
    rule_set    TEXT    NOT NULL,
    seq         BIGINT  NOT NULL,
    PRIMARY KEY (person_id, month)
);
CREATE INDEX unemployment_payment_month ON unemployment_payment (month);

CREATE TABLE pension_adjustment (
    person_id       TEXT    NOT NULL,
    year            BIGINT  NOT NULL,
    granted_seq     BIGINT  NOT NULL,
    pension_before  TEXT    NOT NULL,
    increase        TEXT    NOT NULL,
    new_pension     TEXT    NOT NULL,
    rule_set        TEXT    NOT NULL,
    seq             BIGINT  NOT NULL,
    PRIMARY KEY (person_id, year)
);
CREATE INDEX pension_adjustment_year ON pension_adjustment (year);

CREATE TABLE death (
    person_id               TEXT    PRIMARY KEY,
    died_on                 TEXT    NOT NULL,
    pensioner               BIGINT  NOT NULL,
    recovered               TEXT    NOT NULL,
    funeral_grant           TEXT    NOT NULL,
    survivor_compensation   TEXT    NOT NULL,
    account_to_heirs        TEXT    NOT NULL,
    rule_set                TEXT    NOT NULL,
    seq                     BIGINT  NOT NULL
);

GRANT SELECT, INSERT, UPDATE, DELETE ON unemployment_claim, unemployment_payment, pension_adjustment, death TO sirm_app;
