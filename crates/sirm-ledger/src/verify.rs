//! Streaming verifier: the storage layer feeds it rows in seq order and gets
//! back a [`VerifyReport`] naming the first bad entry.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::entry::format_time;
use crate::{CryptoProfile, Digest, Entry, Frontier, LedgerError, PublicKey, SignedCheckpoint};

/// Where a checkpoint came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckpointSource {
    /// Stored in the database next to the entries.
    Stored,
    /// Kept outside the database (an auditor's file, a witness...).
    External,
}

impl fmt::Display for CheckpointSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CheckpointSource::Stored => "stored",
            CheckpointSource::External => "external",
        })
    }
}

/// One problem found by the [`Verifier`].
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "finding", rename_all = "snake_case")]
pub enum Finding {
    /// The entry's content does not hash to its stored leaf hash.
    LeafMismatch {
        /// The altered entry.
        seq: u64,
    },
    /// A stored row that could not be decoded.
    Unreadable {
        /// The row's seq.
        seq: u64,
        /// Why it could not be decoded.
        reason: String,
    },
    /// Entries `first_seq..=last_seq` are missing (deleted).
    Missing {
        /// First missing seq.
        first_seq: u64,
        /// Last missing seq.
        last_seq: u64,
    },
    /// An entry came after a higher-numbered one.
    OutOfOrder {
        /// The entry's seq.
        seq: u64,
        /// The seq of the entry before it (if any).
        previous_seq: Option<u64>,
    },
    /// The same seq appeared twice in a row.
    Duplicate {
        /// The repeated seq.
        seq: u64,
    },
    /// An entry's time is earlier than the previous entry's.
    TimeBackwards {
        /// The entry's seq.
        seq: u64,
        /// Its time.
        time: DateTime<Utc>,
        /// The previous entry's seq.
        previous_seq: u64,
        /// The previous entry's time.
        previous_time: DateTime<Utc>,
    },
    /// A checkpoint whose signature does not verify.
    CheckpointBadSignature {
        /// Stored or external.
        source: CheckpointSource,
        /// Its tree size.
        tree_size: u64,
        /// The key id it names.
        key_id: String,
        /// Why verification failed.
        reason: String,
    },
    /// A checkpoint signed by a key other than the ledger key.
    CheckpointUnknownKey {
        /// Stored or external.
        source: CheckpointSource,
        /// Its tree size.
        tree_size: u64,
        /// The key id it names.
        key_id: String,
        /// The ledger key's id.
        expected_key_id: String,
    },
    /// The tree of entries `from_seq..=to_seq` (after the last checkpoint
    /// that matched) does not give the signed root at `tree_size`.
    CheckpointRootMismatch {
        /// Stored or external.
        source: CheckpointSource,
        /// The checkpoint's tree size.
        tree_size: u64,
        /// First entry of the suspect range.
        from_seq: u64,
        /// Last entry of the suspect range.
        to_seq: u64,
        /// Every entry in the range had a stored leaf hash equal to its
        /// content's hash and the range had no other problem: the leaf hash
        /// column was rewritten together with the content.
        leaf_hashes_matched: bool,
        /// The first entry in the range that another finding already names
        /// (the mismatch is then most likely its consequence).
        already_reported: Option<u64>,
    },
    /// A signed checkpoint covers more entries than the ledger has.
    CheckpointBeyondLedger {
        /// Stored or external.
        source: CheckpointSource,
        /// The checkpoint's tree size.
        tree_size: u64,
        /// Entries present.
        entries: u64,
        /// The first entry that should exist but does not.
        first_missing_seq: u64,
    },
    /// Entries after the last signed checkpoint.
    UnsignedTail {
        /// First unsigned entry.
        first_seq: u64,
        /// Last unsigned entry.
        last_seq: u64,
        /// Tree size of the last signed checkpoint (0 if none).
        signed_size: u64,
    },
}

