#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The 国密 profile (`sm3-sm2`) against the standards' published vectors:
//! SM3 (GB/T 32905-2016), SM4 (GB/T 32907-2016), SM4-GCM (RFC 8998),
//! SM2 signatures (GM/T 0003-2012 / GB/T 32918), and what SIRM builds on
//! them (RFC 6962 tree hashing, HMAC-SM3, key files, checkpoints).

use sirm_ledger::crypto::SM2_DEFAULT_ID;
use sirm_ledger::{
    consistency_proof, inclusion_proof, root_of, verify_consistency, verify_inclusion, Checkpoint,
    CryptoProfile, Digest, Frontier, PublicKey, SecretKey, SignedCheckpoint, SigningKey,
};

const GM: CryptoProfile = CryptoProfile::Sm3Sm2;

fn h(s: &str) -> Digest {
    hex::decode(s).unwrap().try_into().unwrap()
}

// ------------------------------------------------------------------ SM3

#[test]
fn sm3_standard_examples() {
    // GB/T 32905-2016 (GM/T 0004-2012) Appendix A, examples 1 and 2.
    assert_eq!(
        hex::encode(GM.digest(b"abc")),
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    );
    assert_eq!(
        hex::encode(GM.digest("abcd".repeat(16).as_bytes())),
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    );
    // SM3 of the empty string: the root of the empty tree.
    assert_eq!(
        hex::encode(GM.empty_root()),
        "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"
    );
}

/// Roots of the RFC 6962 reference leaves (tests/merkle.rs) under SM3, sizes
/// 1..=8, computed independently: RFC 6962 §2.1 MTH written out in Python
/// over hashlib's SM3 (OpenSSL).
const SM3_ROOTS: [&str; 8] = [
    "2daef60e7a0b8f5e024c81cd2ab3109f2b4f155cf83adeb2ae5532f74a157fdf",
    "0b990fe0c7ad70f1bf1a1262f2c7908ea48146b14253a6db99f2917ab1f5cc4d",
    "209ec96a210d662a964772680e8544d18cab7b88ffec3e00962220349b56ea56",
    "28e4e307ef6d2d0c62d84b11ef96e835efe490f35b93c8f024ecfe38c8dd4377",
    "bb10c996aeebbcdc69be3715fc847344de77442d37a5ab8213da9f41785b103b",
    "8723c1ab1f82ddfba4a3733ac0c80d936d9f4c208c7dbc8cc81ca9fff8584f66",
    "bd36c22a1ac6ff4308e0c3cc1a85bf0ffa30538ec60a55c70413ab15d45db4d2",
    "bc48ba7a709184b5f2a631e1adeb8dc2a0d4c018c1d6cc89b5664fe154c93b38",
];

#[test]
fn sm3_merkle_tree_is_rfc6962() {
    let inputs = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .map(|s| hex::decode(s).unwrap());
    let leaves: Vec<Digest> = inputs.iter().map(|d| GM.leaf_hash(d)).collect();
    // Leaf: SM3(0x00 || data); node: SM3(0x01 || left || right).
    let mut zero_prefixed = vec![0u8];
    zero_prefixed.extend_from_slice(&inputs[3]);
    assert_eq!(leaves[3], GM.digest(&zero_prefixed));
    let mut node = vec![1u8];
    node.extend_from_slice(&leaves[0]);
    node.extend_from_slice(&leaves[1]);
    assert_eq!(GM.node_hash(&leaves[0], &leaves[1]), GM.digest(&node));

    let mut f = Frontier::new();
    for (n, want) in SM3_ROOTS.iter().enumerate() {
        assert_eq!(root_of(GM, &leaves[..=n]), h(want), "size {}", n + 1);
        f.push(GM, leaves[n]);
        assert_eq!(f.root(GM), h(want), "frontier size {}", n + 1);
    }
    assert_eq!(Frontier::new().root(GM), GM.empty_root());
    // Proofs verify under SM3 and never under SHA-256.
    let intl = CryptoProfile::Sha256Ed25519;
    for n in 1..=8u64 {
        let l = &leaves[..n as usize];
        let root = root_of(GM, l);
        for i in 0..n {
            let p = inclusion_proof(GM, l, i).unwrap();
            verify_inclusion(GM, &l[i as usize], i, n, &p, &root).unwrap();
            if n > 1 {
                assert!(verify_inclusion(intl, &l[i as usize], i, n, &p, &root).is_err());
            }
        }
        for m in 1..=n {
            let p = consistency_proof(GM, l, m).unwrap();
            let old = root_of(GM, &l[..m as usize]);
            verify_consistency(GM, m, n, &old, &root, &p).unwrap();
        }
    }
}

