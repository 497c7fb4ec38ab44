//! Stored tree state: the roots of the ledger's perfect Merkle subtrees of
//! 16 leaves or more (`ledger_node`, migration 14), so that an inclusion or
//! consistency proof reads O(log n) rows instead of every leaf hash.
//!
//! - **Written with the entries.** The append path hands every leaf to
//!   [`Frontier::push_with`], which names each perfect subtree the leaf
//!   completes; those of level ≥ [`NODE_MIN_LEVEL`] are inserted in the same
//!   transaction as the entries (about one row per 8 entries). Nothing old is
//!   read: the frontier already holds every root a new node is made of.
//! - **Read in one statement.** A proof is first run against a
//!   [`SubtreeRecorder`] (its shape depends on sizes and indices only), which
//!   names the perfect subtrees it needs: O(log n) stored nodes, and below
//!   level 4 the leaf hashes of at most a few blocks of 16 entries. One
//!   `SELECT … UNION ALL SELECT …` reads them all by primary key; the proof
//!   is then computed from them by `sirm-ledger` and is byte for byte the
//!   one computed from all leaves (the conformance suite compares them).
//! - **Never trusted alone.** Callers check every proof against a signed
//!   root before handing it out; `sirm verify` recomputes every stored node
//!   from the leaf hashes ([`NodeCheck`]).
//! - **Caught up when behind.** A ledger written before migration 14 has no
//!   nodes: [`Store::migrate`] fills them in, streaming the leaf hashes in
//!   chunks (memory bounded by the chunk), and so does the next append if that
//!   was interrupted. The table is always complete for a prefix of the ledger,
//!   so how far it reaches is one indexed `MAX`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sirm_ledger::merkle::{self, Frontier, Subtree, SubtreeRecorder, SubtreeSource};
use sirm_ledger::{CryptoProfile, Digest};
use sqlx::{AnyConnection, Row};

use crate::engine::{self, Engine};
use crate::ledger_rows::{i64_of, u64_in};
use crate::rows::{read_each, Reader};
use crate::{Store, StoreError};

/// Lowest level of a stored node: subtrees of 16 leaves. Below it the
/// (at most 16) leaf hashes of a block are read instead, by one range.
pub const NODE_MIN_LEVEL: u32 = 4;
/// Rows per multi-row INSERT of nodes (3 binds each).
const NODE_ROWS_PER_STATEMENT: usize = 1000;
/// Leaf hashes read at once when catching up (2 MiB of hashes).
pub(crate) const CATCH_UP_CHUNK: u64 = 1 << 16;
/// Computed nodes compared with the stored ones at once by [`NodeCheck`].
pub(crate) const CHECK_BATCH: usize = 4096;
/// Node findings kept by [`NodeCheck`]; the rest are only counted.
pub(crate) const MAX_NODE_FINDINGS: usize = 20;

/// An inclusion proof computed from stored tree state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredInclusion {
    /// The leaf hash as stored.
    pub leaf: Digest,
    /// The audit path, leaf to root (RFC 6962 PATH).
    pub proof: Vec<Digest>,
}

/// A consistency proof computed from stored tree state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredConsistency {
    pub old_root: Digest,
    pub new_root: Digest,
    /// RFC 6962 PROOF(old_size, D[new_size]).
    pub proof: Vec<Digest>,
}

/// A proof's reads, for [`Store::proof_read_cost`].
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub enum ProofShape {
    Inclusion {
        tree_size: u64,
        index: u64,
    },
    Consistency {
        old_size: u64,
        new_size: u64,
    },
    /// What proofs read before stored tree state: every leaf hash up to
    /// `tree_size` (`Store::leaf_hashes`), as a yardstick.
    LeafScan {
        tree_size: u64,
    },
}

