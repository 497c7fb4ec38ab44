-- SIRM schema v9 (SQLite): the telephone / self-service query PIN (查询密码, Art 14).
-- Mutable security state, not in the ledger: only an argon2id hash of the PIN,
-- the consecutive failures and the lock. Every change is audited in the ledger
-- (security stream); set_seq is the seq of the audit entry that set the PIN.
CREATE TABLE query_pin (
    person_id       TEXT    PRIMARY KEY,
    pin_hash        TEXT    NOT NULL,
    failures        BIGINT  NOT NULL DEFAULT 0,
    locked_until_us BIGINT  NOT NULL DEFAULT 0,
    set_seq         BIGINT  NOT NULL
);
