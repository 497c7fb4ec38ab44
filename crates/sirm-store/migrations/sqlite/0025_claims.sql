-- SIRM schema v25 (SQLite): work-injury (工伤) and maternity (生育) claims,
-- projected from injury.* and maternity.* entries. The person by blind
-- index; dates as YYYY-MM-DD; money as decimal text.
CREATE TABLE injury_claim (
    person_id     TEXT    NOT NULL,
    injury_date   TEXT    NOT NULL,
    credit_code   TEXT    NOT NULL,
    decision_no   TEXT    NOT NULL,
    decided_on    TEXT    NOT NULL,
    grade         BIGINT  NOT NULL DEFAULT 0,
    assessed_on   TEXT    NOT NULL DEFAULT '',
    status        TEXT    NOT NULL,
    seq           BIGINT  NOT NULL,
    last_seq      BIGINT  NOT NULL,
    PRIMARY KEY (person_id, injury_date)
);
CREATE TABLE maternity_claim (
    person_id        TEXT    NOT NULL,
    event_date       TEXT    NOT NULL,
    credit_code      TEXT    NOT NULL,
    event            TEXT    NOT NULL,
    difficult_birth  BIGINT  NOT NULL,
    babies           BIGINT  NOT NULL,
    institution      TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    seq              BIGINT  NOT NULL,
    last_seq         BIGINT  NOT NULL,
    PRIMARY KEY (person_id, event_date)
);
-- One row per benefit item granted or paid (one-time or monthly).
CREATE TABLE claim_benefit (
    person_id    TEXT    NOT NULL,
    insurance    TEXT    NOT NULL,
    claim_date   TEXT    NOT NULL,
    item         TEXT    NOT NULL,
    amount       TEXT    NOT NULL,
    monthly      BIGINT  NOT NULL,
    payer        TEXT    NOT NULL,
    credit_code  TEXT    NOT NULL,
    start_month  TEXT    NOT NULL DEFAULT '',
    rule_set     TEXT    NOT NULL DEFAULT '',
    seq          BIGINT  NOT NULL,
    PRIMARY KEY (person_id, insurance, claim_date, item, seq)
);
CREATE INDEX claim_benefit_employer ON claim_benefit (credit_code, payer);
