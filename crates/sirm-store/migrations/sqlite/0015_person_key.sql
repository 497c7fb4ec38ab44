-- SIRM schema v15: per-person data keys (docs/privacy.md).
-- Each insured person's personal fields (ID number, name, address, phone,
-- certificate contents) are sealed under that person's own data key; the
-- data key is kept here only wrapped (sealed) under the agency's
-- key-encryption key, which lives outside the database. Mutable on
-- purpose: `sirm keys rotate` re-wraps every row under a new key-encryption
-- key without touching the ledger, and erasure (Art 25 / PIPL) clears
-- `wrapped`, which makes the person's fields unreadable everywhere.
CREATE TABLE person_key (
    person_id   TEXT    PRIMARY KEY,
    wrapped     TEXT,
    kek_id      TEXT    NOT NULL,
    created_us  BIGINT  NOT NULL,
    erased_us   BIGINT
);
CREATE INDEX person_key_kek ON person_key (kek_id);

-- Which keys this database belongs with: the index key's fingerprint and
-- the current key-encryption key's id (`sirm keys status`). `Sirm::open`
-- refuses a key file that does not match, before anything is written.
CREATE TABLE key_registry (
    name        TEXT    PRIMARY KEY,
    value       TEXT    NOT NULL,
    changed_us  BIGINT  NOT NULL
);