// ------------------------------------------------------------------ SM4

#[test]
fn sm4_standard_example() {
    use sm4::cipher::{BlockEncrypt as _, KeyInit as _};
    // GB/T 32907-2016 Appendix A, example 1: key = plaintext.
    let key = hex::decode("0123456789abcdeffedcba9876543210").unwrap();
    let cipher = sm4::Sm4::new_from_slice(&key).unwrap();
    let mut block = sm4::cipher::generic_array::GenericArray::clone_from_slice(&key);
    cipher.encrypt_block(&mut block);
    assert_eq!(hex::encode(block), "681edf34d206965e86b3e94f536e4246");
    // Example 2: the same block encrypted 1,000,000 times.
    let mut block = sm4::cipher::generic_array::GenericArray::clone_from_slice(&key);
    for _ in 0..1_000_000 {
        cipher.encrypt_block(&mut block);
    }
    assert_eq!(hex::encode(block), "595298c7c6fd271f0402f804c33d3f66");
}

/// The 32-byte field key whose SM4 key (its first 16 bytes) is `k16`.
fn field_key(k16: &str) -> SecretKey {
    let mut k = hex::decode(k16).unwrap();
    k.resize(32, 0);
    SecretKey::from_bytes(&k).unwrap()
}

#[test]
fn sm4_gcm_rfc8998_vector() {
    // RFC 8998 Appendix A.1 (SM4-GCM test vector), through the profile's
    // own seal/open: sealed = nonce || ciphertext || tag.
    let key = field_key("0123456789abcdeffedcba9876543210");
    let nonce: [u8; 12] = hex::decode("00001234567800000000abcd")
        .unwrap()
        .try_into()
        .unwrap();
    let aad = hex::decode("feedfacedeadbeeffeedfacedeadbeefabaddad2").unwrap();
    let pt = hex::decode(
        "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd\
         eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa",
    )
    .unwrap();
    let want_ct = "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735\
                   d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d";
    let want_tag = "83de3541e4c2b58177e065a9bf7b62ec";
    let sealed = GM.seal_with_nonce(&key, &nonce, &aad, &pt);
    assert_eq!(hex::encode(&sealed[..12]), "00001234567800000000abcd");
    assert_eq!(hex::encode(&sealed[12..12 + pt.len()]), want_ct);
    assert_eq!(hex::encode(&sealed[12 + pt.len()..]), want_tag);
    assert_eq!(GM.open(&key, &aad, &sealed).unwrap().as_slice(), &pt[..]);
    // The second half of the 32-byte key is not SM4's.
    let other_half = {
        let mut k = key.expose().to_vec();
        k[31] ^= 1;
        SecretKey::from_bytes(&k).unwrap()
    };
    assert_eq!(GM.seal_with_nonce(&other_half, &nonce, &aad, &pt), sealed);
}

#[test]
fn sm4_gcm_seal_open_round_trip_and_tamper() {
    let k = SecretKey::generate();
    let id = b"110101199003074354";
    let s = GM.seal(&k, b"blind-index", id);
    assert_eq!(s.len(), 12 + id.len() + 16);
    assert_eq!(GM.open(&k, b"blind-index", &s).unwrap().as_slice(), id);
    for i in 0..s.len() {
        let mut t = s.clone();
        t[i] ^= 0x80;
        assert!(GM.open(&k, b"blind-index", &t).is_err(), "byte {i} flipped");
    }
    assert!(GM.open(&k, b"other", &s).is_err(), "aad bound");
    assert!(GM.open(&SecretKey::generate(), b"blind-index", &s).is_err());
    assert!(GM.open(&k, b"blind-index", &s[..27]).is_err(), "too short");
    assert!(CryptoProfile::Sha256Ed25519
        .open(&k, b"blind-index", &s)
        .is_err());
    assert_ne!(s, GM.seal(&k, b"blind-index", id), "random nonce");
    assert_eq!(GM.field_cipher_name(), "HMAC-SM3 / SM4-GCM");
}

