//! RFC 6962 / RFC 9162 section 2.1 Merkle tree: roots, inclusion and
//! consistency proofs, and a compact [`Frontier`] for appends.

use crate::{CryptoProfile, Digest, LedgerError};

/// Compact range / frontier: the roots of the perfect subtrees covering
/// leaves `[0, size)`, largest first.
///
/// Lets the append path add a batch and get the new root in
/// O(batch + log n) without loading old leaves.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Frontier {
    size: u64,
    hashes: Vec<Digest>,
}

impl Frontier {
    /// The empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The perfect-subtree roots, largest first (`popcount(size)` of them).
    pub fn hashes(&self) -> &[Digest] {
        &self.hashes
    }

    /// Appends one leaf hash.
    pub fn push(&mut self, profile: CryptoProfile, leaf: Digest) {
        let mut node = leaf;
        let mut s = self.size;
        while s & 1 == 1 {
            // `popcount(size) == hashes.len()`, so a trailing one bit always
            // has a subtree to merge with.
            if let Some(left) = self.hashes.pop() {
                node = profile.node_hash(&left, &node);
            }
            s >>= 1;
        }
        self.hashes.push(node);
        self.size += 1;
    }

    /// Appends many leaf hashes.
    pub fn extend<'a>(
        &mut self,
        profile: CryptoProfile,
        leaves: impl IntoIterator<Item = &'a Digest>,
    ) {
        for leaf in leaves {
            self.push(profile, *leaf);
        }
    }

    /// The tree root (`empty_root` when the tree is empty).
    pub fn root(&self, profile: CryptoProfile) -> Digest {
        let mut iter = self.hashes.iter().rev();
        let Some(last) = iter.next() else {
            return profile.empty_root();
        };
        iter.fold(*last, |acc, left| profile.node_hash(left, &acc))
    }

    /// Concatenated 32-byte hashes, largest subtree first.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.hashes.concat()
    }

    /// Parses [`Frontier::to_bytes`]; the number of hashes must be
    /// `popcount(size)`.
    pub fn from_bytes(size: u64, bytes: &[u8]) -> Result<Self, LedgerError> {
        let want = size.count_ones() as usize;
        if bytes.len() != want * 32 {
            return Err(LedgerError::InvalidFrontier(format!(
                "a tree of size {size} needs {want} hashes ({} bytes), got {} bytes",
                want * 32,
                bytes.len()
            )));
        }
        let hashes = bytes
            .chunks_exact(32)
            .map(|c| {
                let mut d = [0u8; 32];
                d.copy_from_slice(c);
                d
            })
            .collect();
        Ok(Frontier { size, hashes })
    }
}

