-- SIRM schema v30 (PostgreSQL): settlements at contracted hospitals and
-- pharmacies (医疗费用结算记录), projected from medical.settled entries.
-- Persons by blind index only. The medical personal account is derived
-- from these and the contribution and payment rows (docs/medical.md).
CREATE TABLE medical_settlement (
    seq           BIGINT  PRIMARY KEY,
    person_id     TEXT    NOT NULL,
    settled_on    TEXT    NOT NULL,
    institution   TEXT    NOT NULL,
    total         TEXT    NOT NULL,
    fund_paid     TEXT    NOT NULL,
    account_paid  TEXT    NOT NULL,
    self_paid     TEXT    NOT NULL,
    file_sha256   TEXT    NOT NULL,
    line          BIGINT  NOT NULL
);
CREATE INDEX medical_settlement_person ON medical_settlement (person_id, settled_on);
GRANT SELECT, INSERT, UPDATE, DELETE ON medical_settlement TO sirm_app;
