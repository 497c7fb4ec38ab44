//! Full verification (`sirm verify`): recompute every leaf from stored
//! content, rebuild the tree, check every stored checkpoint's signature and
//! root, check against checkpoints kept outside, check the stored tree
//! nodes against the leaf hashes, and check that the database's
//! append-only guards are still in place.

use futures::StreamExt;
use serde::Serialize;
use sirm_ledger::{CryptoProfile, SignedCheckpoint, Verifier, VerifyReport};
use sirm_store::GuardProblem;

use crate::{AppError, Sirm};

#[derive(Clone, Debug, Serialize)]
pub struct Verification {
    pub report: VerifyReport,
    /// Append-only triggers missing or disabled.
    pub missing_guards: Vec<GuardProblem>,
    /// The public key in the database differs from the key file.
    pub key_mismatch: Option<String>,
    /// Stored tree nodes (proofs are served from them) checked against the
    /// leaf hashes.
    pub stored_tree: sirm_store::NodeCheckReport,
}

impl Verification {
    pub fn is_intact(&self) -> bool {
        self.report.is_intact()
            && self.missing_guards.is_empty()
            && self.key_mismatch.is_none()
            && self.stored_tree.is_intact()
    }

    /// Plain lines for a terminal: the first bad entry first.
    pub fn lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self.report.findings.iter().map(|f| f.to_string()).collect();
        for g in &self.missing_guards {
            out.push(format!(
                "table {}: append-only guard {} is missing or disabled",
                g.table, g.guard
            ));
        }
        if let Some(m) = &self.key_mismatch {
            out.push(m.clone());
        }
        out.extend(self.stored_tree.findings.iter().map(|f| f.to_string()));
        if self.stored_tree.omitted > 0 {
            out.push(format!(
                "… and {} more stored tree nodes",
                self.stored_tree.omitted
            ));
        }
        out
    }
}

impl Sirm {
    /// Verify the whole ledger. `external` are checkpoints kept outside the
    /// database (they detect a truncated or rewritten tail).
    pub async fn verify(&self, external: Vec<SignedCheckpoint>) -> Result<Verification, AppError> {
        let profile = CryptoProfile::from_name(&self.config.profile)?;
        let checkpoints = self.store.checkpoints().await?;
        let mut verifier = Verifier::new(profile, self.public_key.clone(), checkpoints, external);
        let mut rows = self.store.scan();
        let mut nodes = self.store.node_check(profile);
        while let Some(row) = rows.next().await {
            let row = row?;
            nodes.push(row.seq, &row.leaf_hash).await?;
            let seq = u64::try_from(row.seq).unwrap_or(0);
            match row.decode() {
                Ok((entry, leaf)) => match <[u8; 32]>::try_from(leaf.as_slice()) {
                    Ok(l) => verifier.push(&entry, Some(&l)),
                    Err(_) => verifier.push(&entry, None),
                },
                Err(reason) => verifier.push_unreadable(seq, reason),
            }
        }
        drop(rows);
        let report = verifier.finish();
        let stored_tree = nodes.finish().await?;
        let missing_guards = self.store.missing_guards().await?;
        let key_mismatch = (self.installation.public_key != self.public_key.to_hex()).then(|| {
            format!(
                "installation record names public key {}…, but the key file is {} (key id {})",
                self.installation
                    .public_key
                    .chars()
                    .take(16)
                    .collect::<String>(),
                self.dir.public_key_path().display(),
                self.public_key.key_id()
            )
        });
        Ok(Verification {
            report,
            missing_guards,
            key_mismatch,
            stored_tree,
        })
    }

    /// Empty every projection, replay the ledger, and return the projection
    /// digests before and after (they must be equal).
    pub async fn rebuild(&self) -> Result<Rebuild, AppError> {
        let before = self.store.projection_digest().await?;
        let replayed = self.store.rebuild_projections(5000).await?;
        let after = self.store.projection_digest().await?;
        Ok(Rebuild {
            replayed,
            before,
            after,
        })
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Rebuild {
    pub replayed: u64,
    pub before: sirm_store::ProjectionDigest,
    pub after: sirm_store::ProjectionDigest,
}

impl Rebuild {
    pub fn same(&self) -> bool {
        self.before == self.after
    }
}