impl Finding {
    /// The first entry this finding implicates (`None` for problems with a
    /// checkpoint alone, such as a bad signature).
    pub fn seq(&self) -> Option<u64> {
        match self {
            Finding::LeafMismatch { seq }
            | Finding::Unreadable { seq, .. }
            | Finding::OutOfOrder { seq, .. }
            | Finding::Duplicate { seq }
            | Finding::TimeBackwards { seq, .. } => Some(*seq),
            Finding::Missing { first_seq, .. } | Finding::UnsignedTail { first_seq, .. } => {
                Some(*first_seq)
            }
            Finding::CheckpointRootMismatch {
                from_seq,
                already_reported,
                ..
            } => Some(already_reported.unwrap_or(*from_seq)),
            Finding::CheckpointBeyondLedger {
                first_missing_seq, ..
            } => Some(*first_missing_seq),
            Finding::CheckpointBadSignature { .. } | Finding::CheckpointUnknownKey { .. } => None,
        }
    }
}

fn range(f: &mut fmt::Formatter<'_>, a: u64, b: u64) -> fmt::Result {
    if a == b {
        write!(f, "entry {a}")
    } else {
        write!(f, "entries {a}..={b}")
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::LeafMismatch { seq } => write!(
                f,
                "entry {seq}: content does not match its recorded leaf hash (altered)"
            ),
            Finding::Unreadable { seq, reason } => {
                write!(f, "entry {seq}: stored row cannot be decoded ({reason})")
            }
            Finding::Missing {
                first_seq,
                last_seq,
            } => {
                range(f, *first_seq, *last_seq)?;
                write!(f, ": missing (deleted)")
            }
            Finding::OutOfOrder { seq, previous_seq } => match previous_seq {
                Some(p) => write!(f, "entry {seq}: out of order (comes after entry {p})"),
                None => write!(f, "entry {seq}: invalid sequence number"),
            },
            Finding::Duplicate { seq } => write!(f, "entry {seq}: appears more than once (duplicate)"),
            Finding::TimeBackwards {
                seq,
                time,
                previous_seq,
                previous_time,
            } => write!(
                f,
                "entry {seq}: time {} is earlier than the time {} of entry {previous_seq}",
                format_time(time),
                format_time(previous_time)
            ),
            Finding::CheckpointBadSignature {
                source,
                tree_size,
                key_id,
                reason,
            } => write!(
                f,
                "{source} checkpoint at tree size {tree_size}: signature by key {key_id} is invalid ({reason})"
            ),
            Finding::CheckpointUnknownKey {
                source,
                tree_size,
                key_id,
                expected_key_id,
            } => write!(
                f,
                "{source} checkpoint at tree size {tree_size}: signed by unknown key {key_id} (the ledger key is {expected_key_id})"
            ),
            Finding::CheckpointRootMismatch {
                source,
                tree_size,
                from_seq,
                to_seq,
                leaf_hashes_matched,
                already_reported,
            } => {
                range(f, *from_seq, *to_seq)?;
                write!(
                    f,
                    ": the tree does not give the root signed in the {source} checkpoint at tree size {tree_size}"
                )?;
                if let Some(seq) = already_reported {
                    write!(f, " (entry {seq} in this range is reported above)")
                } else if *leaf_hashes_matched {
                    write!(
                        f,
                        " although every stored leaf hash matches its content, so content and the leaf hash column were rewritten together"
                    )
                } else {
                    write!(f, " (an entry in this range was altered, inserted, removed or reordered)")
                }
            }
            Finding::CheckpointBeyondLedger {
                source,
                tree_size,
                entries,
                first_missing_seq,
            } => write!(
                f,
                "entry {first_missing_seq}: missing; the {source} checkpoint covers {tree_size} entries but the ledger has only {entries} (tail truncated)"
            ),
            Finding::UnsignedTail {
                first_seq,
                last_seq,
                signed_size,
            } => {
                range(f, *first_seq, *last_seq)?;
                write!(
                    f,
                    ": not covered by any signed checkpoint (the last one covers {signed_size} entries); appended since, or forged"
                )
            }
        }
    }
}

/// Outcome of a verification run.
#[derive(Clone, Debug, serde::Serialize)]
pub struct VerifyReport {
    /// Rows fed to the verifier (including unreadable ones).
    pub entries: u64,
    /// Signed checkpoints whose root matched the recomputed tree.
    pub checkpoints: u64,
    /// Number of leaves in the recomputed tree.
    pub tree_size: u64,
    /// Hex root of the recomputed tree.
    pub root: String,
    /// Everything wrong, in the order found.
    pub findings: Vec<Finding>,
}

impl VerifyReport {
    /// No findings at all.
    pub fn is_intact(&self) -> bool {
        self.findings.is_empty()
    }

