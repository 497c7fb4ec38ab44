//! Checks of a package without an installation: a small ledger built in
//! memory, its signed checkpoint and proofs; a figure that differs from the
//! recomputation, a checkpoint of another key, an entry outside the tree.

use chrono::Utc;
use rust_decimal::Decimal;
use serde_json::json;
use sirm_domain::id::PersonKey;
use sirm_domain::records::{bases_of, kind, transfer_inputs, TransferredOut};
use sirm_domain::rules::{RoundingMode, RoundingRule};
use sirm_domain::RuleId;
use sirm_ledger::{merkle, Checkpoint, CryptoProfile, Entry, EntryDraft, SignedCheckpoint, Stream};

use super::package::{verify_package, Package, PackageBody, WireEntry};

fn entry(seq: u64, kind: &str, subject: &str, payload: serde_json::Value) -> Entry {
    Entry::from_draft(
        seq,
        EntryDraft {
            time: Utc::now(),
            agency: "A".into(),
            stream: Stream::Business,
            kind: kind.into(),
            subject: subject.into(),
            application: None,
            actors: vec!["t".into()],
            payload,
        },
    )
    .unwrap()
}

/// A package of one person: a registration-like entry, an entry of
/// another subject (not in the package) and the transfer out with
/// `total` as its total.
fn package(key: &sirm_ledger::SigningKey, raise: Decimal) -> Package {
    let p = CryptoProfile::Sha256Ed25519;
    let person = PersonKey::from_digest(&[7; 32]);
    let subject = format!("person:{person}");
    let rounding = RoundingRule::new(2, RoundingMode::HalfUp);
    let (balance, history) = transfer_inputs("A", std::iter::empty(), &Default::default()).unwrap();
    let mut figures =
        sirm_domain::rules::benefits::pension_transfer(rounding, balance, &bases_of(&history))
            .unwrap();
    figures.total += raise;
    let out = TransferredOut {
        number: "ZY-B-1".into(),
        person,
        to_agency: "B".into(),
        rule_set: serde_json::from_value(json!({"id": "national", "version": 1})).unwrap(),
        rounding,
        account_balance: balance,
        history,
        figures,
        transferred_on: Utc::now().date_naive(),
    };
    let entries = [
        entry(1, "person.registered", &subject, json!({"x": 1})),
        entry(2, "employer.registered", "employer:x", json!({"x": 2})),
        entry(
            3,
            kind::TRANSFER_OUT,
            &subject,
            serde_json::to_value(&out).unwrap(),
        ),
    ];
    let leaves: Vec<_> = entries.iter().map(|e| e.leaf_hash(p)).collect();
    let cp = SignedCheckpoint::sign(
        Checkpoint {
            origin: "sirm:A".into(),
            tree_size: 3,
            root: merkle::root_of(p, &leaves),
            time: Utc::now(),
        },
        key,
    );
    let mine = [0usize, 2];
    Package::sign(
        PackageBody {
            number: "ZY-B-1".into(),
            from_agency: "A".into(),
            to_agency: "B".into(),
            id_digest: String::new(),
            checkpoint: cp.to_note(),
            entries: mine.iter().map(|i| WireEntry::of(&entries[*i])).collect(),
            proofs: mine
                .iter()
                .map(|i| {
                    merkle::inclusion_proof(p, &leaves, *i as u64)
                        .unwrap()
                        .iter()
                        .map(hex::encode)
                        .collect()
                })
                .collect(),
        },
        key,
    )
    .unwrap()
}

fn rule_of(e: crate::AppError) -> Option<RuleId> {
    e.rule()
}

