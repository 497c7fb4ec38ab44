-- SIRM schema v8 (PostgreSQL): benefit payments (待遇发放) and subsidies (社会保险补贴).
CREATE TABLE benefit_payment (
    person_id   TEXT    NOT NULL,
    month       TEXT    NOT NULL,
    amount      TEXT    NOT NULL,
    granted_seq BIGINT  NOT NULL,
    rule_set    TEXT    NOT NULL,
    seq         BIGINT  NOT NULL,
    PRIMARY KEY (person_id, month)
);
CREATE INDEX benefit_payment_month ON benefit_payment (month);

CREATE TABLE subsidy (
    person_id   TEXT    NOT NULL,
    month       TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    amount      TEXT    NOT NULL,
    basis       TEXT    NOT NULL,
    seq         BIGINT  NOT NULL,
    PRIMARY KEY (person_id, month, kind)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON benefit_payment, subsidy TO sirm_app;
