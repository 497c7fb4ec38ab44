#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Verifier tests: every tamper case, built in memory.

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use serde_json::json;
use sirm_ledger::{
    root_of, Checkpoint, CheckpointSource, CryptoProfile, Digest, Entry, EntryDraft, Finding,
    SignedCheckpoint, SigningKey, Stream, Verifier, VerifyReport,
};

const P: CryptoProfile = CryptoProfile::Sha256Ed25519;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 3, 0, 0).unwrap()
}

fn entry(seq: u64) -> Entry {
    Entry::from_draft(
        seq,
        EntryDraft {
            time: t0() + Duration::milliseconds(seq as i64 * 10),
            agency: "110105".into(),
            stream: if seq % 5 == 4 {
                Stream::Security
            } else {
                Stream::Business
            },
            kind: "person.registered".into(),
            subject: format!("P-{seq}"),
            application: Some(format!("A-{seq}")),
            actors: vec!["collector1".into(), "reviewer2".into()],
            payload: json!({"name": "张三", "id_number": "110105199001011234", "seq": seq}),
        },
    )
    .unwrap()
}

/// An in-memory "database": rows, the stored leaf column, stored checkpoints.
#[derive(Clone)]
struct Db {
    rows: Vec<Entry>,
    leaves: Vec<Digest>,
    checkpoints: Vec<SignedCheckpoint>,
}

struct Fixture {
    key: SigningKey,
    db: Db,
}

fn checkpoint(key: &SigningKey, leaves: &[Digest]) -> SignedCheckpoint {
    SignedCheckpoint::sign(
        Checkpoint {
            origin: "sirm:110105".into(),
            tree_size: leaves.len() as u64,
            root: root_of(P, leaves),
            time: t0() + Duration::hours(1),
        },
        key,
    )
}

/// `n` entries with a stored checkpoint every `every` entries.
fn fixture(n: u64, every: u64) -> Fixture {
    let key = P.generate_signing_key();
    let rows: Vec<Entry> = (1..=n).map(entry).collect();
    let leaves: Vec<Digest> = rows.iter().map(|e| e.leaf_hash(P)).collect();
    let checkpoints = (every..=n)
        .step_by(every as usize)
        .map(|s| checkpoint(&key, &leaves[..s as usize]))
        .collect();
    Fixture {
        key,
        db: Db {
            rows,
            leaves,
            checkpoints,
        },
    }
}

fn verify(f: &Fixture, db: &Db, external: Vec<SignedCheckpoint>) -> VerifyReport {
    let mut v = Verifier::new(P, f.key.public_key(), db.checkpoints.clone(), external);
    for (e, l) in db.rows.iter().zip(&db.leaves) {
        v.push(e, Some(l));
    }
    v.finish()
}