#[test]
fn hmac_sm3_blind_index() {
    // Computed independently: Python hmac.new(key, msg, "sm3") (OpenSSL's SM3).
    let zero = SecretKey::from_bytes(&[0u8; 32]).unwrap();
    assert_eq!(
        hex::encode(GM.keyed_hash(&zero, b"abc")),
        "36525058ca466791502435c910517f1a7e86613d5f35ac1f18a94def0eaac81f"
    );
    let k: Vec<u8> = (0u8..32).collect();
    let k = SecretKey::from_bytes(&k).unwrap();
    assert_eq!(
        hex::encode(GM.keyed_hash(&k, b"110101199003074354")),
        "80b35f093c2ea96643b581a3f8abcea5d1c2b1d67f64ecbbcda826ab2292fd22"
    );
    assert_eq!(
        hex::encode(CryptoProfile::Sha256Ed25519.keyed_hash(&k, b"110101199003074354")),
        "42b57e7a20b7ef8e81cc6e11e0b8e9b0399962e5e599ff8ad5ec61d085392cd6"
    );
}

// ------------------------------------------------------------------ SM2

/// The signature example on the SM2 recommended curve of GM/T 0003.5-2012
/// Annex A (the parameters of GB/T 32918.5), user ID "1234567812345678" —
/// the same vector OpenSSL's test/sm2_internal_test.c checks.
mod annex {
    pub const D: &str = "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8";
    pub const XA: &str = "09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020";
    pub const YA: &str = "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13";
    pub const MSG: &[u8] = b"message digest";
    pub const ZA: &str = "b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3";
    pub const E: &str = "f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640";
    pub const K: &str = "59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21";
    pub const X1: &str = "04ebfc718e8d1798620432268e77feb6415e2ede0e073c0f4f640ecd2e149a73";
    pub const R: &str = "f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3";
    pub const S: &str = "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa";
    /// Curve coefficients a, b and the base point G of the recommended curve.
    pub const A: &str = "fffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffc";
    pub const B: &str = "28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93";
    pub const XG: &str = "32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7";
    pub const YG: &str = "bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0";
}

fn annex_key() -> SigningKey {
    SigningKey::from_file_text(&format!("sirm-signing-key v1 sm3-sm2 {}\n", annex::D)).unwrap()
}

#[test]
fn sm2_annex_key_pair_and_signature_verify() {
    let sk = annex_key();
    let pk = sk.public_key();
    assert_eq!(pk.to_hex(), format!("04{}{}", annex::XA, annex::YA));
    // The published signature r || s verifies under the published key...
    let sig = hex::decode(format!("{}{}", annex::R, annex::S)).unwrap();
    pk.verify(annex::MSG, &sig).unwrap();
    // ...read from a public key file as well...
    let from_text = PublicKey::from_text(&format!(
        "sirm-public-key v1 sm3-sm2 04{}{}\n",
        annex::XA,
        annex::YA
    ))
    .unwrap();
    from_text.verify(annex::MSG, &sig).unwrap();
    // ...and not over another message, nor altered.
    assert!(pk.verify(b"message digesT", &sig).is_err());
    for i in [0, 31, 32, 63] {
        let mut bad = sig.clone();
        bad[i] ^= 1;
        assert!(pk.verify(annex::MSG, &bad).is_err(), "byte {i}");
    }
    // Another user ID gives another Z_A: the key under ID "ALICE123@YAHOO.COM"
    // (GB/T 32918.2's own example ID) does not verify it.
    use sm2::dsa::signature::Verifier as _;
    let bytes = hex::decode(format!("04{}{}", annex::XA, annex::YA)).unwrap();
    let alice = sm2::dsa::VerifyingKey::from_sec1_bytes("ALICE123@YAHOO.COM", &bytes).unwrap();
    let s = sm2::dsa::Signature::from_slice(&sig).unwrap();
    assert!(alice.verify(annex::MSG, &s).is_err());
    let default = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DEFAULT_ID, &bytes).unwrap();
    default.verify(annex::MSG, &s).unwrap();
}

