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
        self.push_with(profile, leaf, |_, _| {});
    }

    /// Appends one leaf hash and hands every perfect subtree of two or more
    /// leaves that it completes to `completed`, smallest first (so over a
    /// run of pushes, subtrees arrive in the order they are completed).
    pub fn push_with(
        &mut self,
        profile: CryptoProfile,
        leaf: Digest,
        mut completed: impl FnMut(Subtree, &Digest),
    ) {
        let mut node = leaf;
        let mut s = self.size;
        let new_size = self.size + 1;
        let mut level = 0u32;
        while s & 1 == 1 {
            // `popcount(size) == hashes.len()`, so a trailing one bit always
            // has a subtree to merge with.
            if let Some(left) = self.hashes.pop() {
                node = profile.node_hash(&left, &node);
            }
            s >>= 1;
            level += 1;
            completed(
                Subtree {
                    level,
                    index: (new_size >> level) - 1,
                },
                &node,
            );
        }
        self.hashes.push(node);
        self.size = new_size;
    }

    /// The perfect subtrees whose roots make up the frontier of a tree of
    /// `size` leaves, largest (leftmost) first — the subtrees of
    /// [`Frontier::hashes`].
    pub fn subtrees(size: u64) -> Vec<Subtree> {
        decompose(0, size)
    }

    /// A frontier from the roots of [`Frontier::subtrees`]`(size)`, in that
    /// order.
    pub fn from_hashes(size: u64, hashes: Vec<Digest>) -> Result<Self, LedgerError> {
        let want = size.count_ones() as usize;
        if hashes.len() != want {
            return Err(LedgerError::InvalidFrontier(format!(
                "a tree of size {size} needs {want} hashes, got {}",
                hashes.len()
            )));
        }
        Ok(Frontier { size, hashes })
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

/// A perfect subtree of a Merkle tree: the `2^level` leaves starting at
/// leaf `index << level` (level 0 is a single leaf). Its root never changes
/// once the tree has `end()` leaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subtree {
    /// Height: the subtree has `2^level` leaves.
    pub level: u32,
    /// Position among the subtrees of its level, from the left.
    pub index: u64,
}

impl Subtree {
    /// Index of its first leaf.
    pub fn first_leaf(&self) -> u64 {
        self.index << self.level
    }

    /// One past the index of its last leaf.
    pub fn end(&self) -> u64 {
        (self.index + 1) << self.level
    }
}

/// The perfect subtrees covering leaves `[start, end)`, left to right, each
/// as large as its position allows (`start` aligned as in every subtree of
/// an RFC 6962 tree, this is largest first).
fn decompose(start: u64, end: u64) -> Vec<Subtree> {
    let mut out = Vec::new();
    let mut p = start;
    while p < end {
        let room = end - p;
        // Largest power of two that fits in `room`, limited by p's alignment.
        let mut level = 63 - room.leading_zeros();
        if p != 0 {
            level = level.min(p.trailing_zeros());
        }
        out.push(Subtree {
            level,
            index: p >> level,
        });
        p += 1 << level;
    }
    out
}

/// Where [`inclusion_proof_from`], [`consistency_proof_from`] and
/// [`root_from`] get the roots of the perfect subtrees they need (for
/// instance from stored hashes instead of every leaf).
pub trait SubtreeSource {
    /// What can go wrong reading a subtree (a proof request out of range
    /// is a [`LedgerError`]).
    type Error: From<LedgerError>;
    /// The root of one perfect subtree.
    fn subtree(&mut self, subtree: Subtree) -> Result<Digest, Self::Error>;
}

/// A [`SubtreeSource`] that answers every question with zeros and notes
/// the question: run a proof against it first to learn which subtrees to
/// read (the shape of a proof depends on sizes and indices only).
#[derive(Clone, Debug, Default)]
pub struct SubtreeRecorder {
    /// Every subtree asked for.
    pub wanted: std::collections::BTreeSet<Subtree>,
}

impl SubtreeSource for SubtreeRecorder {
    type Error = LedgerError;
    fn subtree(&mut self, subtree: Subtree) -> Result<Digest, LedgerError> {
        self.wanted.insert(subtree);
        Ok([0; 32])
    }
}

