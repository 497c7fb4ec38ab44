-- SIRM schema v13 (PostgreSQL): sign-in safety (security issue items 5 and 8).
-- Mutable security state, not in the ledger; every change is audited there.

-- Failed sign-ins per account and source address: guessing from one address
-- locks that address out of that account (GB/T 22239 login-failure handling)
-- without locking the account's owner out everywhere.
CREATE TABLE sign_in_failure (
    username        TEXT    NOT NULL,
    source          TEXT    NOT NULL,
    failures        BIGINT  NOT NULL DEFAULT 0,
    locked_until_us BIGINT  NOT NULL DEFAULT 0,
    last_us         BIGINT  NOT NULL,
    PRIMARY KEY (username, source)
);

-- One-time password-reset codes: an administrator (staff accounts) or a
-- clerk at the counter (external accounts) issues one; it only lets its
-- user choose a new password, once, before it expires. Only its hash is kept.
CREATE TABLE password_reset (
    username    TEXT    PRIMARY KEY,
    code_hash   TEXT    NOT NULL,
    issued_by   TEXT    NOT NULL,
    issued_us   BIGINT  NOT NULL,
    expires_us  BIGINT  NOT NULL
);

-- Who reset the password and when, shown to the user at the next sign-in.
ALTER TABLE credential ADD COLUMN reset_by TEXT;
ALTER TABLE credential ADD COLUMN reset_us BIGINT;
-- A message for the session's user (e.g. that the password was reset).
ALTER TABLE web_session ADD COLUMN notice TEXT;

GRANT SELECT, INSERT, UPDATE, DELETE ON sign_in_failure, password_reset TO sirm_app;

-- A role request asks for a grant or for a revocation; both take effect
-- only when the security administrator approves (security issue item 1).
ALTER TABLE role_request ADD COLUMN action TEXT NOT NULL DEFAULT 'grant';