#[test]
fn sm2_annex_signature_recomputed_from_its_k() {
    use sm2::elliptic_curve::ff::PrimeField as _;
    use sm2::elliptic_curve::ops::{MulByGenerator as _, Reduce as _};
    use sm2::elliptic_curve::point::AffineCoordinates as _;
    use sm2::{FieldBytes, ProjectivePoint, Scalar};

    let fb = |s: &str| FieldBytes::clone_from_slice(&hex::decode(s).unwrap());
    // Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A), ENTL = 128 bits.
    let mut z = vec![0x00, 0x80];
    z.extend_from_slice(SM2_DEFAULT_ID.as_bytes());
    for part in [
        annex::A,
        annex::B,
        annex::XG,
        annex::YG,
        annex::XA,
        annex::YA,
    ] {
        z.extend_from_slice(&hex::decode(part).unwrap());
    }
    let za = GM.digest(&z);
    assert_eq!(hex::encode(za), annex::ZA);
    // e = SM3(Z_A || M).
    let mut m = za.to_vec();
    m.extend_from_slice(annex::MSG);
    let e = GM.digest(&m);
    assert_eq!(hex::encode(e), annex::E);
    // (x1, y1) = [k]G; r = (e + x1) mod n; s = (1 + d)^-1 (k - r d) mod n.
    let d = Scalar::from_repr(fb(annex::D)).unwrap();
    let k = Scalar::from_repr(fb(annex::K)).unwrap();
    let x1 = ProjectivePoint::mul_by_generator(&k).to_affine().x();
    assert_eq!(hex::encode(x1), annex::X1);
    let e = Scalar::reduce_bytes(&FieldBytes::from(e));
    let r = e + Scalar::reduce_bytes(&x1);
    let s = (Scalar::ONE + d).invert().unwrap() * (k - r * d);
    assert_eq!(hex::encode(r.to_repr()), annex::R);
    assert_eq!(hex::encode(s.to_repr()), annex::S);
}

#[test]
fn sm2_sign_verify_round_trip() {
    let sk = GM.generate_signing_key();
    let pk = sk.public_key();
    for msg in [&b""[..], b"x", &[0xa5u8; 4096]] {
        let sig = sk.sign(msg);
        assert_eq!(sig.len(), 64, "r || s");
        pk.verify(msg, &sig).unwrap();
    }
    // The annex key signs too, and the key file round-trips byte for byte.
    let annex = annex_key();
    let sig = annex.sign(b"sirm");
    annex.public_key().verify(b"sirm", &sig).unwrap();
    assert_eq!(
        annex.to_file_text(),
        format!("sirm-signing-key v1 sm3-sm2 {}\n", annex::D)
    );
    assert!(pk.verify(b"sirm", &sig).is_err(), "another key");
}

#[test]
fn gm_key_file_where_intl_is_expected_is_refused() {
    let intl = CryptoProfile::Sha256Ed25519;
    let gm_key = annex_key();
    let e = SigningKey::from_file_text_for(intl, &gm_key.to_file_text()).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("sm3-sm2 signing key") && msg.contains("sha256-ed25519 profile"),
        "{msg}"
    );
    let e = PublicKey::from_text_for(intl, &gm_key.public_key().to_text()).unwrap_err();
    assert!(e.to_string().contains("sm3-sm2 public key"), "{e}");
    // A gm checkpoint does not verify under an international key, and says why.
    let cp = SignedCheckpoint::sign(
        Checkpoint {
            origin: "sirm:110105".into(),
            tree_size: 1,
            root: GM.leaf_hash(b""),
            time: chrono::Utc::now(),
        },
        &gm_key,
    );
    let e = cp
        .verify(&intl.generate_signing_key().public_key())
        .unwrap_err();
    assert!(e.to_string().contains("sm3-sm2"), "{e}");
    cp.verify(&gm_key.public_key()).unwrap();
    let note = cp.to_note();
    assert!(note.contains("\nprofile sm3-sm2\n\n"), "{note}");
    SignedCheckpoint::from_note(&note)
        .unwrap()
        .verify(&gm_key.public_key())
        .unwrap();
}
