-- SIRM schema v1 for PostgreSQL.
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
    leaf_hash   BYTEA    NOT NULL
);
CREATE INDEX ledger_entry_subject ON ledger_entry (subject, seq);
CREATE INDEX ledger_entry_kind ON ledger_entry (stream, kind, seq);

CREATE TABLE ledger_checkpoint (
    tree_size   BIGINT  PRIMARY KEY,
    time_us     BIGINT  NOT NULL,
    origin      TEXT    NOT NULL,
    root        BYTEA    NOT NULL,
    frontier    BYTEA    NOT NULL,
    profile     TEXT    NOT NULL,
    key_id      TEXT    NOT NULL,
    signature   BYTEA    NOT NULL
);

CREATE FUNCTION sirm_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (SIRM ledger guard)', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER installation_append_only BEFORE UPDATE OR DELETE ON installation
    FOR EACH ROW EXECUTE FUNCTION sirm_refuse_change();
CREATE TRIGGER installation_no_truncate BEFORE TRUNCATE ON installation
    FOR EACH STATEMENT EXECUTE FUNCTION sirm_refuse_change();
CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION sirm_refuse_change();
CREATE TRIGGER ledger_entry_no_truncate BEFORE TRUNCATE ON ledger_entry
    FOR EACH STATEMENT EXECUTE FUNCTION sirm_refuse_change();
CREATE TRIGGER ledger_checkpoint_append_only BEFORE UPDATE OR DELETE ON ledger_checkpoint
    FOR EACH ROW EXECUTE FUNCTION sirm_refuse_change();
CREATE TRIGGER ledger_checkpoint_no_truncate BEFORE TRUNCATE ON ledger_checkpoint
    FOR EACH STATEMENT EXECUTE FUNCTION sirm_refuse_change();

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

-- The application role: it may read and append to the ledger, never change or
-- remove a ledger row. Runtime connections `SET ROLE sirm_app`; only
-- migrations run as the owner. The role is cluster-wide; grants are per schema.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sirm_app') THEN
        CREATE ROLE sirm_app NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- created concurrently by another installation in this cluster
END $$;

DO $$
BEGIN
    EXECUTE format('GRANT sirm_app TO %I', current_user);
EXCEPTION WHEN others THEN
    NULL; -- superusers and members already may SET ROLE sirm_app
END $$;

DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO sirm_app', current_schema());
END $$;
GRANT SELECT, INSERT ON installation, ledger_entry, ledger_checkpoint TO sirm_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON agency, employer, person, registration_history, account, credential TO sirm_app;
GRANT SELECT ON _sqlx_migrations TO sirm_app;
