#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Merkle tree tests: RFC 6962 reference vectors (transparency-dev/merkle,
//! google/certificate-transparency) and property tests.

use proptest::prelude::*;
use sirm_ledger::{
    consistency_proof, consistency_proof_from, inclusion_proof, inclusion_proof_from, root_from,
    root_of, verify_consistency, verify_inclusion, CryptoProfile, Digest, Frontier, LedgerError,
    Subtree, SubtreeRecorder, SubtreeSource,
};

const P: CryptoProfile = CryptoProfile::Sha256Ed25519;

fn h(s: &str) -> Digest {
    hex::decode(s).unwrap().try_into().unwrap()
}

/// Leaf inputs of the reference vectors.
fn leaf_inputs() -> Vec<Vec<u8>> {
    [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|s| hex::decode(s).unwrap())
    .collect()
}

fn leaves() -> Vec<Digest> {
    leaf_inputs().iter().map(|d| P.leaf_hash(d)).collect()
}

/// Roots for sizes 1..=8.
const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

#[test]
fn empty_tree_root() {
    assert_eq!(
        root_of(P, &[]),
        h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
    assert_eq!(Frontier::new().root(P), P.empty_root());
}

#[test]
fn reference_leaf_hashes() {
    let want = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ];
    for (l, w) in leaves().iter().zip(want) {
        assert_eq!(*l, h(w));
    }
}

#[test]
fn reference_roots() {
    let l = leaves();
    let mut f = Frontier::new();
    for (n, want) in ROOTS.iter().enumerate() {
        assert_eq!(root_of(P, &l[..=n]), h(want), "size {}", n + 1);
        f.push(P, l[n]);
        assert_eq!(f.root(P), h(want), "frontier size {}", n + 1);
    }
}

#[test]
fn reference_compact_ranges() {
    // CompactTrees() of transparency-dev/merkle testonly.
    let l = leaves();
    let n01 = h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
    let n45 = h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a");
    let n0_3 = h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
    let want: Vec<Vec<Digest>> = vec![
        vec![l[0]],
        vec![n01],
        vec![n01, l[2]],
        vec![n0_3],
        vec![n0_3, l[4]],
        vec![n0_3, n45],
        vec![n0_3, n45, l[6]],
        vec![h(ROOTS[7])],
    ];
    let mut f = Frontier::new();
    for (i, w) in want.iter().enumerate() {
        f.push(P, l[i]);
        assert_eq!(f.hashes(), w.as_slice(), "size {}", i + 1);
    }
}

