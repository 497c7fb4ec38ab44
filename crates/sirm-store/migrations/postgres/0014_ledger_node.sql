-- SIRM schema v14 (PostgreSQL): stored tree state. The root hash of every
-- perfect subtree of the ledger's Merkle tree with 2^level leaves,
-- level >= 4, written by the append path in the same transaction as the
-- entries that complete it. Node (level, idx) covers leaves
-- [idx * 2^level, (idx + 1) * 2^level), i.e. entries idx * 2^level + 1 ...
-- (idx + 1) * 2^level. An inclusion or consistency proof then reads
-- O(log n) of these rows plus at most a few blocks of 16 leaf hashes,
-- instead of every leaf. About n/8 rows for n entries.
--
-- Derived from the leaf hashes, never trusted alone: every proof is checked
-- against the signed checkpoint before it is served, and `sirm verify`
-- recomputes every node from the leaves. Append-only like the ledger: the
-- same guards, and the application role may only read and insert.
-- A ledger written before this version is caught up by `sirm migrate`
-- (`Store::migrate`, the same code on both engines), and by the next append
-- if that was interrupted.
CREATE TABLE ledger_node (
    level   BIGINT  NOT NULL CHECK (level >= 4 AND level < 64),
    idx     BIGINT  NOT NULL CHECK (idx >= 0),
    hash    BYTEA   NOT NULL,
    PRIMARY KEY (level, idx)
);

CREATE TRIGGER ledger_node_append_only BEFORE UPDATE OR DELETE ON ledger_node
    FOR EACH ROW EXECUTE FUNCTION sirm_refuse_change();
CREATE TRIGGER ledger_node_no_truncate BEFORE TRUNCATE ON ledger_node
    FOR EACH STATEMENT EXECUTE FUNCTION sirm_refuse_change();

GRANT SELECT, INSERT ON ledger_node TO sirm_app;