#[test]
fn a_package_is_checked_through_and_through() {
    let key = CryptoProfile::Sha256Ed25519.generate_signing_key();
    let good = package(&key, Decimal::ZERO);
    assert!(verify_package(&good, &key.public_key(), "A", "B").is_ok());
    // Figures that differ from the recomputation, though proven and signed.
    let raised = package(&key, Decimal::ONE);
    let e = verify_package(&raised, &key.public_key(), "A", "B").unwrap_err();
    assert_eq!(rule_of(e), Some(RuleId::TransferFigures));
    // Another key: the package's and the checkpoint's signatures fail.
    let other = CryptoProfile::Sha256Ed25519.generate_signing_key();
    let e = verify_package(&good, &other.public_key(), "A", "B").unwrap_err();
    assert_eq!(rule_of(e), Some(RuleId::TransferSignature));
    // To another agency.
    let e = verify_package(&good, &key.public_key(), "A", "C").unwrap_err();
    assert_eq!(rule_of(e), Some(RuleId::TransferSignature));
    // An entry whose sequence number was moved: its proof no longer fits.
    let mut body = good.body.clone();
    body.entries[1].seq = 2;
    let moved = Package::sign(body, &key).unwrap();
    let e = verify_package(&moved, &key.public_key(), "A", "B").unwrap_err();
    assert_eq!(rule_of(e), Some(RuleId::TransferProof));
    // A checkpoint of a smaller tree than the proofs were made for.
    let mut body = good.body.clone();
    let cp = SignedCheckpoint::from_note(&body.checkpoint).unwrap();
    let smaller = SignedCheckpoint::sign(
        Checkpoint {
            tree_size: 2,
            ..cp.checkpoint
        },
        &key,
    );
    body.checkpoint = smaller.to_note();
    let e = verify_package(
        &Package::sign(body, &key).unwrap(),
        &key.public_key(),
        "A",
        "B",
    )
    .unwrap_err();
    assert_eq!(rule_of(e), Some(RuleId::TransferProof));
}

/// `[[peers]]` / `[federation]` checked at start-up: each fault one line
/// naming the key at fault.
#[test]
fn peer_config_is_checked_at_start_up() {
    let own = CryptoProfile::Sha256Ed25519.generate_signing_key();
    let other = CryptoProfile::Sha256Ed25519.generate_signing_key();
    let config = |peers: &str| -> crate::Config {
        toml::from_str(&format!(
            "origin = \"sirm:A\"\nagency_code = \"A\"\nagency_name = \"a\"\nprofile = \"sha256-ed25519\"\n{peers}"
        ))
        .unwrap()
    };
    let peer = |agency: &str, url: &str, key: &str| {
        format!(
            "[[peers]]\nagency = \"{agency}\"\nregion = \"r\"\nname = \"n\"\nurl = \"{url}\"\npublic_key = \"{key}\"\n"
        )
    };
    let (k_own, k_other) = (
        own.public_key().to_text().trim().to_string(),
        other.public_key().to_text().trim().to_string(),
    );
    let check = |peers: String| super::peers::check_config(&config(&peers), &own.public_key());
    assert_eq!(check(peer("B", "http://127.0.0.1:8080", &k_other)), Ok(()));
    assert_eq!(check(peer("B", "", &k_other)), Ok(()));
    let err = |peers: String| check(peers).unwrap_err();
    let e = err(peer("B", "ftp://b.example", &k_other));
    assert!(
        e.starts_with("[[peers]] #1 (agency \"B\") url:") && e.contains("https://"),
        "{e}"
    );
    assert!(err(peer("B", "https://", &k_other)).contains("url:"));
    assert!(err(peer("A", "", &k_other)).contains("agency: is this installation's own code"));
    assert!(err(peer("B", "", &k_own)).contains("public_key: is this installation's own key"));
    assert!(err(peer("B", "", "sirm-public-key v1 sha256-ed25519 00")).contains("public_key:"));
    let twice = format!("{}{}", peer("B", "", &k_other), peer("B", "", &k_other));
    assert!(err(twice).starts_with("[[peers]] #2 (agency \"B\") agency: appears twice"));
    let e = err("[federation]\nagency = \"x y\"\n".into());
    assert!(e.starts_with("[federation] agency:"), "{e}");
    assert!(!e.contains('\n'));
}
