//! Ledger read use cases: the latest signed checkpoint and the proofs that let
//! anyone holding a checkpoint check an entry (inclusion) or that the log only
//! grew (consistency). Proofs reveal hashes only, never entry content.

use serde::Serialize;
use sirm_ledger::{merkle, Entry, SignedCheckpoint};

use crate::{AppError, Sirm};

#[derive(Clone, Debug, Serialize)]
pub struct InclusionProof {
    pub seq: u64,
    /// Zero-based leaf index (= seq − 1).
    pub leaf_index: u64,
    pub tree_size: u64,
    pub leaf_hash: String,
    pub root: String,
    pub proof: Vec<String>,
    pub checkpoint: SignedCheckpoint,
}

#[derive(Clone, Debug, Serialize)]
pub struct ConsistencyProof {
    pub from: u64,
    pub to: u64,
    pub from_root: String,
    pub to_root: String,
    pub proof: Vec<String>,
    pub checkpoint: SignedCheckpoint,
}

impl Sirm {
    pub async fn latest_checkpoint(&self) -> Result<SignedCheckpoint, AppError> {
        self.store.head().await?.ok_or_else(|| {
            AppError::not_found(
                sirm_domain::RuleId::NotFoundCheckpoint,
                "no checkpoint yet: the ledger is empty",
            )
        })
    }

    /// Inclusion proof of entry `seq` in the tree of the latest checkpoint.
    pub async fn inclusion_proof(&self, seq: u64) -> Result<InclusionProof, AppError> {
        let cp = self.latest_checkpoint().await?;
        let size = cp.checkpoint.tree_size;
        if seq == 0 || seq > size {
            return Err(AppError::invalid(
                "seq",
                format!(
                    "must be between 1 and {size} (the latest checkpoint's tree size), got {seq}"
                ),
            ));
        }
        let profile = cp.profile;
        let index = seq - 1;
        // From stored tree state: O(log n) rows, never the whole ledger.
        let sirm_store::StoredInclusion { leaf, proof } =
            self.store.inclusion_proof(profile, size, index).await?;
        // Never hand out a proof that does not check against the signed root.
        merkle::verify_inclusion(profile, &leaf, index, size, &proof, &cp.checkpoint.root)?;
        Ok(InclusionProof {
            seq,
            leaf_index: index,
            tree_size: size,
            leaf_hash: hex::encode(leaf),
            root: hex::encode(cp.checkpoint.root),
            proof: proof.iter().map(hex::encode).collect(),
            checkpoint: cp,
        })
    }

    /// Inclusion proof of `entry` (already read by the caller) against the
    /// signed checkpoint of the append that wrote it, when that append ended
    /// with it (a single-entry append such as issuing a certificate): the
    /// entry is then the last leaf of that tree, and its audit path is the
    /// previous checkpoint's frontier, right to left — O(log n), no leaves
    /// read. Otherwise (or if a checkpoint is missing) the proof against the
    /// latest checkpoint. The leaf hash is recomputed from the entry.
    pub async fn anchored_inclusion_proof(
        &self,
        entry: &Entry,
    ) -> Result<InclusionProof, AppError> {
        let seq = entry.seq;
        if seq == 0 {
            return Err(AppError::invalid("seq", "must be at least 1"));
        }
        let at = self.store.checkpoint_at(seq).await?;
        let before = self.store.checkpoint_at(seq - 1).await?;
        let (Some((cp, _)), Some((_, frontier))) = (at, before) else {
            return self.inclusion_proof(seq).await;
        };
        let profile = cp.profile;
        let leaf = entry.leaf_hash(profile);
        let proof: Vec<_> = frontier.hashes().iter().rev().copied().collect();
        let index = seq - 1;
        merkle::verify_inclusion(profile, &leaf, index, seq, &proof, &cp.checkpoint.root)?;
        Ok(InclusionProof {
            seq,
            leaf_index: index,
            tree_size: seq,
            leaf_hash: hex::encode(leaf),
            root: hex::encode(cp.checkpoint.root),
            proof: proof.iter().map(hex::encode).collect(),
            checkpoint: cp,
        })
    }

    /// Consistency proof between tree sizes `from` and `to` (default: the
    /// latest checkpoint).
    pub async fn consistency_proof(
        &self,
        from: u64,
        to: Option<u64>,
    ) -> Result<ConsistencyProof, AppError> {
        let cp = self.latest_checkpoint().await?;
        let size = cp.checkpoint.tree_size;
        let to = to.unwrap_or(size);
        if to == 0 || to > size {
            return Err(AppError::invalid(
                "to",
                format!(
                    "must be between 1 and {size} (the latest checkpoint's tree size), got {to}"
                ),
            ));
        }
        if from == 0 || from > to {
            return Err(AppError::invalid(
                "from",
                format!("must be between 1 and to ({to}), got {from}"),
            ));
        }
        let profile = cp.profile;
        // From stored tree state: O(log n) rows, never the whole ledger.
        let sirm_store::StoredConsistency {
            old_root: from_root,
            new_root: to_root,
            proof,
        } = self.store.consistency_proof(profile, from, to).await?;
        if to == size && to_root != cp.checkpoint.root {
            return Err(sirm_store::StoreError::Inconsistent(format!(
                "the stored tree of {to} entries does not give the signed root"
            ))
            .into());
        }
        merkle::verify_consistency(profile, from, to, &from_root, &to_root, &proof)?;
        Ok(ConsistencyProof {
            from,
            to,
            from_root: hex::encode(from_root),
            to_root: hex::encode(to_root),
            proof: proof.iter().map(hex::encode).collect(),
            checkpoint: cp,
        })
    }
}
