-- SIRM schema v16: witness cosignatures of checkpoints (docs/witness.md).
-- Not part of the ledger: each line is a C2SP tlog-cosignature a witness
-- returned for the checkpoint at `tree_size`, verified against the
-- witness's key before it is kept, and verifiable by anyone holding that
-- key. Kept so the agency can serve its checkpoints cosigned.
CREATE TABLE checkpoint_cosignature (
    tree_size   BIGINT  NOT NULL,
    witness     TEXT    NOT NULL,
    line        TEXT    NOT NULL,
    created_us  BIGINT  NOT NULL,
    PRIMARY KEY (witness, tree_size)
);
CREATE INDEX checkpoint_cosignature_size ON checkpoint_cosignature (tree_size);

GRANT SELECT, INSERT ON checkpoint_cosignature TO sirm_app;
