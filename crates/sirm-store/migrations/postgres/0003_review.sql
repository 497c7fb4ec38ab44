-- SIRM schema v3 (PostgreSQL): business transactions and the review chain.

-- Projection: one row per application (业务单), its status and next stage.
CREATE TABLE application (
    application_id  TEXT    PRIMARY KEY,
    business_type   TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    agency          TEXT    NOT NULL,
    data            TEXT    NOT NULL,
    materials       TEXT    NOT NULL,
    chain           TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    next_stage      TEXT,
    reason          TEXT    NOT NULL,
    submitted_by    TEXT    NOT NULL,
    submitted_seq   BIGINT  NOT NULL,
    last_seq        BIGINT  NOT NULL
);
CREATE INDEX application_queue ON application (status, next_stage, submitted_seq);

-- Projection: every act on an application, in order (who did which stage).
CREATE TABLE application_step (
    seq             BIGINT  PRIMARY KEY,
    application_id  TEXT    NOT NULL,
    stage           TEXT    NOT NULL,
    actor           TEXT    NOT NULL,
    approve         BIGINT  NOT NULL,
    reason          TEXT    NOT NULL
);
CREATE INDEX application_step_app ON application_step (application_id, seq);

GRANT SELECT, INSERT, UPDATE, DELETE ON application, application_step TO sirm_app;
