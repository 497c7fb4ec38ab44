-- SIRM schema v23 (SQLite): insurance relationships per person and
-- insurance type (参保关系), projected from insurance.enrolled /
-- insurance.suspended / insurance.terminated, employment.started (an
-- employment enrols in all four types), flexible.registered (pension and
-- medical, payer `flexible`, with the chosen base) and person.deregistered
-- (every open relationship terminated); and person de-registrations
-- (人员注销). Persons by blind index.
CREATE TABLE insurance_relation (
    person_id    TEXT    NOT NULL,
    insurance    TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    payer        TEXT    NOT NULL,
    enrolled_on  TEXT    NOT NULL,
    changed_on   TEXT    NOT NULL,
    reason       TEXT    NOT NULL DEFAULT '',
    base         TEXT    NOT NULL DEFAULT '',
    last_seq     BIGINT  NOT NULL,
    PRIMARY KEY (person_id, insurance)
);
CREATE INDEX insurance_relation_status ON insurance_relation (status, person_id);
CREATE TABLE person_deregistration (
    person_id     TEXT    PRIMARY KEY,
    reason        TEXT    NOT NULL,
    effective_on  TEXT    NOT NULL,
    death_date    TEXT    NOT NULL DEFAULT '',
    note          TEXT    NOT NULL DEFAULT '',
    seq           BIGINT  NOT NULL
);