fn describe(r: &VerifyReport) -> String {
    r.findings
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn intact_ledger_has_no_findings() {
    let f = fixture(100, 10);
    let r = verify(&f, &f.db, vec![]);
    assert!(r.is_intact(), "{}", describe(&r));
    assert_eq!(r.entries, 100);
    assert_eq!(r.tree_size, 100);
    assert_eq!(r.checkpoints, 10);
    assert_eq!(r.root, hex::encode(root_of(P, &f.db.leaves)));
    assert_eq!(r.first_bad_seq(), None);

    // Without a stored leaf column, and with an external checkpoint, still intact.
    let ext = checkpoint(&f.key, &f.db.leaves[..55]);
    let mut v = Verifier::new(P, f.key.public_key(), f.db.checkpoints.clone(), vec![ext]);
    for e in &f.db.rows {
        v.push(e, None);
    }
    let r = v.finish();
    assert!(r.is_intact(), "{}", describe(&r));
    assert_eq!(r.checkpoints, 11);
}

#[test]
fn empty_ledger_is_intact() {
    let key = P.generate_signing_key();
    let r = Verifier::new(P, key.public_key(), vec![], vec![]).finish();
    assert!(r.is_intact());
    assert_eq!(r.root, hex::encode(P.empty_root()));
}

#[test]
fn changed_payload_byte_is_named() {
    let f = fixture(100, 10);
    let mut db = f.db.clone();
    db.rows[41].payload = db.rows[41].payload.replace("张三", "李四");
    let r = verify(&f, &db, vec![]);
    assert_eq!(r.first_bad_seq(), Some(42), "{}", describe(&r));
    assert_eq!(r.findings[0], Finding::LeafMismatch { seq: 42 });
    assert_eq!(
        r.findings[0].to_string(),
        "entry 42: content does not match its recorded leaf hash (altered)"
    );
    // The checkpoint covering it does not match either, and the hint does
    // not blame the leaf column (the stored leaf did not match).
    assert!(r.findings.contains(&Finding::CheckpointRootMismatch {
        source: CheckpointSource::Stored,
        tree_size: 50,
        from_seq: 41,
        to_seq: 50,
        leaf_hashes_matched: false,
        already_reported: Some(42),
    }));
}

#[test]
fn deleted_entry_is_named() {
    let f = fixture(100, 10);
    let mut db = f.db.clone();
    db.rows.remove(41);
    db.leaves.remove(41);
    let r = verify(&f, &db, vec![]);
    assert_eq!(r.first_bad_seq(), Some(42), "{}", describe(&r));
    assert_eq!(
        r.findings[0],
        Finding::Missing {
            first_seq: 42,
            last_seq: 42
        }
    );
    assert_eq!(r.findings[0].to_string(), "entry 42: missing (deleted)");
    // The stored checkpoint at 100 cannot be reached (99 leaves), but the
    // gap explains it: no bogus "tail truncated" finding.
    assert!(
        !r.findings
            .iter()
            .any(|x| matches!(x, Finding::CheckpointBeyondLedger { .. })),
        "{}",
        describe(&r)
    );
    assert!(r.findings.iter().any(|x| x.to_string()
        == "entries 41..=50: the tree does not give the root signed in the stored checkpoint at tree size 50 (entry 42 in this range is reported above)"));
}

#[test]
fn swapped_entries_are_named() {
    // Rows returned out of order.
    let f = fixture(100, 10);
    let mut db = f.db.clone();
    db.rows.swap(41, 42);
    db.leaves.swap(41, 42);
    let r = verify(&f, &db, vec![]);
    assert_eq!(r.first_bad_seq(), Some(42), "{}", describe(&r));
    assert!(r.findings.contains(&Finding::OutOfOrder {
        seq: 42,
        previous_seq: Some(43)
    }));

    // Contents (and leaf hashes) swapped between rows 42 and 43, seqs kept.
    let mut db = f.db.clone();
    let (a, b) = (db.rows[41].clone(), db.rows[42].clone());
    db.rows[41] = Entry { seq: 42, ..b };
    db.rows[42] = Entry { seq: 43, ..a };
    db.leaves.swap(41, 42);
    let r = verify(&f, &db, vec![]);
    assert_eq!(r.first_bad_seq(), Some(42), "{}", describe(&r));
    assert!(r.findings.contains(&Finding::LeafMismatch { seq: 42 }));
    assert!(r.findings.contains(&Finding::LeafMismatch { seq: 43 }));
    assert!(r.findings.iter().any(|x| matches!(
        x,
        Finding::TimeBackwards {
            seq: 43,
            previous_seq: 42,
            ..
        }
    )));
}

#[test]
fn forged_tail_entry_is_named() {
    let f = fixture(100, 10);
    let mut db = f.db.clone();
    let forged = entry(101);
    db.leaves.push(forged.leaf_hash(P));
    db.rows.push(forged);
    let r = verify(&f, &db, vec![]);
    assert_eq!(
        r.findings,
        vec![Finding::UnsignedTail {
            first_seq: 101,
            last_seq: 101,
            signed_size: 100
        }],
        "{}",
        describe(&r)
    );
    assert_eq!(r.first_bad_seq(), Some(101));
    assert!(r.findings[0]
        .to_string()
        .starts_with("entry 101: not covered by any signed checkpoint"));

    // No checkpoint at all: every entry is unsigned.
    let mut db = f.db.clone();
    db.checkpoints.clear();
    let r = verify(&f, &db, vec![]);
    assert_eq!(r.first_bad_seq(), Some(1));
    assert!(r.findings[0]
        .to_string()
        .starts_with("entries 1..=100: not covered"));
}

#[test]
fn truncated_tail_is_named() {
    let f = fixture(100, 10);

    // Entries 96..=100 deleted, stored checkpoint at 100 still there.
    let mut db = f.db.clone();
    db.rows.truncate(95);
    db.leaves.truncate(95);
    let r = verify(&f, &db, vec![]);
    assert_eq!(
        r.findings,
        vec![Finding::CheckpointBeyondLedger {
            source: CheckpointSource::Stored,
            tree_size: 100,
            entries: 95,
            first_missing_seq: 96
        }],
        "{}",
        describe(&r)
    );
    assert_eq!(r.first_bad_seq(), Some(96));

    // Entries 91..=100 and the checkpoint at 100 deleted: the database alone
    // looks intact...
    let mut db = f.db.clone();
    db.rows.truncate(90);
    db.leaves.truncate(90);
    db.checkpoints.retain(|c| c.checkpoint.tree_size <= 90);
    let r = verify(&f, &db, vec![]);
    assert!(r.is_intact(), "{}", describe(&r));
    // ...but not to an auditor who kept the checkpoint.
    let kept = f.db.checkpoints.last().unwrap().clone();
    let r = verify(&f, &db, vec![kept]);
    assert_eq!(
        r.findings,
        vec![Finding::CheckpointBeyondLedger {
            source: CheckpointSource::External,
            tree_size: 100,
            entries: 90,
            first_missing_seq: 91
        }],
        "{}",
        describe(&r)
    );
    assert_eq!(
        r.findings[0].to_string(),
        "entry 91: missing; the external checkpoint covers 100 entries but the ledger has only 90 (tail truncated)"
    );
}

#[test]
fn rewritten_content_and_leaf_hash_are_caught_by_the_checkpoint() {
    let f = fixture(100, 10);
    let mut db = f.db.clone();
    db.rows[41].subject = "P-999".into();
    db.leaves[41] = db.rows[41].leaf_hash(P);
    let r = verify(&f, &db, vec![]);
    assert_eq!(
        r.findings,
        vec![Finding::CheckpointRootMismatch {
            source: CheckpointSource::Stored,
            tree_size: 50,
            from_seq: 41,
            to_seq: 50,
            leaf_hashes_matched: true,
            already_reported: None,
        }],
        "{}",
        describe(&r)
    );
    assert_eq!(r.first_bad_seq(), Some(41));
    let text = r.findings[0].to_string();
    assert!(text.starts_with("entries 41..=50: "), "{text}");
    assert!(text.contains("leaf hash column were rewritten"), "{text}");
}

#[test]
fn external_checkpoint_contradicted_by_the_ledger() {
    // The attacker rewrote entry 42 with its leaf hash and deleted every
    // stored checkpoint; the auditor's checkpoint at 60 still catches it.
    let f = fixture(100, 10);
    let kept = f.db.checkpoints[5].clone();
    assert_eq!(kept.checkpoint.tree_size, 60);
    let mut db = f.db.clone();
    db.rows[41].payload = db.rows[41].payload.replace("张三", "李四");
    db.leaves[41] = db.rows[41].leaf_hash(P);
    db.checkpoints.clear();
    let r = verify(&f, &db, vec![kept]);
    assert_eq!(
        r.findings,
        vec![
            Finding::CheckpointRootMismatch {
                source: CheckpointSource::External,
                tree_size: 60,
                from_seq: 1,
                to_seq: 60,
                leaf_hashes_matched: true,
                already_reported: None,
            },
            Finding::UnsignedTail {
                first_seq: 61,
                last_seq: 100,
                signed_size: 60
            },
        ],
        "{}",
        describe(&r)
    );
    assert_eq!(r.first_bad_seq(), Some(1));
}

#[test]
fn bad_checkpoint_signatures_are_reported() {
    let f = fixture(30, 10);
    let mut db = f.db.clone();
    // Signature damaged.
    db.checkpoints[0].signature[3] ^= 1;
    // Root replaced without re-signing.
    db.checkpoints[1].checkpoint.root = [9; 32];
    // Signed by somebody else.
    let mallory = P.generate_signing_key();
    db.checkpoints[2] = checkpoint(&mallory, &db.leaves[..30]);
    let r = verify(&f, &db, vec![]);
    let bad_sig = r
        .findings
        .iter()
        .filter(|x| matches!(x, Finding::CheckpointBadSignature { .. }))
        .count();
    assert_eq!(bad_sig, 2, "{}", describe(&r));
    assert!(r.findings.contains(&Finding::CheckpointUnknownKey {
        source: CheckpointSource::Stored,
        tree_size: 30,
        key_id: hex::encode(sirm_ledger::note_key_id(
            &db.checkpoints[2].checkpoint.origin,
            &mallory.public_key()
        )),
        expected_key_id: hex::encode(sirm_ledger::note_key_id(
            &db.checkpoints[2].checkpoint.origin,
            &f.key.public_key()
        )),
    }));
    assert!(!r.is_intact());
    // With no valid checkpoint left, the entries are unsigned.
    assert!(r.findings.contains(&Finding::UnsignedTail {
        first_seq: 1,
        last_seq: 30,
        signed_size: 0
    }));
    assert!(r.findings[0]
        .to_string()
        .starts_with("stored checkpoint at tree size 10: signature by key"));
}

#[test]
fn unreadable_and_duplicate_rows() {
    let f = fixture(20, 10);
    let mut v = Verifier::new(P, f.key.public_key(), f.db.checkpoints.clone(), vec![]);
    for (i, (e, l)) in f.db.rows.iter().zip(&f.db.leaves).enumerate() {
        if i == 4 {
            v.push_unreadable(5, "unknown stream \"busyness\"".into());
        } else {
            v.push(e, Some(l));
        }
        if i == 14 {
            v.push(e, Some(l));
        }
    }
    let r = v.finish();
    assert_eq!(r.first_bad_seq(), Some(5), "{}", describe(&r));
    assert_eq!(
        r.findings[0].to_string(),
        "entry 5: stored row cannot be decoded (unknown stream \"busyness\")"
    );
    assert!(r.findings.contains(&Finding::Duplicate { seq: 15 }));
    assert_eq!(r.entries, 21);
}

#[test]
fn time_going_backwards_is_named() {
    let key = P.generate_signing_key();
    let mut rows: Vec<Entry> = (1..=5).map(entry).collect();
    rows[3].time = rows[1].time - Duration::seconds(1);
    let leaves: Vec<Digest> = rows.iter().map(|e| e.leaf_hash(P)).collect();
    let cp = checkpoint(&key, &leaves);
    let mut v = Verifier::new(P, key.public_key(), vec![cp], vec![]);
    for (e, l) in rows.iter().zip(&leaves) {
        v.push(e, Some(l));
    }
    let r = v.finish();
    assert_eq!(r.findings.len(), 1, "{}", describe(&r));
    assert!(matches!(
        r.findings[0],
        Finding::TimeBackwards {
            seq: 4,
            previous_seq: 3,
            ..
        }
    ));
    assert_eq!(
        r.findings[0].to_string(),
        "entry 4: time 2026-11-27T02:59:59.020000Z is earlier than the time 2026-11-27T03:00:00.030000Z of entry 3"
    );
}

#[test]
fn findings_serialize_with_a_tag() {
    let v = serde_json::to_value(Finding::LeafMismatch { seq: 3 }).unwrap();
    assert_eq!(v, json!({"finding": "leaf_mismatch", "seq": 3}));
    let v = serde_json::to_value(Finding::CheckpointBeyondLedger {
        source: CheckpointSource::External,
        tree_size: 9,
        entries: 4,
        first_missing_seq: 5,
    })
    .unwrap();
    assert_eq!(v["finding"], "checkpoint_beyond_ledger");
    assert_eq!(v["source"], "external");
}
