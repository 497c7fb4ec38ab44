-- SIRM schema v2 (SQLite): identity, roles and separation of duties.

-- Accounts: roles move to their own projection table.
ALTER TABLE account DROP COLUMN roles;
ALTER TABLE account ADD COLUMN kind TEXT NOT NULL DEFAULT 'staff';
ALTER TABLE account ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE account ADD COLUMN person_id TEXT;
ALTER TABLE account ADD COLUMN employer TEXT;
ALTER TABLE account ADD COLUMN last_seq BIGINT NOT NULL DEFAULT 0;

-- Projection: roles in force (granted after approval, until revoked).
CREATE TABLE account_role (
    username    TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    granted_seq BIGINT  NOT NULL,
    PRIMARY KEY (username, role)
);

-- Projection: role requests (system administrator asks, security administrator decides).
CREATE TABLE role_request (
    request_id      TEXT    PRIMARY KEY,
    username        TEXT    NOT NULL,
    role            TEXT    NOT NULL,
    requested_by    TEXT    NOT NULL,
    reason          TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    decided_by      TEXT,
    decision_reason TEXT,
    requested_seq   BIGINT  NOT NULL,
    decided_seq     BIGINT
);
CREATE INDEX role_request_status ON role_request (status, requested_seq);

-- Projection: written authorizations of delegates (委托书), recorded by a clerk.
CREATE TABLE delegation (
    delegation_id     TEXT    PRIMARY KEY,
    person_id         TEXT    NOT NULL,
    delegate_username TEXT    NOT NULL,
    scope             TEXT    NOT NULL,
    valid_from        TEXT    NOT NULL,
    valid_until       TEXT    NOT NULL,
    document_sha256   TEXT    NOT NULL,
    recorded_by       TEXT    NOT NULL,
    recorded_seq      BIGINT  NOT NULL
);
CREATE INDEX delegation_delegate ON delegation (delegate_username);

-- Mutable security state (not in the ledger; every change to it is audited there).
ALTER TABLE credential ADD COLUMN must_change BIGINT NOT NULL DEFAULT 0;
ALTER TABLE credential ADD COLUMN changed_us BIGINT NOT NULL DEFAULT 0;
ALTER TABLE credential ADD COLUMN failed_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE credential ADD COLUMN locked_until_us BIGINT NOT NULL DEFAULT 0;
ALTER TABLE credential ADD COLUMN totp_secret TEXT;
ALTER TABLE credential ADD COLUMN totp_last_step BIGINT;
ALTER TABLE credential ADD COLUMN recovery_codes TEXT;

CREATE TABLE password_history (
    username      TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    changed_us    BIGINT  NOT NULL
);
CREATE INDEX password_history_user ON password_history (username, changed_us);

CREATE TABLE web_session (
    id_hash       TEXT    PRIMARY KEY,
    username      TEXT    NOT NULL,
    csrf          TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    created_us    BIGINT  NOT NULL,
    last_seen_us  BIGINT  NOT NULL
);
CREATE INDEX web_session_by_user ON web_session (username);

CREATE TABLE activation_code (
    code_hash   TEXT    PRIMARY KEY,
    person_id   TEXT    NOT NULL,
    issued_by   TEXT    NOT NULL,
    expires_us  BIGINT  NOT NULL,
    used_us     BIGINT
);