/// What a read cost the database, as the engine itself counts it.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadCost {
    pub statements: u64,
    pub rows_returned: u64,
    /// PostgreSQL: rows read by sequential scans (`seq_tup_read`); SQLite:
    /// steps of full table scans (`SQLITE_STMTSTATUS_FULLSCAN_STEP`).
    pub full_scan_rows: u64,
    /// PostgreSQL: rows fetched through indexes (`idx_tup_fetch`); SQLite:
    /// virtual machine steps (`SQLITE_STMTSTATUS_VM_STEP`), at least one for
    /// every row an index or table cursor visits.
    pub work: u64,
}

/// One statement reading `(level, index, hash)` rows: stored nodes, and
/// leaf hashes as level 0.
pub(crate) struct Read {
    pub(crate) sql: String,
    pub(crate) params: Vec<i64>,
}

type NodeRow = (i64, i64, Vec<u8>);

pub(crate) fn node_label(s: Subtree) -> String {
    format!(
        "stored tree node level {} index {} (entries {}–{})",
        s.level,
        s.index,
        s.first_leaf() + 1,
        s.end()
    )
}

/// The reads a set of wanted subtrees needs: stored nodes by key, and the
/// leaves of the lower subtrees as merged ranges of leaf indices `[a, b)`.
///
/// The nodes are looked up by primary key either way; the form differs by
/// engine. SQLite: `(level = ? AND idx IN (…)) OR …`, one index search per
/// key. PostgreSQL: a join with the keys as `VALUES`, a nested loop of
/// primary-key scans; planning and running a `BitmapOr` of one arm per
/// level grew with the number of levels (+40 % from 10^5 to 10^7 entries,
/// measured with `EXPLAIN ANALYZE`), the join hardly at all.
fn plan(engine: Engine, wanted: &BTreeSet<Subtree>) -> Option<Read> {
    let mut by_level: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
    let mut ranges: Vec<(u64, u64)> = Vec::new();
    for s in wanted {
        if s.level >= NODE_MIN_LEVEL {
            by_level.entry(s.level).or_default().push(s.index);
        } else {
            ranges.push((s.first_leaf(), s.end()));
        }
    }
    ranges.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::new();
    for (a, b) in ranges {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    let mut params = Vec::new();
    let mut parts = Vec::new();
    if !by_level.is_empty() && engine == Engine::Postgres {
        let mut keys = Vec::new();
        for (level, idxs) in &by_level {
            for i in idxs {
                params.push(i64::from(*level));
                params.push(i64_of(*i));
                keys.push(format!(
                    "(CAST(${} AS BIGINT), CAST(${} AS BIGINT))",
                    params.len() - 1,
                    params.len()
                ));
            }
        }
        parts.push(format!(
            "SELECT n.level, n.idx, n.hash FROM ledger_node n \
             JOIN (VALUES {}) AS k (level, idx) ON n.level = k.level AND n.idx = k.idx",
            keys.join(", ")
        ));
    } else if !by_level.is_empty() {
        let mut terms = Vec::new();
        for (level, idxs) in &by_level {
            params.push(i64::from(*level));
            let l = params.len();
            let mut list = Vec::new();
            for i in idxs {
                params.push(i64_of(*i));
                list.push(format!("${}", params.len()));
            }
            terms.push(format!("(level = ${l} AND idx IN ({}))", list.join(", ")));
        }
        parts.push(format!(
            "SELECT level, idx, hash FROM ledger_node WHERE {}",
            terms.join(" OR ")
        ));
    }
    if !merged.is_empty() {
        let mut terms = Vec::new();
        for (a, b) in merged {
            // Leaf index i is entry seq i + 1.
            params.push(i64_of(a + 1));
            params.push(i64_of(b));
            terms.push(format!(
                "(seq BETWEEN ${} AND ${})",
                params.len() - 1,
                params.len()
            ));
        }
        parts.push(format!(
            "SELECT 0, seq - 1, leaf_hash FROM ledger_entry WHERE {}",
            terms.join(" OR ")
        ));
    }
    (!parts.is_empty()).then(|| Read {
        sql: parts.join(" UNION ALL "),
        params,
    })
}

/// Subtree roots answered from what [`plan`]'s read returned.
struct Stored {
    profile: CryptoProfile,
    nodes: HashMap<Subtree, Digest>,
    leaves: HashMap<u64, Digest>,
}

impl Stored {
    fn from_rows(profile: CryptoProfile, rows: Vec<NodeRow>) -> Result<Stored, StoreError> {
        let mut nodes = HashMap::new();
        let mut leaves = HashMap::new();
        for (level, index, hash) in rows {
            let level = u32::try_from(level)
                .map_err(|_| StoreError::Corrupt(format!("stored tree node level {level}")))?;
            let index = u64_in(index, "ledger_node", "idx")?;
            let s = Subtree { level, index };
            let what = if level == 0 {
                format!("entry {} leaf hash", index + 1)
            } else {
                node_label(s)
            };
            let hash = crate::ledger_rows::digest_of(&hash, &what)?;
            if level == 0 {
                leaves.insert(index, hash);
            } else {
                nodes.insert(s, hash);
            }
        }
        Ok(Stored {
            profile,
            nodes,
            leaves,
        })
    }
}

impl SubtreeSource for Stored {
    type Error = StoreError;

    fn subtree(&mut self, s: Subtree) -> Result<Digest, StoreError> {
        if s.level >= NODE_MIN_LEVEL {
            return self.nodes.get(&s).copied().ok_or_else(|| {
                StoreError::Inconsistent(format!(
                    "{} is missing (the stored tree state lags the ledger: `sirm migrate` catches it up)",
                    node_label(s)
                ))
            });
        }
        let mut leaves = Vec::with_capacity(1 << s.level);
        for i in s.first_leaf()..s.end() {
            let leaf = self
                .leaves
                .get(&i)
                .ok_or_else(|| StoreError::Inconsistent(format!("entry {} is missing", i + 1)))?;
            leaves.push(*leaf);
        }
        Ok(merkle::root_of(self.profile, &leaves))
    }
}

impl Store {
    /// Run one read of `(level, index, hash)` rows. On a SQLite file it runs
    /// on a pooled `rusqlite` connection (one thread hop, see `bulk.rs`),
    /// which also reports what the statement cost.
    pub(crate) async fn run_read(
        &self,
        read: Read,
    ) -> Result<(Vec<NodeRow>, ReadCost), StoreError> {
        if let Some(bulk) = &self.bulk {
            return bulk
                .read(move |conn| {
                    use rusqlite::StatementStatus;
                    let mut stmt = conn.prepare_cached(&read.sql)?;
                    stmt.reset_status(StatementStatus::VmStep);
                    stmt.reset_status(StatementStatus::FullscanStep);
                    for (i, p) in read.params.iter().enumerate() {
                        stmt.raw_bind_parameter(i + 1, *p)?;
                    }
                    let mut out: Vec<NodeRow> = Vec::new();
                    let mut rows = stmt.raw_query();
                    while let Some(r) = rows.next()? {
                        out.push((r.get(0)?, r.get(1)?, r.get(2)?));
                    }
                    drop(rows);
                    let cost = ReadCost {
                        statements: 1,
                        rows_returned: out.len() as u64,
                        full_scan_rows: u64::try_from(
                            stmt.get_status(StatementStatus::FullscanStep),
                        )
                        .unwrap_or(0),
                        work: u64::try_from(stmt.get_status(StatementStatus::VmStep)).unwrap_or(0),
                    };
                    Ok((out, cost))
                })
                .await;
        }
        let mut conn = self.pool.acquire().await?;
        let rows = fetch_read(&mut conn, &read).await?;
        let cost = ReadCost {
            statements: 1,
            rows_returned: rows.len() as u64,
            ..ReadCost::default()
        };
        Ok((rows, cost))
    }

    /// The stored subtrees a proof computation asks `recorder` for.
    async fn read_wanted(
        &self,
        profile: CryptoProfile,
        recorder: &SubtreeRecorder,
    ) -> Result<Stored, StoreError> {
        let rows = match plan(self.engine, &recorder.wanted) {
            Some(read) => self.run_read(read).await?.0,
            None => Vec::new(),
        };
        Stored::from_rows(profile, rows)
    }

    /// Inclusion proof of leaf `index` (entry `index + 1`) in the tree of
    /// the first `tree_size` entries, from stored tree state: one statement
    /// reading O(log n) stored nodes and at most two blocks of 16 leaf
    /// hashes. The caller checks it against a signed root.
    pub async fn inclusion_proof(
        &self,
        profile: CryptoProfile,
        tree_size: u64,
        index: u64,
    ) -> Result<StoredInclusion, StoreError> {
        let leaf = Subtree { level: 0, index };
        let mut rec = SubtreeRecorder::default();
        rec.wanted.insert(leaf);
        merkle::inclusion_proof_from(profile, tree_size, index, &mut rec)?;
        let mut src = self.read_wanted(profile, &rec).await?;
        Ok(StoredInclusion {
            leaf: src.subtree(leaf)?,
            proof: merkle::inclusion_proof_from(profile, tree_size, index, &mut src)?,
        })
    }

    /// Consistency proof between the trees of the first `old_size` and
    /// `new_size` entries (`0 < old_size <= new_size`) with both roots, from
    /// stored tree state in one statement.
    pub async fn consistency_proof(
        &self,
        profile: CryptoProfile,
        old_size: u64,
        new_size: u64,
    ) -> Result<StoredConsistency, StoreError> {
        let mut rec = SubtreeRecorder::default();
        merkle::consistency_proof_from(profile, old_size, new_size, &mut rec)?;
        merkle::root_from(profile, old_size, &mut rec)?;
        merkle::root_from(profile, new_size, &mut rec)?;
        let mut src = self.read_wanted(profile, &rec).await?;
        Ok(StoredConsistency {
            old_root: merkle::root_from(profile, old_size, &mut src)?,
            new_root: merkle::root_from(profile, new_size, &mut src)?,
            proof: merkle::consistency_proof_from(profile, old_size, new_size, &mut src)?,
        })
    }

    /// What the reads of one proof cost, counted by the engine (tests of
    /// the O(log n) bound; needs a SQLite file or PostgreSQL). PostgreSQL
    /// counts per transaction, so the read runs in one that is rolled back.
    #[doc(hidden)]
    pub async fn proof_read_cost(&self, shape: ProofShape) -> Result<ReadCost, StoreError> {
        let profile = CryptoProfile::default();
        let mut rec = SubtreeRecorder::default();
        let read = match shape {
            ProofShape::Inclusion { tree_size, index } => {
                rec.wanted.insert(Subtree { level: 0, index });
                merkle::inclusion_proof_from(profile, tree_size, index, &mut rec)?;
                plan(self.engine, &rec.wanted)
            }
            ProofShape::Consistency { old_size, new_size } => {
                merkle::consistency_proof_from(profile, old_size, new_size, &mut rec)?;
                merkle::root_from(profile, old_size, &mut rec)?;
                merkle::root_from(profile, new_size, &mut rec)?;
                plan(self.engine, &rec.wanted)
            }
            ProofShape::LeafScan { tree_size } => Some(Read {
                sql: "SELECT 0, seq - 1, leaf_hash FROM ledger_entry WHERE seq <= $1 ORDER BY seq"
                    .into(),
                params: vec![i64_of(tree_size)],
            }),
        };
        let Some(read) = read else {
            return Ok(ReadCost::default());
        };
        match self.engine {
            Engine::Sqlite if self.bulk.is_some() => Ok(self.run_read(read).await?.1),
            Engine::Sqlite => Err(StoreError::Inconsistent(
                "read costs are counted on SQLite files only".into(),
            )),
            Engine::Postgres => {
                // The backend's counters not yet flushed to the statistics
                // (this transaction's and possibly earlier ones'): the
                // difference across the read is the read's. Nothing is
                // flushed inside a transaction block.
                const STATS: &str = "SELECT CAST(COALESCE(SUM(seq_tup_read), 0) AS BIGINT), \
                            CAST(COALESCE(SUM(idx_tup_fetch), 0) AS BIGINT) \
                     FROM pg_stat_xact_user_tables \
                     WHERE schemaname = current_schema() AND relname IN ('ledger_entry', 'ledger_node')";
                let mut tx = self.pool.begin().await?;
                let before = sqlx::query(STATS).fetch_one(&mut *tx).await?;
                let rows = fetch_read(&mut tx, &read).await?;
                let after = sqlx::query(STATS).fetch_one(&mut *tx).await?;
                tx.rollback().await?;
                let delta = |i: usize| -> Result<u64, StoreError> {
                    let a: i64 = after.try_get(i)?;
                    let b: i64 = before.try_get(i)?;
                    // A statistics counter: a reset reads as no change.
                    Ok(u64::try_from(a - b).unwrap_or(0))
                };
                Ok(ReadCost {
                    statements: 1,
                    rows_returned: rows.len() as u64,
                    full_scan_rows: delta(0)?,
                    work: delta(1)?,
                })
            }
        }
    }

    /// Fill in the stored tree nodes of every entry that has none (a ledger
    /// written before migration 14, or a catch-up that was interrupted),
    /// streaming the leaf hashes in chunks. Serialised with appends; returns
    /// the number of nodes written. Run by [`Store::migrate`].
    pub async fn catch_up_tree(&self) -> Result<u64, StoreError> {
        self.catch_up_tree_in_chunks(CATCH_UP_CHUNK).await
    }

    /// [`Store::catch_up_tree`] reading `chunk` leaf hashes at a time
    /// (rounded up to a multiple of 16; tests use small chunks).
    #[doc(hidden)]
    pub async fn catch_up_tree_in_chunks(&self, chunk: u64) -> Result<u64, StoreError> {
        let _serial = self.append_lock.lock().await;
        let mut tx = engine::begin_write(&self.pool, self.engine).await?;
        self.lock_appends(&mut tx).await?;
        let head = sqlx::query(
            "SELECT tree_size, profile FROM ledger_checkpoint ORDER BY tree_size DESC LIMIT 1",
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(head) = head else {
            return Ok(0);
        };
        let r = Reader::new("ledger_checkpoint", &["tree_size", "profile"], &head);
        let tree_size = u64_in(r.int("tree_size")?, "ledger_checkpoint", "tree_size")?;
        let profile_name = r.text("profile")?;
        let profile = CryptoProfile::from_name(&profile_name)
            .map_err(|e| StoreError::Corrupt(format!("checkpoint {tree_size}: {e}")))?;
        let written = catch_up(&mut tx, self.engine, profile, tree_size, chunk).await?;
        tx.commit().await?;
        Ok(written)
    }
}

async fn fetch_read(conn: &mut AnyConnection, read: &Read) -> Result<Vec<NodeRow>, StoreError> {
    let mut q = sqlx::query(&read.sql);
    for p in &read.params {
        q = q.bind(*p);
    }
    let rows = q.fetch_all(&mut *conn).await?;
    read_each("ledger_node", &["level", "idx", "hash"], &rows, |r| {
        Ok((r.int("level")?, r.int("idx")?, r.bytes("hash")?))
    })
}

/// A multi-row INSERT of nodes (`?` on SQLite, `$n` on PostgreSQL, as for
/// entries).
fn insert_nodes_sql(engine: Engine, rows: usize) -> String {
    let mut sql = String::from("INSERT INTO ledger_node (level, idx, hash) VALUES ");
    for i in 0..rows {
        if i > 0 {
            sql.push(',');
        }
        match engine {
            Engine::Sqlite => sql.push_str("(?,?,?)"),
            Engine::Postgres => {
                let n = 3 * i;
                sql.push_str(&format!("(${},${},${})", n + 1, n + 2, n + 3));
            }
        }
    }
    sql
}

/// Insert nodes (in the caller's transaction).
pub(crate) async fn insert_nodes(
    conn: &mut AnyConnection,
    engine: Engine,
    nodes: &[(Subtree, Digest)],
) -> Result<(), StoreError> {
    for chunk in nodes.chunks(NODE_ROWS_PER_STATEMENT) {
        let sql = insert_nodes_sql(engine, chunk.len());
        let mut q = sqlx::query(&sql);
        for (s, hash) in chunk {
            q = q
                .bind(i64::from(s.level))
                .bind(i64_of(s.index))
                .bind(hash.to_vec());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Keep the nodes a push completed that are stored.
pub(crate) fn keep_stored(out: &mut Vec<(Subtree, Digest)>) -> impl FnMut(Subtree, &Digest) + '_ {
    move |s, d| {
        if s.level >= NODE_MIN_LEVEL {
            out.push((s, *d));
        }
    }
}

/// How many leaves the stored nodes cover: the table is complete for a
/// prefix of the ledger, a multiple of 16 leaves long.
async fn covered(conn: &mut AnyConnection) -> Result<u64, StoreError> {
    let max: Option<i64> = sqlx::query_scalar("SELECT MAX(idx) FROM ledger_node WHERE level = $1")
        .bind(i64::from(NODE_MIN_LEVEL))
        .fetch_one(&mut *conn)
        .await?;
    match max {
        None => Ok(0),
        Some(m) => Ok((u64_in(m, "ledger_node", "idx")? + 1) << NODE_MIN_LEVEL),
    }
}

/// Make the stored nodes cover the tree of `tree_size` entries (in the
/// caller's write transaction, which holds the append lock). Reads the
/// frontier where the nodes stop from the nodes themselves, then the leaf
/// hashes after it `chunk` at a time. Returns the number of nodes written.
pub(crate) async fn catch_up(
    conn: &mut AnyConnection,
    engine: Engine,
    profile: CryptoProfile,
    tree_size: u64,
    chunk: u64,
) -> Result<u64, StoreError> {
    let block = 1u64 << NODE_MIN_LEVEL;
    let target = tree_size / block * block;
    let start = covered(conn).await?;
    if start > target {
        return Err(StoreError::Inconsistent(format!(
            "stored tree nodes cover {start} entries but the ledger has {tree_size}: \
             entries were removed"
        )));
    }
    if start == target {
        return Ok(0);
    }
    let parts = Frontier::subtrees(start);
    let mut rec = SubtreeRecorder::default();
    rec.wanted.extend(parts.iter().copied());
    let mut stored = match plan(engine, &rec.wanted) {
        Some(read) => Stored::from_rows(profile, fetch_read(conn, &read).await?)?,
        None => Stored::from_rows(profile, Vec::new())?,
    };
    let mut hashes = Vec::with_capacity(parts.len());
    for s in parts {
        hashes.push(stored.subtree(s)?);
    }
    let mut frontier = Frontier::from_hashes(start, hashes)?;
    let chunk = chunk.max(1).div_ceil(block) * block;
    let mut written = 0u64;
    let mut pos = start;
    let mut nodes = Vec::new();
    while pos < target {
        let end = (pos + chunk).min(target);
        let rows = sqlx::query(
            "SELECT seq, leaf_hash FROM ledger_entry WHERE seq > $1 AND seq <= $2 ORDER BY seq",
        )
        .bind(i64_of(pos))
        .bind(i64_of(end))
        .fetch_all(&mut *conn)
        .await?;
        nodes.clear();
        for row in &rows {
            let r = Reader::new("ledger_entry", &["seq", "leaf_hash"], row);
            let seq = u64_in(r.int("seq")?, "ledger_entry", "seq")?;
            let want = frontier.size() + 1;
            if seq != want {
                return Err(StoreError::Inconsistent(format!(
                    "entry {want} is missing (found {seq} after {})",
                    want - 1
                )));
            }
            let bytes = r.bytes("leaf_hash")?;
            let leaf = crate::ledger_rows::digest_of(&bytes, &format!("entry {seq} leaf hash"))?;
            frontier.push_with(profile, leaf, keep_stored(&mut nodes));
        }
        if frontier.size() != end {
            return Err(StoreError::Inconsistent(format!(
                "entry {} is missing",
                frontier.size() + 1
            )));
        }
        insert_nodes(conn, engine, &nodes).await?;
        written += nodes.len() as u64;
        pos = end;
    }
    Ok(written)
}
