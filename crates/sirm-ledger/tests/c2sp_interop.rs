//! SIRM checkpoints, cosignatures and consistency proofs checked by
//! implementations that are not SIRM's: the `signed_note` crate (a port of
//! Go's `golang.org/x/mod/sumdb/note`, the reference of C2SP signed-note)
//! verifies the agency's signature; `tlog_tiles` (a port of Go's
//! `golang.org/x/mod/sumdb/tlog`) parses the checkpoint and checks the
//! consistency proofs a witness is sent; and a cosignature is checked by a
//! verifier written here from the text of c2sp.org/tlog-cosignature.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use sha2::{Digest as _, Sha256};
use sirm_ledger::{merkle, Checkpoint, CryptoProfile, SignedCheckpoint, WitnessKey};

fn leaves(n: u64) -> Vec<[u8; 32]> {
    (0..n)
        .map(|i| CryptoProfile::Sha256Ed25519.leaf_hash(format!("entry {i}").as_bytes()))
        .collect()
}

fn signed(key: &sirm_ledger::SigningKey, leaves: &[[u8; 32]]) -> SignedCheckpoint {
    SignedCheckpoint::sign(
        Checkpoint {
            origin: "sirm:110105".into(),
            tree_size: leaves.len() as u64,
            root: merkle::root_of(CryptoProfile::Sha256Ed25519, leaves),
            time: chrono::Utc::now(),
        },
        key,
    )
}

#[test]
fn signed_note_crate_verifies_a_sirm_checkpoint() {
    let key = CryptoProfile::Sha256Ed25519.generate_signing_key();
    let cp = signed(&key, &leaves(1000));
    let note = cp.to_note();
    let vk =
        ed25519_dalek::VerifyingKey::from_bytes(key.public_key().as_bytes().try_into().unwrap())
            .unwrap();
    let vkey = signed_note::new_ed25519_verifier_key("sirm:110105", &vk);
    let verifier = signed_note::StandardVerifier::new(&vkey).unwrap();
    let list = signed_note::VerifierList::new(vec![Box::new(verifier)]);
    let parsed = signed_note::Note::from_bytes(note.as_bytes()).unwrap();
    let (verified, _) = parsed.verify(&list).unwrap();
    assert_eq!(verified.len(), 1);
    // Altered, it does not verify.
    let altered = note.replacen("\n1000\n", "\n1001\n", 1);
    let parsed = signed_note::Note::from_bytes(altered.as_bytes()).unwrap();
    assert!(parsed.verify(&list).is_err());

    // tlog_tiles reads the body as a checkpoint: origin, size, root, and
    // our time line as an extension line.
    let text = parsed_text(&note);
    let c = tlog_tiles::Checkpoint::from_bytes(text.as_bytes()).unwrap();
    assert_eq!(c.origin(), "sirm:110105");
    assert_eq!(c.size(), 1000);
    assert_eq!(c.hash().0, cp.checkpoint.root);
    assert!(c.extension().starts_with("time "), "{:?}", c.extension());
}

fn parsed_text(note: &str) -> String {
    let i = note.rfind("\n\n").unwrap();
    note[..=i].to_string()
}

#[test]
fn tlog_tiles_checks_sirm_consistency_proofs() {
    let all = leaves(300);
    for (m, n) in [
        (1u64, 2u64),
        (7, 8),
        (8, 300),
        (100, 257),
        (299, 300),
        (300, 300),
    ] {
        let proof =
            merkle::consistency_proof(CryptoProfile::Sha256Ed25519, &all[..n as usize], m).unwrap();
        let old = merkle::root_of(CryptoProfile::Sha256Ed25519, &all[..m as usize]);
        let new = merkle::root_of(CryptoProfile::Sha256Ed25519, &all[..n as usize]);
        let p: Vec<tlog_tiles::Hash> = proof.iter().map(|h| tlog_tiles::Hash(*h)).collect();
        tlog_tiles::check_tree(&p, n, tlog_tiles::Hash(new), m, tlog_tiles::Hash(old))
            .unwrap_or_else(|e| panic!("{m} -> {n}: {e:?}"));
        if m < n {
            let mut bad = p.clone();
            bad[0].0[0] ^= 1;
            assert!(tlog_tiles::check_tree(
                &bad,
                n,
                tlog_tiles::Hash(new),
                m,
                tlog_tiles::Hash(old)
            )
            .is_err());
        }
    }
}

/// c2sp.org/tlog-cosignature, written from the text: key ID =
/// SHA-256(name || "\n" || 0x04 || public key)[:4]; signature = u64 BE
/// timestamp || Ed25519 over "cosignature/v1\ntime <t>\n" || note text.
#[test]
fn a_sirm_cosignature_checks_against_the_specification() {
    let key = CryptoProfile::Sha256Ed25519.generate_signing_key();
    let note = signed(&key, &leaves(10)).to_note();
    let text = parsed_text(&note);
    let w = WitnessKey::generate("witness.example/w1").unwrap();
    let line = w.cosign(&text, 1_764_000_000);
    let vkey = w.verifier().to_vkey();
    let public = B64.decode(vkey.splitn(3, '+').nth(2).unwrap()).unwrap();
    assert_eq!(public[0], 0x04);
    let pk = ed25519_dalek::VerifyingKey::from_bytes(public[1..].try_into().unwrap()).unwrap();

    let rest = line
        .strip_prefix("\u{2014} witness.example/w1 ")
        .unwrap()
        .trim_end();
    let raw = B64.decode(rest).unwrap();
    let mut id = Sha256::new();
    id.update(b"witness.example/w1\n\x04");
    id.update(pk.as_bytes());
    assert_eq!(raw[..4], id.finalize()[..4]);
    assert_eq!(
        u64::from_be_bytes(raw[4..12].try_into().unwrap()),
        1_764_000_000
    );
    let msg = format!("cosignature/v1\ntime 1764000000\n{text}");
    let sig = ed25519_dalek::Signature::from_slice(&raw[12..]).unwrap();
    pk.verify_strict(msg.as_bytes(), &sig).unwrap();

    // And the signed_note crate accepts the cosigned note as a note signed
    // by the log (it ignores the cosignature, an unknown key to it).
    let vk =
        ed25519_dalek::VerifyingKey::from_bytes(key.public_key().as_bytes().try_into().unwrap())
            .unwrap();
    let list = signed_note::VerifierList::new(vec![Box::new(
        signed_note::StandardVerifier::new(&signed_note::new_ed25519_verifier_key(
            "sirm:110105",
            &vk,
        ))
        .unwrap(),
    )]);
    let cosigned = format!("{note}{line}");
    let parsed = signed_note::Note::from_bytes(cosigned.as_bytes()).unwrap();
    let (verified, unverified) = parsed.verify(&list).unwrap();
    assert_eq!((verified.len(), unverified.len()), (1, 1));
}