/// Largest power of two strictly smaller than `n` (`n >= 2`).
fn split_point(n: usize) -> usize {
    debug_assert!(n >= 2);
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// Root of the tree over `leaves` (RFC 6962 MTH).
pub fn root_of(profile: CryptoProfile, leaves: &[Digest]) -> Digest {
    let mut f = Frontier::new();
    f.extend(profile, leaves);
    f.root(profile)
}

fn to_usize(n: u64, what: &str) -> Result<usize, LedgerError> {
    usize::try_from(n)
        .map_err(|_| LedgerError::InvalidProofRequest(format!("{what} {n} is too large")))
}

/// Inclusion proof (RFC 6962 PATH) for leaf `index` in the tree over
/// `leaves` (the first `tree_size` leaf hashes). Sibling hashes from the
/// leaf upwards.
pub fn inclusion_proof(
    profile: CryptoProfile,
    leaves: &[Digest],
    index: u64,
) -> Result<Vec<Digest>, LedgerError> {
    let i = to_usize(index, "leaf index")?;
    if i >= leaves.len() {
        return Err(LedgerError::InvalidProofRequest(format!(
            "leaf index {index} is outside a tree of size {}",
            leaves.len()
        )));
    }
    let mut proof = Vec::new();
    path(profile, i, leaves, &mut proof);
    Ok(proof)
}

fn path(profile: CryptoProfile, m: usize, d: &[Digest], out: &mut Vec<Digest>) {
    if d.len() <= 1 {
        return;
    }
    let k = split_point(d.len());
    if m < k {
        path(profile, m, &d[..k], out);
        out.push(root_of(profile, &d[k..]));
    } else {
        path(profile, m - k, &d[k..], out);
        out.push(root_of(profile, &d[..k]));
    }
}

/// Consistency proof (RFC 6962 PROOF) between the tree of the first
/// `old_size` leaves and the tree over all `leaves`;
/// `0 < old_size <= leaves.len()`.
pub fn consistency_proof(
    profile: CryptoProfile,
    leaves: &[Digest],
    old_size: u64,
) -> Result<Vec<Digest>, LedgerError> {
    let m = to_usize(old_size, "old tree size")?;
    if m == 0 || m > leaves.len() {
        return Err(LedgerError::InvalidProofRequest(format!(
            "old tree size {old_size} must be between 1 and the new tree size {}",
            leaves.len()
        )));
    }
    let mut proof = Vec::new();
    subproof(profile, m, leaves, true, &mut proof);
    Ok(proof)
}

fn subproof(profile: CryptoProfile, m: usize, d: &[Digest], complete: bool, out: &mut Vec<Digest>) {
    let n = d.len();
    if m == n {
        if !complete {
            out.push(root_of(profile, d));
        }
        return;
    }
    let k = split_point(n);
    if m <= k {
        subproof(profile, m, &d[..k], complete, out);
        out.push(root_of(profile, &d[k..]));
    } else {
        subproof(profile, m - k, &d[k..], false, out);
        out.push(root_of(profile, &d[..k]));
    }
}

/// Verifies an inclusion proof (RFC 9162 section 2.1.3.2).
pub fn verify_inclusion(
    profile: CryptoProfile,
    leaf: &Digest,
    index: u64,
    tree_size: u64,
    proof: &[Digest],
    root: &Digest,
) -> Result<(), LedgerError> {
    if index >= tree_size {
        return Err(LedgerError::ProofFailed(format!(
            "leaf index {index} is outside a tree of size {tree_size}"
        )));
    }
    let mut f_n = index;
    let mut s_n = tree_size - 1;
    let mut r = *leaf;
    for p in proof {
        if s_n == 0 {
            return Err(LedgerError::ProofFailed(
                "inclusion proof is too long".to_owned(),
            ));
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = profile.node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = profile.node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(LedgerError::ProofFailed(
            "inclusion proof is too short".to_owned(),
        ));
    }
    if r != *root {
        return Err(LedgerError::ProofFailed(
            "inclusion proof does not lead to the expected root".to_owned(),
        ));
    }
    Ok(())
}

/// Verifies a consistency proof (RFC 9162 section 2.1.4.2).
///
/// `old_size == 0` is accepted with an empty proof when `old_root` is the
/// empty root (the empty tree is a prefix of every tree).
pub fn verify_consistency(
    profile: CryptoProfile,
    old_size: u64,
    new_size: u64,
    old_root: &Digest,
    new_root: &Digest,
    proof: &[Digest],
) -> Result<(), LedgerError> {
    if old_size > new_size {
        return Err(LedgerError::ProofFailed(format!(
            "old tree size {old_size} is larger than new tree size {new_size}"
        )));
    }
    if old_size == 0 {
        if !proof.is_empty() || *old_root != profile.empty_root() {
            return Err(LedgerError::ProofFailed(
                "an empty old tree needs an empty proof and the empty root".to_owned(),
            ));
        }
        return Ok(());
    }
    if old_size == new_size {
        if !proof.is_empty() {
            return Err(LedgerError::ProofFailed(
                "trees of equal size need an empty consistency proof".to_owned(),
            ));
        }
        if old_root != new_root {
            return Err(LedgerError::ProofFailed(
                "trees of equal size have different roots".to_owned(),
            ));
        }
        return Ok(());
    }
    // `old_size` a power of two: the old root is itself the first node.
    let mut path: Vec<Digest> = Vec::with_capacity(proof.len() + 1);
    if old_size.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let Some((first, rest)) = path.split_first() else {
        return Err(LedgerError::ProofFailed(
            "consistency proof is empty".to_owned(),
        ));
    };
    let mut f_n = old_size - 1;
    let mut s_n = new_size - 1;
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let mut f_r = *first;
    let mut s_r = *first;
    for c in rest {
        if s_n == 0 {
            return Err(LedgerError::ProofFailed(
                "consistency proof is too long".to_owned(),
            ));
        }
        if f_n & 1 == 1 || f_n == s_n {
            f_r = profile.node_hash(c, &f_r);
            s_r = profile.node_hash(c, &s_r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            s_r = profile.node_hash(&s_r, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(LedgerError::ProofFailed(
            "consistency proof is too short".to_owned(),
        ));
    }
    if f_r != *old_root {
        return Err(LedgerError::ProofFailed(
            "consistency proof does not lead to the old root".to_owned(),
        ));
    }
    if s_r != *new_root {
        return Err(LedgerError::ProofFailed(
            "consistency proof does not lead to the new root".to_owned(),
        ));
    }
    Ok(())
}