/// MTH of leaves `[start, end)`, a subtree of an RFC 6962 tree (perfect, or
/// the right edge of a tree): its perfect parts folded right to left.
fn range_root<S: SubtreeSource>(
    profile: CryptoProfile,
    start: u64,
    end: u64,
    src: &mut S,
) -> Result<Digest, S::Error> {
    let parts = decompose(start, end);
    let mut iter = parts.iter().rev();
    let Some(last) = iter.next() else {
        return Ok(profile.empty_root());
    };
    let mut acc = src.subtree(*last)?;
    for part in iter {
        acc = profile.node_hash(&src.subtree(*part)?, &acc);
    }
    Ok(acc)
}

/// Root of the tree of the first `tree_size` leaves, from perfect subtrees
/// (at most `log2(tree_size) + 1` of them).
pub fn root_from<S: SubtreeSource>(
    profile: CryptoProfile,
    tree_size: u64,
    src: &mut S,
) -> Result<Digest, S::Error> {
    range_root(profile, 0, tree_size, src)
}

/// Largest power of two strictly smaller than `n` (`n >= 2`).
fn split_point_u64(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// [`inclusion_proof`] of leaf `index` in the tree of the first `tree_size`
/// leaves, from perfect subtrees: the same hashes, but each sibling is
/// read as one subtree root (or, on the right edge of the tree, folded from
/// at most `log2(tree_size)` of them) instead of being computed from its
/// leaves.
pub fn inclusion_proof_from<S: SubtreeSource>(
    profile: CryptoProfile,
    tree_size: u64,
    index: u64,
    src: &mut S,
) -> Result<Vec<Digest>, S::Error> {
    if index >= tree_size {
        return Err(LedgerError::InvalidProofRequest(format!(
            "leaf index {index} is outside a tree of size {tree_size}"
        ))
        .into());
    }
    let mut proof = Vec::new();
    path_from(profile, index, 0, tree_size, src, &mut proof)?;
    Ok(proof)
}

/// PATH(m, D[start : start + n]).
fn path_from<S: SubtreeSource>(
    profile: CryptoProfile,
    m: u64,
    start: u64,
    n: u64,
    src: &mut S,
    out: &mut Vec<Digest>,
) -> Result<(), S::Error> {
    if n <= 1 {
        return Ok(());
    }
    let k = split_point_u64(n);
    if m < k {
        path_from(profile, m, start, k, src, out)?;
        out.push(range_root(profile, start + k, start + n, src)?);
    } else {
        path_from(profile, m - k, start + k, n - k, src, out)?;
        out.push(range_root(profile, start, start + k, src)?);
    }
    Ok(())
}

/// [`consistency_proof`] between the trees of the first `old_size` and
/// `new_size` leaves, from perfect subtrees; `0 < old_size <= new_size`.
pub fn consistency_proof_from<S: SubtreeSource>(
    profile: CryptoProfile,
    old_size: u64,
    new_size: u64,
    src: &mut S,
) -> Result<Vec<Digest>, S::Error> {
    if old_size == 0 || old_size > new_size {
        return Err(LedgerError::InvalidProofRequest(format!(
            "old tree size {old_size} must be between 1 and the new tree size {new_size}"
        ))
        .into());
    }
    let mut proof = Vec::new();
    subproof_from(profile, old_size, 0, new_size, true, src, &mut proof)?;
    Ok(proof)
}

/// SUBPROOF(m, D[start : start + n], complete).
fn subproof_from<S: SubtreeSource>(
    profile: CryptoProfile,
    m: u64,
    start: u64,
    n: u64,
    complete: bool,
    src: &mut S,
    out: &mut Vec<Digest>,
) -> Result<(), S::Error> {
    if m == n {
        if !complete {
            out.push(range_root(profile, start, start + n, src)?);
        }
        return Ok(());
    }
    let k = split_point_u64(n);
    if m <= k {
        subproof_from(profile, m, start, k, complete, src, out)?;
        out.push(range_root(profile, start + k, start + n, src)?);
    } else {
        subproof_from(profile, m - k, start + k, n - k, false, src, out)?;
        out.push(range_root(profile, start, start + k, src)?);
    }
    Ok(())
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
