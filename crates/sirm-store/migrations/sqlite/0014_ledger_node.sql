-- SIRM schema v14 (SQLite): stored tree state. The root hash of every
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
-- recomputes every node from the leaves. Append-only like the ledger.
-- A ledger written before this version is caught up by `sirm migrate`
-- (`Store::migrate`; SQLite has no SHA-256 in SQL), and by the next append
-- if that was interrupted.
CREATE TABLE ledger_node (
    level   BIGINT  NOT NULL CHECK (level >= 4 AND level < 64),
    idx     BIGINT  NOT NULL CHECK (idx >= 0),
    hash    BLOB    NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

CREATE TRIGGER ledger_node_no_update BEFORE UPDATE ON ledger_node
BEGIN SELECT RAISE(ABORT, 'ledger_node is append-only (SIRM ledger guard)'); END;
CREATE TRIGGER ledger_node_no_delete BEFORE DELETE ON ledger_node
BEGIN SELECT RAISE(ABORT, 'ledger_node is append-only (SIRM ledger guard)'); END;