    /// The lowest seq implicated by any finding.
    pub fn first_bad_seq(&self) -> Option<u64> {
        self.findings.iter().filter_map(Finding::seq).min()
    }
}

#[derive(Clone, Debug)]
struct Target {
    tree_size: u64,
    root: Digest,
    source: CheckpointSource,
}

/// Streaming verifier.
///
/// Recomputes every leaf from content, compares it with the stored leaf
/// hash, extends the tree, and compares the root with every validly signed
/// checkpoint when the tree reaches its size. Memory is O(checkpoints + log n).
pub struct Verifier {
    profile: CryptoProfile,
    frontier: Frontier,
    targets: Vec<Target>,
    next_target: usize,
    max_signed_size: u64,
    findings: Vec<Finding>,
    rows: u64,
    matched_checkpoints: u64,
    expected_seq: u64,
    last: Option<(u64, DateTime<Utc>)>,
    last_good_size: u64,
    /// Since the last matching checkpoint: first seq named by a finding.
    range_first_problem: Option<u64>,
    /// Since the last matching checkpoint: every row had a stored leaf hash.
    range_leaves_known: bool,
    mismatch_reported: [bool; 2],
    first_unsigned_seq: Option<u64>,
    last_seq_seen: u64,
    scratch: Vec<u8>,
}

impl Verifier {
    /// `checkpoints`: every stored checkpoint (any order). `external`:
    /// checkpoints kept outside the database (e.g. `sirm verify --checkpoint FILE`).
    pub fn new(
        profile: CryptoProfile,
        key: PublicKey,
        checkpoints: Vec<SignedCheckpoint>,
        external: Vec<SignedCheckpoint>,
    ) -> Self {
        let mut findings = Vec::new();
        let mut targets = Vec::new();
        let all = checkpoints
            .into_iter()
            .map(|c| (c, CheckpointSource::Stored))
            .chain(
                external
                    .into_iter()
                    .map(|c| (c, CheckpointSource::External)),
            );
        for (cp, source) in all {
            let tree_size = cp.checkpoint.tree_size;
            let checked = if cp.profile != profile {
                Err(LedgerError::BadSignature(format!(
                    "checkpoint uses profile {}, the ledger uses {profile}",
                    cp.profile
                )))
            } else {
                cp.verify(&key)
            };
            match checked {
                Ok(()) => targets.push(Target {
                    tree_size,
                    root: cp.checkpoint.root,
                    source,
                }),
                Err(LedgerError::KeyMismatch { expected, found }) => {
                    findings.push(Finding::CheckpointUnknownKey {
                        source,
                        tree_size,
                        key_id: found,
                        expected_key_id: expected,
                    });
                }
                Err(e) => findings.push(Finding::CheckpointBadSignature {
                    source,
                    tree_size,
                    key_id: cp.key_id.clone(),
                    reason: e.to_string(),
                }),
            }
        }
        targets.sort_by_key(|t| (t.tree_size, t.source == CheckpointSource::External));
        let max_signed_size = targets.iter().map(|t| t.tree_size).max().unwrap_or(0);
        let mut v = Verifier {
            profile,
            frontier: Frontier::new(),
            targets,
            next_target: 0,
            max_signed_size,
            findings,
            rows: 0,
            matched_checkpoints: 0,
            expected_seq: 1,
            last: None,
            last_good_size: 0,
            range_first_problem: None,
            range_leaves_known: true,
            mismatch_reported: [false; 2],
            first_unsigned_seq: None,
            last_seq_seen: 0,
            scratch: Vec::with_capacity(1024),
        };
        v.check_due_checkpoints();
        v
    }

    /// Feeds the next stored row. `stored_leaf`: the leaf hash column as
    /// stored, if the store keeps one.
    pub fn push(&mut self, entry: &Entry, stored_leaf: Option<&Digest>) {
        self.rows += 1;
        self.check_sequence(entry.seq);
        if let Some((prev_seq, prev_time)) = self.last {
            if entry.time < prev_time {
                self.report(Finding::TimeBackwards {
                    seq: entry.seq,
                    time: entry.time,
                    previous_seq: prev_seq,
                    previous_time: prev_time,
                });
            }
        }
        self.last = Some((entry.seq, entry.time));

        self.scratch.clear();
        entry.write_leaf_bytes(&mut self.scratch);
        let leaf = self.profile.leaf_hash(&self.scratch);
        match stored_leaf {
            Some(stored) if *stored == leaf => {}
            Some(_) => self.report(Finding::LeafMismatch { seq: entry.seq }),
            None => self.range_leaves_known = false,
        }
        if self.frontier.size() == self.max_signed_size && self.first_unsigned_seq.is_none() {
            self.first_unsigned_seq = Some(entry.seq);
        }
        self.frontier.push(self.profile, leaf);
        self.check_due_checkpoints();
    }

