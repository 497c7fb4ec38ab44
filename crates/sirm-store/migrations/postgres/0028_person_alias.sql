-- SIRM schema v28: ID-number changes (person.id_changed). A person keeps the
-- blind index they were registered under (person_id, the canonical key);
-- the blind index of each later ID number is an alias of it. Both numbers
-- are kept sealed under the person's data key, never in clear.
CREATE TABLE person_alias (
    alias_id            TEXT    PRIMARY KEY,
    person_id           TEXT    NOT NULL,
    id_number           TEXT    NOT NULL,
    previous_id_number  TEXT    NOT NULL,
    effective_on        TEXT    NOT NULL,
    reason              TEXT    NOT NULL,
    actors              TEXT    NOT NULL,
    seq                 BIGINT  NOT NULL
);
CREATE INDEX person_alias_person ON person_alias (person_id, seq);
CREATE INDEX person_alias_seq ON person_alias (seq);

GRANT SELECT, INSERT, UPDATE, DELETE ON person_alias TO sirm_app;
