#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Ledger hot paths, in entries per second:
//! 1. raw SHA-256 over the leaf bytes (the floor),
//! 2. leaf_bytes + leaf_hash + Frontier push (the append / verify core),
//! 3. the streaming Verifier with one checkpoint per 10,000 entries.

use chrono::{Duration, TimeZone as _, Utc};
use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use serde_json::json;
use sirm_ledger::{
    Checkpoint, CryptoProfile, Digest, Entry, EntryDraft, Frontier, SignedCheckpoint, Stream,
    Verifier,
};

const N: u64 = 100_000;
const EVERY: u64 = 10_000;
const P: CryptoProfile = CryptoProfile::Sha256Ed25519;

/// A typical person registration (payload around 200 bytes).
fn entry(seq: u64) -> Entry {
    let t0 = Utc.with_ymd_and_hms(2026, 11, 27, 3, 0, 0).unwrap();
    Entry::from_draft(
        seq,
        EntryDraft {
            time: t0 + Duration::microseconds(seq as i64 * 1_337),
            agency: "110105".into(),
            stream: Stream::Business,
            kind: "person.registered".into(),
            subject: format!("P110105{seq:010}"),
            application: Some(format!("A110105{seq:010}")),
            actors: vec!["u-collector-017".into(), "u-reviewer-004".into()],
            payload: json!({
                "person_id": format!("P110105{seq:010}"),
                "name": "王小明",
                "id_type": "resident_id",
                "id_number": format!("110105199{:07}", seq % 10_000_000),
                "sex": "male",
                "birth_date": "1990-03-15",
                "nationality": "CHN",
                "phone": "13800138000",
                "address": "北京市朝阳区建国路88号",
            }),
        },
    )
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let entries: Vec<Entry> = (1..=N).map(entry).collect();
    let bytes: Vec<Vec<u8>> = entries.iter().map(Entry::leaf_bytes).collect();
    let avg = bytes.iter().map(Vec::len).sum::<usize>() / bytes.len();
    let avg_payload = entries.iter().map(|e| e.payload.len()).sum::<usize>() / entries.len();
    eprintln!("average leaf bytes: {avg}, average payload bytes: {avg_payload}");

    let leaves: Vec<Digest> = entries.iter().map(|e| e.leaf_hash(P)).collect();
    let key = P.generate_signing_key();
    let mut f = Frontier::new();
    let mut checkpoints = Vec::new();
    let mut next_checkpoint = EVERY;
    for (i, l) in leaves.iter().enumerate() {
        f.push(P, *l);
        if f.size() == next_checkpoint {
            next_checkpoint += EVERY;
            checkpoints.push(SignedCheckpoint::sign(
                Checkpoint {
                    origin: "sirm:110105".into(),
                    tree_size: f.size(),
                    root: f.root(P),
                    time: entries[i].time,
                },
                &key,
            ));
        }
    }
    let public = key.public_key();

    let mut g = c.benchmark_group("ledger");
    g.throughput(Throughput::Elements(N));
    g.sample_size(10);

    g.bench_function("1_raw_sha256_of_leaf_bytes", |b| {
        b.iter(|| {
            let mut acc = 0u8;
            for x in &bytes {
                acc ^= P.leaf_hash(black_box(x))[0];
            }
            acc
        })
    });

    g.bench_function("2_leaf_bytes_hash_frontier_push", |b| {
        b.iter(|| {
            let mut f = Frontier::new();
            for e in &entries {
                f.push(P, black_box(e).leaf_hash(P));
            }
            f.root(P)
        })
    });

    g.bench_function("3_verifier_100k_checkpoint_every_10k", |b| {
        b.iter_batched(
            || checkpoints.clone(),
            |cps| {
                let mut v = Verifier::new(P, public.clone(), cps, vec![]);
                for (e, l) in entries.iter().zip(&leaves) {
                    v.push(e, Some(l));
                }
                let r = v.finish();
                assert!(r.is_intact());
                r
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
