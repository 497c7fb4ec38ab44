-- SIRM schema v10 (PostgreSQL): the query log (Art 21). Every query of a rights
-- record, by any channel; append-only like the ledger, but not hashed (a
-- query is an access record, not a right). Third-party queries are also
-- recorded in the ledger's security stream.
CREATE TABLE query_log (
    time_us     BIGINT  NOT NULL,
    channel     TEXT    NOT NULL,
    requester_kind TEXT NOT NULL,
    requester   TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    items       TEXT    NOT NULL,
    basis       TEXT    NOT NULL,
    source      TEXT    NOT NULL
);
CREATE INDEX query_log_subject ON query_log (subject, time_us);
GRANT SELECT, INSERT ON query_log TO sirm_app;