/// (1-based leaf, tree size, proof) from transparency-dev/merkle proof/verify_test.go.
fn inclusion_vectors() -> Vec<(u64, u64, Vec<Digest>)> {
    vec![
        (1, 1, vec![]),
        (
            1,
            8,
            vec![
                h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
            ],
        ),
        (
            6,
            8,
            vec![
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
        (
            3,
            3,
            vec![h(
                "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            )],
        ),
        (
            2,
            5,
            vec![
                h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            ],
        ),
    ]
}

/// (old size, new size, proof) from transparency-dev/merkle proof/verify_test.go.
fn consistency_vectors() -> Vec<(u64, u64, Vec<Digest>)> {
    vec![
        (1, 1, vec![]),
        (
            1,
            8,
            vec![
                h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
            ],
        ),
        (
            6,
            8,
            vec![
                h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
        (
            2,
            5,
            vec![
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            ],
        ),
        (
            6,
            7,
            vec![
                h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
    ]
}

#[test]
fn reference_inclusion_proofs() {
    let l = leaves();
    for (leaf, size, want) in inclusion_vectors() {
        let idx = leaf - 1;
        let got = inclusion_proof(P, &l[..size as usize], idx).unwrap();
        assert_eq!(got, want, "leaf {leaf} size {size}");
        let root = h(ROOTS[size as usize - 1]);
        verify_inclusion(P, &l[idx as usize], idx, size, &want, &root).unwrap();

        // Corruptions (as in the reference test suite) must all fail.
        let leaf_h = l[idx as usize];
        let mut bad: Vec<(u64, u64, Digest, Vec<Digest>, Digest)> = vec![
            (idx.wrapping_sub(1), size, leaf_h, want.clone(), root),
            (idx + 1, size, leaf_h, want.clone(), root),
            (idx ^ 2, size, leaf_h, want.clone(), root),
            (idx, size * 2, leaf_h, want.clone(), root),
            (idx, size / 2, leaf_h, want.clone(), root),
            (idx, size, P.leaf_hash(b"WrongLeaf"), want.clone(), root),
            (idx, size, leaf_h, want.clone(), P.empty_root()),
            (idx, size, leaf_h, [want.clone(), vec![root]].concat(), root),
            (idx, size, leaf_h, [vec![root], want.clone()].concat(), root),
        ];
        for i in 0..want.len() {
            let mut p = want.clone();
            p[i][0] ^= 8;
            bad.push((idx, size, leaf_h, p, root));
        }
        if !want.is_empty() {
            bad.push((idx, size, leaf_h, want[..want.len() - 1].to_vec(), root));
        }
        for (i, s, lf, p, r) in bad {
            assert!(
                verify_inclusion(P, &lf, i, s, &p, &r).is_err(),
                "accepted corrupted proof idx={i} size={s}"
            );
        }
    }
}

#[test]
fn reference_consistency_proofs() {
    let l = leaves();
    for (m, n, want) in consistency_vectors() {
        let got = consistency_proof(P, &l[..n as usize], m).unwrap();
        assert_eq!(got, want, "{m} -> {n}");
        let r1 = h(ROOTS[m as usize - 1]);
        let r2 = h(ROOTS[n as usize - 1]);
        verify_consistency(P, m, n, &r1, &r2, &want).unwrap();
        if want.is_empty() {
            continue;
        }
        let mut bad: Vec<(u64, u64, Digest, Digest, Vec<Digest>)> = vec![
            (m - 1, n, r1, r2, want.clone()),
            (m + 1, n, r1, r2, want.clone()),
            (m ^ 2, n, r1, r2, want.clone()),
            (m, n * 2, r1, r2, want.clone()),
            (m, n / 2, r1, r2, want.clone()),
            (m, n, P.digest(b"WrongRoot"), r2, want.clone()),
            (m, n, r1, P.digest(b"WrongRoot"), want.clone()),
            (m, n, r2, r1, want.clone()),
            (m, n, r1, r2, vec![]),
            (m, n, r1, r2, [want.clone(), vec![r1]].concat()),
            (m, n, r1, r2, [want.clone(), vec![r2]].concat()),
            (m, n, r1, r2, [vec![r1], want.clone()].concat()),
            (m, n, r1, r2, [vec![r2], want.clone()].concat()),
            (m, n, r1, r2, [vec![want[0]], want.clone()].concat()),
            (m, n, r1, r2, want[..want.len() - 1].to_vec()),
        ];
        for i in 0..want.len() {
            let mut p = want.clone();
            p[i][0] ^= 16;
            bad.push((m, n, r1, r2, p));
        }
        for (a, b, x, y, p) in bad {
            assert!(
                verify_consistency(P, a, b, &x, &y, &p).is_err(),
                "accepted corrupted consistency proof {a}->{b}"
            );
        }
    }
}

#[test]
fn consistency_edge_cases() {
    let r = P.digest(b"x");
    let e = P.empty_root();
    // Empty old tree: consistent with anything given the empty root and no proof.
    verify_consistency(P, 0, 0, &e, &e, &[]).unwrap();
    verify_consistency(P, 0, 5, &e, &r, &[]).unwrap();
    assert!(verify_consistency(P, 0, 5, &r, &r, &[]).is_err());
    assert!(verify_consistency(P, 0, 5, &e, &r, &[e]).is_err());
    // Equal sizes need equal roots and an empty proof.
    verify_consistency(P, 3, 3, &r, &r, &[]).unwrap();
    assert!(verify_consistency(P, 3, 3, &r, &e, &[]).is_err());
    assert!(verify_consistency(P, 3, 3, &r, &r, &[e]).is_err());
    // Time travel.
    assert!(verify_consistency(P, 2, 1, &r, &r, &[]).is_err());
    assert!(verify_consistency(P, 1, 2, &r, &e, &[]).is_err());
}

#[test]
fn proof_request_errors() {
    let l = leaves();
    assert!(inclusion_proof(P, &l, 8).is_err());
    assert!(inclusion_proof(P, &[], 0).is_err());
    assert!(consistency_proof(P, &l, 0).is_err());
    assert!(consistency_proof(P, &l, 9).is_err());
    assert!(verify_inclusion(P, &l[0], 0, 0, &[], &l[0]).is_err());
    assert!(verify_inclusion(P, &l[0], 1, 1, &[], &l[0]).is_err());
}

#[test]
fn frontier_from_bytes_validates_count() {
    let l = leaves();
    let mut f = Frontier::new();
    f.extend(P, &l[..7]);
    let b = f.to_bytes();
    assert_eq!(b.len(), 96);
    assert_eq!(Frontier::from_bytes(7, &b).unwrap(), f);
    assert!(Frontier::from_bytes(8, &b).is_err());
    assert!(Frontier::from_bytes(7, &b[..64]).is_err());
    assert!(Frontier::from_bytes(7, &b[..95]).is_err());
    assert_eq!(Frontier::from_bytes(0, &[]).unwrap(), Frontier::new());
    // A frontier restored from bytes keeps growing correctly.
    let mut g = Frontier::from_bytes(7, &b).unwrap();
    g.push(P, l[7]);
    assert_eq!(g.root(P), h(ROOTS[7]));
}

fn random_leaves(max: usize) -> impl Strategy<Value = Vec<Digest>> {
    proptest::collection::vec(any::<[u8; 32]>(), 1..max)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_inclusion_proof_verifies(l in random_leaves(70)) {
        let n = l.len() as u64;
        let root = root_of(P, &l);
        for i in 0..n {
            let p = inclusion_proof(P, &l, i).unwrap();
            prop_assert!(verify_inclusion(P, &l[i as usize], i, n, &p, &root).is_ok());
        }
    }

    #[test]
    fn every_consistency_proof_verifies(l in random_leaves(70)) {
        let n = l.len();
        let new_root = root_of(P, &l);
        for m in 1..=n {
            let p = consistency_proof(P, &l, m as u64).unwrap();
            let old_root = root_of(P, &l[..m]);
            prop_assert!(verify_consistency(P, m as u64, n as u64, &old_root, &new_root, &p).is_ok());
        }
    }

    #[test]
    fn flipped_bits_are_rejected(l in random_leaves(70), pick in any::<u64>(), bit in 0usize..256, which in 0u8..3) {
        let n = l.len() as u64;
        let i = pick % n;
        let mut root = root_of(P, &l);
        let mut leaf = l[i as usize];
        let mut p = inclusion_proof(P, &l, i).unwrap();
        let flip = |d: &mut Digest| d[bit / 8] ^= 1 << (bit % 8);
        match which {
            0 if !p.is_empty() => { let k = (pick as usize / 7) % p.len(); flip(&mut p[k]) }
            1 => flip(&mut leaf),
            _ => flip(&mut root),
        }
        prop_assert!(verify_inclusion(P, &leaf, i, n, &p, &root).is_err());
    }

    #[test]
    fn flipped_bits_in_consistency_are_rejected(l in random_leaves(70), pick in any::<u64>(), bit in 0usize..256, which in 0u8..3) {
        let n = l.len() as u64;
        let m = 1 + pick % n;
        let mut old_root = root_of(P, &l[..m as usize]);
        let mut new_root = root_of(P, &l);
        let mut p = consistency_proof(P, &l, m).unwrap();
        let flip = |d: &mut Digest| d[bit / 8] ^= 1 << (bit % 8);
        match which {
            0 if !p.is_empty() => { let k = (pick as usize / 7) % p.len(); flip(&mut p[k]) }
            1 => flip(&mut old_root),
            _ => flip(&mut new_root),
        }
        prop_assert!(verify_consistency(P, m, n, &old_root, &new_root, &p).is_err());
    }

    #[test]
    fn frontier_matches_root_of_for_every_size(l in random_leaves(140)) {
        let mut f = Frontier::new();
        for k in 0..l.len() {
            f.push(P, l[k]);
            prop_assert_eq!(f.size(), k as u64 + 1);
            prop_assert_eq!(f.root(P), root_of(P, &l[..=k]));
            prop_assert_eq!(f.hashes().len() as u32, f.size().count_ones());
            let back = Frontier::from_bytes(f.size(), &f.to_bytes()).unwrap();
            prop_assert_eq!(&back, &f);
        }
    }
}

/// Perfect subtrees computed from all leaves, counting the questions.
struct FromLeaves<'a> {
    leaves: &'a [Digest],
    asked: usize,
}

impl SubtreeSource for FromLeaves<'_> {
    type Error = LedgerError;
    fn subtree(&mut self, s: Subtree) -> Result<Digest, LedgerError> {
        self.asked += 1;
        let (a, b) = (s.first_leaf() as usize, s.end() as usize);
        assert!(b <= self.leaves.len(), "{s:?} is outside the tree");
        Ok(root_of(P, &self.leaves[a..b]))
    }
}

fn distinct_leaves(n: usize) -> Vec<Digest> {
    (0..n)
        .map(|i| P.leaf_hash(&(i as u64).to_be_bytes()))
        .collect()
}

#[test]
fn proofs_from_subtrees_equal_proofs_from_leaves() {
    let l = distinct_leaves(70);
    for n in 1..=l.len() {
        let leaves = &l[..n];
        let mut src = FromLeaves { leaves, asked: 0 };
        assert_eq!(
            root_from(P, n as u64, &mut src).unwrap(),
            root_of(P, leaves)
        );
        for i in 0..n as u64 {
            let mut src = FromLeaves { leaves, asked: 0 };
            let got = inclusion_proof_from(P, n as u64, i, &mut src).unwrap();
            assert_eq!(
                got,
                inclusion_proof(P, leaves, i).unwrap(),
                "leaf {i} of {n}"
            );
            // One subtree per proof element, plus the parts of at most one
            // right-edge sibling.
            assert!(src.asked <= 2 * (usize::BITS - n.leading_zeros()) as usize);
        }
        for m in 1..=n as u64 {
            let mut src = FromLeaves { leaves, asked: 0 };
            let got = consistency_proof_from(P, m, n as u64, &mut src).unwrap();
            assert_eq!(got, consistency_proof(P, leaves, m).unwrap(), "{m} -> {n}");
        }
    }
    let mut src = FromLeaves {
        leaves: &l,
        asked: 0,
    };
    assert!(inclusion_proof_from(P, 5, 5, &mut src).is_err());
    assert!(consistency_proof_from(P, 0, 5, &mut src).is_err());
    assert!(consistency_proof_from(P, 6, 5, &mut src).is_err());
    assert_eq!(root_from(P, 0, &mut src).unwrap(), P.empty_root());
}

#[test]
fn proofs_from_subtrees_at_large_sizes_ask_for_few_subtrees() {
    // Sizes far beyond memory: only the shape matters to the recorder.
    for (n, i) in [
        (10_000_000u64, 1_234_567u64),
        ((1 << 40) + 12_345, 77),
        (u64::MAX / 2, 3),
    ] {
        let mut rec = SubtreeRecorder::default();
        let p = inclusion_proof_from(P, n, i, &mut rec).unwrap();
        assert_eq!(p.len() as u32, 64 - (n - 1).leading_zeros());
        assert!(rec.wanted.len() <= 2 * 64, "{n}: {}", rec.wanted.len());
        assert!(rec.wanted.iter().all(|s| s.end() <= n));
        let mut rec = SubtreeRecorder::default();
        consistency_proof_from(P, i + 1, n, &mut rec).unwrap();
        assert!(rec.wanted.len() <= 3 * 64, "{n}: {}", rec.wanted.len());
    }
}

#[test]
fn push_with_reports_every_perfect_subtree_once_in_completion_order() {
    let l = distinct_leaves(100);
    let mut f = Frontier::new();
    let mut seen = Vec::new();
    for leaf in &l {
        f.push_with(P, *leaf, |s, d| seen.push((s, *d)));
    }
    // Every perfect subtree of two or more leaves inside 100 leaves, once.
    let mut want = Vec::new();
    for level in 1..7u32 {
        for index in 0..(100u64 >> level) {
            want.push(Subtree { level, index });
        }
    }
    let mut got: Vec<Subtree> = seen.iter().map(|(s, _)| *s).collect();
    // Completion order: by last leaf, then smallest first.
    assert!(seen
        .windows(2)
        .all(|w| (w[0].0.end(), w[0].0.level) < (w[1].0.end(), w[1].0.level)));
    for (s, d) in &seen {
        assert_eq!(
            *d,
            root_of(P, &l[s.first_leaf() as usize..s.end() as usize])
        );
    }
    got.sort();
    want.sort();
    assert_eq!(got, want);
    // The frontier is made of exactly the subtrees `Frontier::subtrees` names.
    let parts = Frontier::subtrees(100);
    assert_eq!(
        parts.iter().map(|s| (s.level, s.index)).collect::<Vec<_>>(),
        [(6, 0), (5, 2), (2, 24)]
    );
    let hashes: Vec<Digest> = parts
        .iter()
        .map(|s| root_of(P, &l[s.first_leaf() as usize..s.end() as usize]))
        .collect();
    assert_eq!(hashes, f.hashes());
    assert_eq!(Frontier::from_hashes(100, hashes.clone()).unwrap(), f);
    assert!(Frontier::from_hashes(101, hashes).is_err());
}
