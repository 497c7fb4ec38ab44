//! The check of the stored tree nodes against the leaf hashes, fed during a
//! full scan (`sirm verify`): every node recomputed from the leaves and
//! compared with the stored one, and nodes beyond the ledger found.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::Serialize;
use sirm_ledger::merkle::{Frontier, Subtree};
use sirm_ledger::{CryptoProfile, Digest};

use crate::ledger_rows::{i64_of, u64_in};
use crate::tree::{keep_stored, node_label, Read, CHECK_BATCH, MAX_NODE_FINDINGS, NODE_MIN_LEVEL};
use crate::{Store, StoreError};

impl Store {
    /// A checker of the stored tree nodes against the leaf hashes, fed
    /// during a full scan (`sirm verify`).
    pub fn node_check(&self, profile: CryptoProfile) -> NodeCheck {
        NodeCheck {
            store: self.clone(),
            profile,
            frontier: Frontier::new(),
            computed: Vec::new(),
            next_seq: 1,
            stopped: false,
            findings: Vec::new(),
            omitted: 0,
            checked: 0,
        }
    }
}

/// What is wrong with a stored tree node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeProblem {
    /// Its hash is not the root of its leaves' hashes.
    Disagrees,
    /// The ledger has its leaves but the node is not stored.
    Missing,
    /// It covers entries the ledger does not have (entries were removed, or
    /// the node was written outside the append path).
    BeyondLedger { entries: u64 },
}

/// A stored tree node that does not fit the leaves (`sirm verify`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeFinding {
    pub level: u32,
    pub index: u64,
    pub problem: NodeProblem,
}

impl fmt::Display for NodeFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = node_label(Subtree {
            level: self.level,
            index: self.index,
        });
        match &self.problem {
            NodeProblem::Disagrees => write!(f, "{label}: disagrees with the leaf hashes"),
            NodeProblem::Missing => write!(f, "{label}: missing"),
            NodeProblem::BeyondLedger { entries } => write!(
                f,
                "{label}: covers entries beyond the ledger's {entries} (entries were removed)"
            ),
        }
    }
}

/// What [`NodeCheck`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NodeCheckReport {
    /// The first problems, in ledger order.
    pub findings: Vec<NodeFinding>,
    /// Further problems not listed.
    pub omitted: u64,
    /// Stored nodes compared with the leaves.
    pub checked: u64,
}

impl NodeCheckReport {
    pub fn is_intact(&self) -> bool {
        self.findings.is_empty() && self.omitted == 0
    }
}

/// Checks the stored tree nodes against the leaf hashes as stored, fed in
/// ledger order during a full scan: every node the leaves complete is read
/// back (a batch at a time, by primary key ranges) and compared. When the
/// rows stop following each other (a missing or unreadable entry, which
/// the ledger verification names), the check stops there. At the end,
/// nodes beyond the last entry are reported.
pub struct NodeCheck {
    store: Store,
    profile: CryptoProfile,
    frontier: Frontier,
    computed: Vec<(Subtree, Digest)>,
    next_seq: i64,
    stopped: bool,
    findings: Vec<NodeFinding>,
    omitted: u64,
    checked: u64,
}

impl NodeCheck {
    /// The next row's seq and stored leaf hash.
    pub async fn push(&mut self, seq: i64, leaf: &[u8]) -> Result<(), StoreError> {
        if self.stopped {
            return Ok(());
        }
        let Ok(leaf) = <Digest>::try_from(leaf) else {
            self.stopped = true;
            return Ok(());
        };
        if seq != self.next_seq {
            self.stopped = true;
            return Ok(());
        }
        self.next_seq += 1;
        self.frontier
            .push_with(self.profile, leaf, keep_stored(&mut self.computed));
        if self.computed.len() >= CHECK_BATCH {
            self.flush().await?;
        }
        Ok(())
    }

    fn note(&mut self, finding: NodeFinding) {
        if self.findings.len() < MAX_NODE_FINDINGS {
            self.findings.push(finding);
        } else {
            self.omitted += 1;
        }
    }

    /// Compare the computed nodes with the stored ones.
    async fn flush(&mut self) -> Result<(), StoreError> {
        if self.computed.is_empty() {
            return Ok(());
        }
        // Per level, the computed nodes are a run of consecutive indices.
        let mut ranges: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
        for (s, _) in &self.computed {
            let r = ranges.entry(s.level).or_insert((s.index, s.index));
            r.0 = r.0.min(s.index);
            r.1 = r.1.max(s.index);
        }
        let mut params = Vec::new();
        let mut terms = Vec::new();
        for (level, (lo, hi)) in &ranges {
            params.extend([i64::from(*level), i64_of(*lo), i64_of(*hi)]);
            let n = params.len();
            terms.push(format!(
                "(level = ${} AND idx BETWEEN ${} AND ${})",
                n - 2,
                n - 1,
                n
            ));
        }
        let read = Read {
            sql: format!(
                "SELECT level, idx, hash FROM ledger_node WHERE {}",
                terms.join(" OR ")
            ),
            params,
        };
        let (rows, _) = self.store.run_read(read).await?;
        let mut stored: HashMap<(i64, i64), Vec<u8>> = rows
            .into_iter()
            .map(|(level, idx, hash)| ((level, idx), hash))
            .collect();
        let computed = std::mem::take(&mut self.computed);
        self.checked += computed.len() as u64;
        for (s, hash) in computed {
            let problem = match stored.remove(&(i64::from(s.level), i64_of(s.index))) {
                None => Some(NodeProblem::Missing),
                Some(h) if h.as_slice() != hash.as_slice() => Some(NodeProblem::Disagrees),
                Some(_) => None,
            };
            if let Some(problem) = problem {
                self.note(NodeFinding {
                    level: s.level,
                    index: s.index,
                    problem,
                });
            }
        }
        Ok(())
    }

    /// Compare what is left and look for nodes beyond the last entry.
    pub async fn finish(mut self) -> Result<NodeCheckReport, StoreError> {
        self.flush().await?;
        if !self.stopped {
            let n = self.frontier.size();
            let mut params = Vec::new();
            let mut terms = Vec::new();
            for level in NODE_MIN_LEVEL..64 {
                params.extend([i64::from(level), i64_of(n >> level)]);
                let k = params.len();
                terms.push(format!("(level = ${} AND idx >= ${})", k - 1, k));
            }
            let read = Read {
                sql: format!(
                    "SELECT level, idx, hash FROM ledger_node WHERE {} ORDER BY level, idx LIMIT {}",
                    terms.join(" OR "),
                    MAX_NODE_FINDINGS + 1
                ),
                params,
            };
            let (rows, _) = self.store.run_read(read).await?;
            for (level, idx, _) in rows {
                self.note(NodeFinding {
                    level: u32::try_from(level).unwrap_or(u32::MAX),
                    index: u64_in(idx, "ledger_node", "idx")?,
                    problem: NodeProblem::BeyondLedger { entries: n },
                });
            }
        }
        Ok(NodeCheckReport {
            findings: self.findings,
            omitted: self.omitted,
            checked: self.checked,
        })
    }
}
