-- SIRM schema v1 for SQLite.
-- Ledger tables are append-only: the triggers below refuse UPDATE and DELETE
-- (Art 6: no direct writes to the database; Art 28: no altered records).
-- `sirm verify` also checks that these triggers are still present.

CREATE TABLE installation (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    origin      TEXT    NOT NULL,
    agency_code TEXT    NOT NULL,
    agency_name TEXT    NOT NULL,
    profile     TEXT    NOT NULL,
    public_key  TEXT    NOT NULL,
    created_us  BIGINT  NOT NULL
);

CREATE TABLE ledger_entry (
    seq         BIGINT  PRIMARY KEY,
    time_us     BIGINT  NOT NULL,
    agency      TEXT    NOT NULL,
    stream      TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    application TEXT,
    actors      TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    leaf_hash   BLOB    NOT NULL
);
CREATE INDEX ledger_entry_subject ON ledger_entry (subject, seq);
CREATE INDEX ledger_entry_kind ON ledger_entry (stream, kind, seq);

CREATE TABLE ledger_checkpoint (
    tree_size   BIGINT  PRIMARY KEY,
    time_us     BIGINT  NOT NULL,
    origin      TEXT    NOT NULL,
    root        BLOB    NOT NULL,
    frontier    BLOB    NOT NULL,
    profile     TEXT    NOT NULL,
    key_id      TEXT    NOT NULL,
    signature   BLOB    NOT NULL
);

CREATE TRIGGER installation_no_update BEFORE UPDATE ON installation
BEGIN SELECT RAISE(ABORT, 'installation is append-only (SIRM ledger guard)'); END;
CREATE TRIGGER installation_no_delete BEFORE DELETE ON installation
BEGIN SELECT RAISE(ABORT, 'installation is append-only (SIRM ledger guard)'); END;
CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry
BEGIN SELECT RAISE(ABORT, 'ledger_entry is append-only (SIRM ledger guard)'); END;
CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON ledger_entry
BEGIN SELECT RAISE(ABORT, 'ledger_entry is append-only (SIRM ledger guard)'); END;
CREATE TRIGGER ledger_checkpoint_no_update BEFORE UPDATE ON ledger_checkpoint
BEGIN SELECT RAISE(ABORT, 'ledger_checkpoint is append-only (SIRM ledger guard)'); END;
CREATE TRIGGER ledger_checkpoint_no_delete BEFORE DELETE ON ledger_checkpoint
BEGIN SELECT RAISE(ABORT, 'ledger_checkpoint is append-only (SIRM ledger guard)'); END;

-- Projections: written only by the ledger applier; `sirm rebuild` empties and
-- refills them from the ledger.
CREATE TABLE agency (
    code        TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    region      TEXT    NOT NULL,
    first_seq   BIGINT  NOT NULL,
    last_seq    BIGINT  NOT NULL
);

CREATE TABLE employer (
    credit_code     TEXT    PRIMARY KEY,
    name            TEXT    NOT NULL,
    region          TEXT    NOT NULL,
    address         TEXT    NOT NULL,
    industry_class  BIGINT  NOT NULL,
    status          TEXT    NOT NULL,
    registered_on   TEXT    NOT NULL,
    deregistered_on TEXT,
    agency          TEXT    NOT NULL,
    first_seq       BIGINT  NOT NULL,
    last_seq        BIGINT  NOT NULL
);

CREATE TABLE person (
    person_id     TEXT    PRIMARY KEY,
    name          TEXT    NOT NULL,
    gender        TEXT    NOT NULL,
    birth_date    TEXT    NOT NULL,
    address       TEXT    NOT NULL,
    phone         TEXT    NOT NULL,
    registered_on TEXT    NOT NULL,
    agency        TEXT    NOT NULL,
    first_seq     BIGINT  NOT NULL,
    last_seq      BIGINT  NOT NULL,
    -- Sealed under the person's data key, like name, address and phone;
    -- person_id is the blind index (docs/privacy.md).
    id_number     TEXT    NOT NULL
);

-- Every registration event of a person or employer, in ledger order.
CREATE TABLE registration_history (
    seq           BIGINT  PRIMARY KEY,
    subject       TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    effective_on  TEXT    NOT NULL,
    summary       TEXT    NOT NULL
);
CREATE INDEX registration_history_subject ON registration_history (subject, seq);

CREATE TABLE account (
    username      TEXT    PRIMARY KEY,
    display_name  TEXT    NOT NULL,
    agency        TEXT    NOT NULL,
    roles         TEXT    NOT NULL,
    created_seq   BIGINT  NOT NULL
);

-- Not a projection and not part of the ledger: secrets that must be changeable
-- and must never be published (password hashes).
CREATE TABLE credential (
    username      TEXT    PRIMARY KEY,
    password_hash TEXT    NOT NULL,
    updated_us    BIGINT  NOT NULL
);