    /// A stored row that could not even be decoded (bad stream name, bad
    /// actors JSON...). It cannot be added to the tree, so the checkpoints
    /// after it will not match either.
    pub fn push_unreadable(&mut self, seq: u64, reason: String) {
        self.rows += 1;
        self.check_sequence(seq);
        self.report(Finding::Unreadable { seq, reason });
    }

    fn report(&mut self, finding: Finding) {
        if let Some(seq) = finding.seq() {
            self.range_first_problem = Some(self.range_first_problem.map_or(seq, |s| s.min(seq)));
        }
        self.findings.push(finding);
    }

    fn check_sequence(&mut self, seq: u64) {
        if seq == self.expected_seq {
            self.expected_seq += 1;
        } else if seq > self.expected_seq {
            self.report(Finding::Missing {
                first_seq: self.expected_seq,
                last_seq: seq - 1,
            });
            self.expected_seq = seq + 1;
        } else if seq != 0 && seq == self.last_seq_seen {
            self.report(Finding::Duplicate { seq });
        } else {
            self.report(Finding::OutOfOrder {
                seq,
                previous_seq: (self.last_seq_seen != 0).then_some(self.last_seq_seen),
            });
        }
        self.last_seq_seen = seq;
    }

    fn check_due_checkpoints(&mut self) {
        let size = self.frontier.size();
        while let Some(t) = self.targets.get(self.next_target) {
            if t.tree_size > size {
                break;
            }
            // `t.tree_size < size` cannot happen: targets are sorted and
            // checked after every push.
            let root = self.frontier.root(self.profile);
            if root == t.root {
                self.matched_checkpoints += 1;
                self.last_good_size = t.tree_size;
                self.range_first_problem = None;
                self.range_leaves_known = true;
            } else {
                let idx = usize::from(t.source == CheckpointSource::External);
                if !self.mismatch_reported[idx] {
                    self.mismatch_reported[idx] = true;
                    // Two validly signed checkpoints of one size with
                    // different roots implicate the whole tree.
                    let fresh = t.tree_size > self.last_good_size;
                    self.findings.push(Finding::CheckpointRootMismatch {
                        source: t.source,
                        tree_size: t.tree_size,
                        from_seq: if fresh { self.last_good_size + 1 } else { 1 },
                        to_seq: t.tree_size,
                        leaf_hashes_matched: fresh
                            && self.range_leaves_known
                            && self.range_first_problem.is_none(),
                        already_reported: self.range_first_problem,
                    });
                }
            }
            self.next_target += 1;
        }
    }

    /// Ends the run.
    pub fn finish(mut self) -> VerifyReport {
        let size = self.frontier.size();
        for source in [CheckpointSource::Stored, CheckpointSource::External] {
            let beyond = self.targets[self.next_target..]
                .iter()
                .filter(|t| t.source == source)
                .map(|t| t.tree_size)
                .max();
            // When the seq numbers already reach the checkpoint's size, the
            // shortfall is explained by gaps reported as `Missing`.
            if let Some(tree_size) = beyond.filter(|&t| t >= self.expected_seq) {
                self.findings.push(Finding::CheckpointBeyondLedger {
                    source,
                    tree_size,
                    entries: size,
                    first_missing_seq: self.expected_seq,
                });
            }
        }
        if let Some(first_seq) = self.first_unsigned_seq {
            self.findings.push(Finding::UnsignedTail {
                first_seq,
                last_seq: self.last_seq_seen.max(first_seq),
                signed_size: self.max_signed_size,
            });
        }
        VerifyReport {
            entries: self.rows,
            checkpoints: self.matched_checkpoints,
            tree_size: size,
            root: hex::encode(self.frontier.root(self.profile)),
            findings: self.findings,
        }
    }
}
