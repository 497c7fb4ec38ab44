//! Ledger append and full verification through the real store, on SQLite and
//! PostgreSQL, beside raw SHA-256 over the same bytes.
//!
//! `cargo bench -p sirm-store` (PostgreSQL from SIRM_TEST_POSTGRES_URL; set
//! SIRM_BENCH_SKIP_POSTGRES=1 to skip it). Results: docs/benchmarks.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use futures::TryStreamExt;
use sha2::{Digest as _, Sha256};
use sirm_domain::id::{RegionCode, ResidentId};
use sirm_domain::records::{kind, person_subject, PersonRegistration};
use sirm_ledger::{CryptoProfile, Entry, EntryDraft, SigningKey, Stream, Verifier};
use sirm_store::{Role, Store, StoreConfig};

const BATCH: usize = 10_000;
const VERIFY_ENTRIES: usize = 200_000;

fn payload(i: usize) -> serde_json::Value {
    // About the size of a person registration payload (~200 bytes).
    serde_json::json!({
        "address": format!("北京市朝阳区朝阳路{}号", i % 300),
        "id": "11010519900307122X",
        "name": "测试人员",
        "phone": "13800000000",
        "registered_on": "2020-01-01",
        "serial": i,
    })
}

fn note_draft(i: usize) -> EntryDraft {
    EntryDraft {
        time: Utc::now(),
        agency: "110105".into(),
        stream: Stream::Business,
        kind: "bench.note".into(),
        subject: format!("bench:{i}"),
        application: None,
        actors: vec!["bench".into()],
        payload: payload(i),
    }
}

fn person_draft(i: usize) -> EntryDraft {
    let region: RegionCode = "110105".parse().unwrap();
    let birth =
        NaiveDate::from_ymd_opt(1960, 1, 1).unwrap() + chrono::Duration::days((i / 999) as i64);
    let id = ResidentId::from_parts(&region, birth, (i % 999 + 1) as u16).unwrap();
    // The store's view of a registration: blind index and sealed fields
    // (stand-ins of the real sizes: 12-byte nonce + text + 16-byte tag).
    let pk = sirm_domain::id::PersonKey::from_digest(
        &sirm_ledger::CryptoProfile::default().digest(id.as_str().as_bytes()),
    );
    let sealed = |len: usize| {
        sirm_domain::sealed::Sealed::parse(&format!("enc1:{}", "A".repeat((len + 28) * 4 / 3)))
            .unwrap()
    };
    let p = PersonRegistration {
        id: pk.clone(),
        id_number: sealed(18),
        name: sealed(12),
        address: sealed(30),
        phone: sealed(11),
        gender: id.gender(),
        birth_date: id.birth_date(),
        registered_on: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
    };
    EntryDraft {
        time: Utc::now(),
        agency: "110105".into(),
        stream: Stream::Business,
        kind: kind::PERSON_REGISTERED.into(),
        subject: person_subject(&pk),
        application: None,
        actors: vec!["bench".into()],
        payload: serde_json::to_value(p).unwrap(),
    }
}

struct Db {
    store: Store,
    _dir: Option<tempfile::TempDir>,
}

async fn open(engine: &str) -> Db {
    let (cfg, dir) = if engine == "sqlite" {
        let dir = tempfile::tempdir().unwrap();
        (
            StoreConfig::sqlite_file(&dir.path().join("bench.db")),
            Some(dir),
        )
    } else {
        let url = std::env::var("SIRM_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let mut c = StoreConfig::new(url);
        c.pg_schema = Some(format!("bench_{}", hex::encode(rand::random::<[u8; 6]>())));
        (c, None)
    };
    let owner = Store::connect(&cfg, Role::Owner).await.unwrap();
    owner.migrate().await.unwrap();
    owner.close().await;
    Db {
        store: Store::connect(&cfg, Role::App).await.unwrap(),
        _dir: dir,
    }
}

fn engines() -> Vec<&'static str> {
    if std::env::var("SIRM_BENCH_SKIP_POSTGRES").is_ok() {
        vec!["sqlite"]
    } else {
        vec!["sqlite", "postgres"]
    }
}

fn append(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let key: SigningKey = CryptoProfile::default().generate_signing_key();
    let mut g = c.benchmark_group("ledger_append_batch_10k");
    g.throughput(Throughput::Elements(BATCH as u64));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    for engine in engines() {
        for (label, make) in [
            ("ledger_only", note_draft as fn(usize) -> EntryDraft),
            ("with_person_projection", person_draft),
        ] {
            let db = rt.block_on(open(engine));
            let mut next = 0usize;
            g.bench_function(BenchmarkId::new(label, engine), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let drafts: Vec<_> = (next..next + BATCH).map(make).collect();
                        next += BATCH;
                        let t = Instant::now();
                        rt.block_on(db.store.append(drafts, &key, "sirm:bench"))
                            .unwrap();
                        total += t.elapsed();
                    }
                    total
                })
            });
            rt.block_on(db.store.close());
        }
    }
    g.finish();
}

fn verify(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let key: SigningKey = CryptoProfile::default().generate_signing_key();
    let mut g = c.benchmark_group("ledger_verify_full");
    g.throughput(Throughput::Elements(VERIFY_ENTRIES as u64));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(15));

    // Raw SHA-256 over exactly the leaf bytes verification hashes.
    let entries: Vec<Entry> = (0..VERIFY_ENTRIES)
        .map(|i| Entry::from_draft(i as u64 + 1, note_draft(i)).unwrap())
        .collect();
    let leaf_bytes: Vec<Vec<u8>> = entries.iter().map(|e| e.leaf_bytes()).collect();
    g.bench_function("raw_sha256_same_bytes", |b| {
        b.iter(|| {
            let mut acc = 0u8;
            for bytes in &leaf_bytes {
                let mut h = Sha256::new();
                h.update([0u8]);
                h.update(bytes);
                acc ^= h.finalize()[0];
            }
            acc
        })
    });
    drop(leaf_bytes);

    for engine in engines() {
        let db = rt.block_on(open(engine));
        rt.block_on(async {
            for chunk in (0..VERIFY_ENTRIES).collect::<Vec<_>>().chunks(BATCH) {
                let drafts: Vec<_> = chunk.iter().map(|i| note_draft(*i)).collect();
                db.store.append(drafts, &key, "sirm:bench").await.unwrap();
            }
        });
        g.bench_function(BenchmarkId::new("scan_and_verify", engine), |b| {
            b.iter(|| {
                rt.block_on(async {
                    let cps = db.store.checkpoints().await.unwrap();
                    let mut v =
                        Verifier::new(CryptoProfile::default(), key.public_key(), cps, vec![]);
                    let mut rows = db.store.scan();
                    while let Some(row) = rows.try_next().await.unwrap() {
                        let (e, leaf) = row.decode().unwrap();
                        v.push(&e, Some(&leaf.try_into().unwrap()));
                    }
                    let r = v.finish();
                    assert!(r.is_intact());
                    r.entries
                })
            })
        });
        rt.block_on(db.store.close());
    }
    g.finish();
}

criterion_group!(benches, append, verify);
criterion_main!(benches);
