#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The two crypto profiles side by side, one criterion group per operation,
//! one function per profile (`sha256-ed25519`, `sm3-sm2`):
//!
//! * `hash_1KiB`, `hash_64KiB`: `digest` throughput;
//! * `leaf_hash`: RFC 6962 leaf hashes of a typical entry's leaf bytes;
//! * `node_hash`: interior nodes (65 bytes in, what proofs and roots cost);
//! * `sign`, `verify`: Ed25519 / SM2 over a checkpoint body;
//! * `keyed_hash_id18`: HMAC-SHA-256 / HMAC-SM3 of an 18-byte ID number;
//! * `seal_64B`, `open_64B`: AES-256-GCM / SM4-GCM of a 64-byte field.
//!
//! `cargo bench -p sirm-ledger --bench profiles`; numbers in docs/benchmarks.md.

use std::time::Duration;

use chrono::{TimeZone as _, Utc};
use criterion::measurement::WallTime;
use criterion::{
    black_box, criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput,
};
use serde_json::json;
use sirm_ledger::{Checkpoint, CryptoProfile, Entry, EntryDraft, SecretKey, Stream};

/// The leaf bytes of a typical person registration (as in benches/ledger.rs).
fn leaf_bytes() -> Vec<u8> {
    Entry::from_draft(
        1_234_567,
        EntryDraft {
            time: Utc.with_ymd_and_hms(2026, 11, 27, 3, 0, 0).unwrap(),
            agency: "110105".into(),
            stream: Stream::Business,
            kind: "person.registered".into(),
            subject: "P1101050001234567".into(),
            application: Some("A1101050001234567".into()),
            actors: vec!["u-collector-017".into(), "u-reviewer-004".into()],
            payload: json!({
                "person_id": "P1101050001234567",
                "name": "王小明",
                "id_type": "resident_id",
                "id_number": "110105199001234567",
                "sex": "male",
                "birth_date": "1990-03-15",
                "nationality": "CHN",
                "phone": "13800138000",
                "address": "北京市朝阳区建国路88号",
            }),
        },
    )
    .unwrap()
    .leaf_bytes()
}

/// One operation, both profiles: 1 s warm-up, 3 s measurement.
fn group<'a>(c: &'a mut Criterion, name: &str, t: Throughput) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(format!("profiles/{name}"));
    g.throughput(t);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));
    g
}

fn bench(c: &mut Criterion) {
    let kib: Vec<u8> = (0..1024u32).map(|i| i as u8).collect();
    let kib64: Vec<u8> = (0..65536u32).map(|i| (i * 7) as u8).collect();
    let leaf = leaf_bytes();
    eprintln!("leaf bytes: {}", leaf.len());
    let body = Checkpoint {
        origin: "sirm:110105".into(),
        tree_size: 12_345_678,
        root: [7u8; 32],
        time: Utc.with_ymd_and_hms(2026, 11, 27, 3, 36, 37).unwrap(),
    }
    .body();
    let id = b"110105199003074354";
    let field = [0x5au8; 64];
    let key = SecretKey::generate();

    let mut g = group(c, "hash_1KiB", Throughput::Bytes(kib.len() as u64));
    for p in CryptoProfile::ALL {
        g.bench_function(p.name(), |b| b.iter(|| p.digest(black_box(&kib))));
    }
    g.finish();

    let mut g = group(c, "hash_64KiB", Throughput::Bytes(kib64.len() as u64));
    for p in CryptoProfile::ALL {
        g.bench_function(p.name(), |b| b.iter(|| p.digest(black_box(&kib64))));
    }
    g.finish();

    let mut g = group(c, "leaf_hash", Throughput::Elements(1));
    for p in CryptoProfile::ALL {
        g.bench_function(p.name(), |b| b.iter(|| p.leaf_hash(black_box(&leaf))));
    }
    g.finish();

    let mut g = group(c, "node_hash", Throughput::Elements(1));
    for p in CryptoProfile::ALL {
        let (l, r) = (p.digest(b"l"), p.digest(b"r"));
        g.bench_function(p.name(), |b| {
            b.iter(|| p.node_hash(black_box(&l), black_box(&r)))
        });
    }
    g.finish();

    let mut g = group(c, "sign", Throughput::Elements(1));
    for p in CryptoProfile::ALL {
        let sk = p.generate_signing_key();
        g.bench_function(p.name(), |b| b.iter(|| sk.sign(black_box(body.as_bytes()))));
    }
    g.finish();

    let mut g = group(c, "verify", Throughput::Elements(1));
    for p in CryptoProfile::ALL {
        let sk = p.generate_signing_key();
        let pk = sk.public_key();
        let sig = sk.sign(body.as_bytes());
        g.bench_function(p.name(), |b| {
            b.iter(|| {
                pk.verify(black_box(body.as_bytes()), black_box(&sig))
                    .unwrap()
            })
        });
    }
    g.finish();

    let mut g = group(c, "keyed_hash_id18", Throughput::Elements(1));
    for p in CryptoProfile::ALL {
        g.bench_function(p.name(), |b| b.iter(|| p.keyed_hash(&key, black_box(id))));
    }
    g.finish();

    let mut g = group(c, "seal_64B", Throughput::Elements(1));
    for p in CryptoProfile::ALL {
        g.bench_function(p.name(), |b| {
            b.iter(|| p.seal(&key, black_box(id), black_box(&field)))
        });
    }
    g.finish();

    let mut g = group(c, "open_64B", Throughput::Elements(1));
    for p in CryptoProfile::ALL {
        let sealed = p.seal(&key, id, &field);
        g.bench_function(p.name(), |b| {
            b.iter(|| p.open(&key, black_box(id), black_box(&sealed)).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
