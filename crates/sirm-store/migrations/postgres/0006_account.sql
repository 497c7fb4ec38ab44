-- SIRM schema v6 (PostgreSQL): personal account years (个人账户).
CREATE TABLE account_year (
    person_id        TEXT    NOT NULL,
    year             BIGINT  NOT NULL,
    opening_balance  TEXT    NOT NULL,
    credits          TEXT    NOT NULL,
    rate             TEXT    NOT NULL,
    interest         TEXT    NOT NULL,
    closing_balance  TEXT    NOT NULL,
    rule_set         TEXT    NOT NULL,
    seq              BIGINT  NOT NULL,
    PRIMARY KEY (person_id, year)
);
CREATE INDEX account_year_year ON account_year (year);

GRANT SELECT, INSERT, UPDATE, DELETE ON account_year TO sirm_app;
