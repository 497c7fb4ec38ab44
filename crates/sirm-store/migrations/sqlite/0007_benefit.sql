-- SIRM schema v7 (SQLite): benefit eligibility (待遇资格).
CREATE TABLE benefit (
    person_id         TEXT    PRIMARY KEY,
    status            TEXT    NOT NULL,
    start_month       TEXT    NOT NULL,
    contribution_months BIGINT NOT NULL,
    basic             TEXT    NOT NULL,
    account           TEXT    NOT NULL,
    transitional      TEXT    NOT NULL,
    total             TEXT    NOT NULL,
    rule_set          TEXT    NOT NULL,
    seq               BIGINT  NOT NULL
);
